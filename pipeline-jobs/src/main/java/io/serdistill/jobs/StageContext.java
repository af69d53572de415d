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

    /** The features column models take: "frames" (every hidden state's mean) with learned layer weights, else "pooled". */
    String inputColumn() {
        return learnsLayerWeights() ? "frames" : "pooled";
    }

    /** How many stacked vectors a model input holds: the number of wav2vec2 hidden states with layer weights, else 1. */
    int inputLayers() {
        if (!learnsLayerWeights()) {
            return 1;
        }
        return spark.read().parquet(featuresPath()).select("num_frames").first().getInt(0);
    }

    private boolean learnsLayerWeights() {
        return config.features().kind().equals("wav2vec2") && config.features().wav2vec2().layerWeights();
    }

    String master() {
        return spark.sparkContext().master();
    }
}
