package io.serdistill.jobs.run;

import io.serdistill.config.SerConfig;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

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

    /**
     * Fails before any stage of the run starts when the session cannot serve this stage (e.g. no Hive catalog for
     * a stage that registers tables), so a long run does not fail at its end. Most stages need nothing: no check.
     */
    default void checkSession(SparkSession spark, SerConfig config) {}
}
