package io.serdistill.jobs.run;

/**
 * A run that must not start as launched: its directory is locked by another launch, or a stage is asked for before
 * the stage it reads from has completed. The launcher exits 2 with the message, as for a usage error: nothing ran.
 */
public final class RunRefused extends RuntimeException {
    public RunRefused(String message) {
        super(message);
    }
}
