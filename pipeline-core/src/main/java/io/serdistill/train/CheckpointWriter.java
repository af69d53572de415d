package io.serdistill.train;

import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serialises and stores checkpoints on one background thread, so training goes on while a checkpoint is written.
 * At most one write is in flight: a new checkpoint first waits for the previous one to be stored. Waiting rather
 * than skipping keeps the checkpointed epochs a function of the policy alone and holds one snapshot in memory at a
 * time (a snapshot of wav2vec2-base with its optimiser moments and best weights is ~1.5 GB); with checkpoints
 * several epochs apart the wait is almost always zero.
 *
 * <p>A failed write is logged when it fails and thrown by the next {@link #write} or by {@link #close}, so a task
 * never finishes, or goes on for long, believing in a checkpoint that was not stored. {@link #close} waits for the
 * write in flight: when it returns, no write of this run can still land (the final model and the clearing of the
 * checkpoint directory come after it).
 */
final class CheckpointWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("ser.train");
    private final CheckpointStore store;
    private ExecutorService thread;
    private Future<?> inFlight;
    private int inFlightEpoch;

    CheckpointWriter(CheckpointStore store) {
        this.store = store;
    }

    /**
     * Waits for the previous write (throwing its failure), takes {@code snapshot} on the calling thread (it must copy
     * whatever training will go on changing), then serialises and stores it in the background.
     */
    void write(int epoch, Supplier<SafeTensors> snapshot) {
        awaitInFlight();
        SafeTensors checkpoint = snapshot.get();
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "ser-checkpoint-writer");
                t.setDaemon(true);
                return t;
            });
        }
        inFlightEpoch = epoch;
        inFlight = thread.submit(() -> {
            try {
                store.save(epoch, checkpoint.toBytes());
            } catch (IOException | RuntimeException e) {
                LOG.warn("could not write the checkpoint of epoch {} to {}", epoch, store.location(), e);
                throw e;
            }
            return null;
        });
    }

    /** Waits for the write in flight, if any, and throws its failure. */
    private void awaitInFlight() {
        if (inFlight == null) {
            return;
        }
        Future<?> pending = inFlight;
        inFlight = null;
        String what = "the checkpoint of epoch " + inFlightEpoch + " to " + store.location();
        try {
            pending.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException("could not write " + what, io);
            }
            throw new IllegalStateException("could not write " + what, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    /** Waits for the write in flight and throws its failure; stops the thread. */
    @Override
    public void close() {
        try {
            awaitInFlight();
        } finally {
            if (thread != null) {
                thread.shutdown();
            }
        }
    }
}
