package io.serdistill.jobs.run;

import io.serdistill.config.SerConfig;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** One pipeline stage: a thin Spark shell over pipeline-core code. */
public interface Stage {
    /** What a stage does in a cross-validation run ({@code ser.folds.all}), where every fold is a sub-run. */
    enum FoldRole {
        /** Runs in every fold's sub-run, and needs nothing else. */
        PER_FOLD,
        /**
         * Writes the fold definition (folds.json): when it is the run's first stage, fold 0's runs alone before any
         * other, and the folds it defines decide how many sub-runs there are; it then runs in every other fold.
         */
        DEFINES_FOLDS,
        /** Runs in every fold and writes the test metrics that are summarised over all folds after the last one. */
        SUMMARISED_OVER_FOLDS
    }

    String name();

    /** This stage's part in a cross-validation run; most stages just run once in each fold. */
    default FoldRole foldRole() {
        return FoldRole.PER_FOLD;
    }

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
     * Called before the stage runs because of --force: drops what it would otherwise keep from an interrupted
     * attempt with the same inputs (models' completion records), so that it all runs again. Most stages keep nothing.
     */
    default void forgetCompletedWork(StageContext ctx) throws Exception {}

    /**
     * Fails before any stage of the run starts when the session cannot serve this stage (e.g. no Hive catalog for
     * a stage that registers tables), so a long run does not fail at its end. Most stages need nothing: no check.
     */
    default void checkSession(SparkSession spark, SerConfig config) {}
}
