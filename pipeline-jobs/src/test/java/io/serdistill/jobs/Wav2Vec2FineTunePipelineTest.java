package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ser.features.wav2vec2.mode = finetune through the whole pipeline, with the small random "base" checkpoint the
 * parity fixtures ship (hidden 32, 2 layers, 32-wide CNN): extract stores CNN frames, every teacher and student
 * fine-tunes the encoder, evaluation scores the fine-tuned models.
 */
class Wav2Vec2FineTunePipelineTest {
    @TempDir
    Path tmp;

    @Test
    void finetuneModeFineTunesEveryModelOnStoredCnnFrames() throws Exception {
        SerConfig cfg = FramePipelineChecks.config(tmp, "ft", 11, 2, Map.of("ser.features.wav2vec2.mode", "finetune"));
        SparkSession spark = FramePipelineChecks.spark("Wav2Vec2FineTunePipelineTest");
        try {
            String run = FramePipelineChecks.runFirstFiveStages(spark, cfg, "finetune pipeline on the fixture");

            // extract: CNN frames, conv_dim[-1] wide, as many as the conv stack yields for the clip's samples
            FramePipelineChecks.assertFramesAndRejects(spark, run, "wav2vec2-cnn", Wav2Vec2Config::featureDim);

            // models: whole fine-tuned wav2vec2 files; encoder tensors trained, CNN tensors the checkpoint's
            SafeTensors checkpoint = SafeTensors.parse(Files.readAllBytes(FramePipelineChecks.FIXTURE
                    .resolve("model.safetensors")), "fixture");
            Map<String, String> methodOf = new LinkedHashMap<>();
            for (Map.Entry<String, Path> f : FramePipelineChecks.modelFiles(cfg, new RunLayout(run), methodOf).entrySet()) {
                byte[] bytes = Files.readAllBytes(f.getValue());
                Wav2Vec2FineTuneModel.fromSafeTensors(bytes, f.getKey()); // loads back whole
                SafeTensors saved = SafeTensors.parse(bytes, f.getKey());
                assertEquals(cfg.hash(), saved.metadata().get("ser.config_hash"), f.getKey());
                assertEquals(f.getKey(), saved.metadata().get("ser.model"));
                int cnn = 0;
                for (Map.Entry<String, SafeTensors.Tensor> e : checkpoint.tensors().entrySet()) {
                    if (e.getKey().startsWith("feature_extractor.")) {
                        assertArrayEquals(e.getValue().values(), saved.require(e.getKey()).values(), f.getKey() + " " + e.getKey());
                        cnn++;
                    }
                }
                assertTrue(cnn >= 7, "CNN tensors compared: " + cnn);
                for (String trained : List.of("encoder.layers.0.attention.q_proj.weight", "encoder.layers.1.final_layer_norm.weight",
                        "feature_projection.projection.weight")) {
                    assertTrue(maxAbsDiff(checkpoint.require(trained).values(), saved.require(trained).values()) > 1e-6,
                            f.getKey() + ": " + trained + " was not fine-tuned");
                }
            }

            FramePipelineChecks.assertScoredEverywhereAndRerunSkips(spark, cfg, run, "wav2vec2-cnn", methodOf);
        } finally {
            spark.stop();
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
