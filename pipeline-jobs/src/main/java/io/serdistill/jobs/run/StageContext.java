package io.serdistill.jobs.run;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.jobs.spark.GpuBinding;
import io.serdistill.train.ModelKind;
import org.apache.spark.sql.SparkSession;

/** What every stage gets: the session, the validated config, the run's directory and a shippable Hadoop conf. */
public record StageContext(SparkSession spark, SerConfig config, RunLayout layout, HadoopConf hadoop) {

    public GpuBinding.Settings gpus() {
        SerConfig.Resources r = config.resources();
        return new GpuBinding.Settings(r.gpuPerTask(), r.discoveryScript(), r.vendor(), r.executorCores(),
                r.executorMemory(), r.executorMemoryOverhead());
    }

    /** Every model of this run: its teachers and the students of its methods, with their files. */
    public Roster roster() {
        return Roster.of(config, layout);
    }

    /** features/{table}/ of this run's configured features (see {@link SerConfig.Features#table()}). */
    public String featuresPath() {
        return layout.features(config.features().table());
    }

    /** What teachers and students are: MLP heads on pooled vectors, or fine-tuned wav2vec2. */
    public ModelKind modelKind() {
        return config.modelKind();
    }

    /**
     * The features column models take: "frames" for fine-tuned wav2vec2 (CNN frames), for heads over frozen
     * hidden-state frames and for learned layer weights (every hidden state's mean), else "pooled".
     */
    public String inputColumn() {
        SerConfig.Features f = config.features();
        return f.modelsReadFrames() || learnsLayerWeights() ? "frames" : "pooled";
    }

    /** How many stacked vectors a model input holds: the number of wav2vec2 hidden states with layer weights, else 1. */
    public int inputLayers() {
        if (!learnsLayerWeights()) {
            return 1;
        }
        return spark.read().parquet(featuresPath()).select("num_frames").first().getInt(0);
    }

    private boolean learnsLayerWeights() {
        // Fine-tuned models weigh their own hidden states; their input is CNN frames either way.
        return config.features().kind().equals("wav2vec2") && !config.features().finetunesWav2Vec2()
                && config.features().wav2vec2().layerWeights();
    }

    public String master() {
        return spark.sparkContext().master();
    }
}
