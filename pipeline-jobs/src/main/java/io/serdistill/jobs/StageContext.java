package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import org.apache.spark.sql.SparkSession;

/** What every stage gets: the session, the validated config, the run's directory and a shippable Hadoop conf. */
public record StageContext(SparkSession spark, SerConfig config, RunLayout layout, HadoopConf hadoop) {

    GpuBinding.Settings gpus() {
        SerConfig.Resources r = config.resources();
        return new GpuBinding.Settings(r.gpuPerTask(), r.discoveryScript(), r.vendor());
    }

    /** features/{kind}/ of this run's configured feature kind. */
    String featuresPath() {
        return layout.features(config.features().kind());
    }

    String master() {
        return spark.sparkContext().master();
    }
}
