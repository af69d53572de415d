package io.serdistill.jobs;

import java.util.Map;

/** One pipeline stage: a thin Spark shell over pipeline-core code. */
public interface Stage {
    String name();

    /** Runs the stage; returns the counts worth recording in its completion marker (rows in/out, rejects…). */
    Map<String, Object> run(StageContext ctx) throws Exception;
}
