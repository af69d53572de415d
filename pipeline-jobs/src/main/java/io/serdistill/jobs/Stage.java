package io.serdistill.jobs;

import java.util.Map;

/** One pipeline stage: a thin Spark shell over pipeline-core code. */
public interface Stage {
    String name();

    /** Runs the stage; returns the counts worth recording in its completion marker (rows in/out, rejects…). */
    Map<String, Object> run(StageContext ctx) throws Exception;

    /**
     * What this stage reads that neither the config hash nor the previous stage's marker covers (a manifest's
     * content, a corpus directory's listing, where results are published), as name to value; recorded in its
     * marker, and a change re-runs it and every later stage (see {@link StageInputs}). Computed before the stage
     * runs, so it must be cheap. Most stages read only what earlier stages wrote: none.
     */
    default Map<String, String> inputIdentity(StageContext ctx) throws Exception {
        return Map.of();
    }
}
