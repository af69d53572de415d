package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.wav2vec2.FrameHeadClassifier;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ser.features.wav2vec2.store = frames through the whole pipeline with the fixture checkpoint: extract stores the
 * frozen encoder's hidden states frame by frame, every teacher and student is an attentive-statistics head over
 * them, evaluation scores the heads.
 */
class Wav2Vec2FramesPipelineTest {
    @TempDir
    Path tmp;

    @Test
    void framesStoreTrainsAttentiveStatisticsHeadsOnStoredHiddenStateFrames() throws Exception {
        SerConfig cfg = FramePipelineChecks.config(tmp, "frames", 12, 3, Map.of("ser.features.wav2vec2.store", "frames",
                "ser.features.wav2vec2.layer", "2", "ser.features.wav2vec2.pooling", "attentive-statistics",
                "ser.features.wav2vec2.attention-dim", "8"));
        SparkSession spark = FramePipelineChecks.spark("Wav2Vec2FramesPipelineTest");
        try {
            String run = FramePipelineChecks.runFirstFiveStages(spark, cfg, "frames-store pipeline on the fixture");
            Wav2Vec2Config config = Wav2Vec2Config.load(FramePipelineChecks.FIXTURE.resolve("config.json"));

            // extract: hidden-state frames, hidden_size wide, one per conv-stack frame
            FramePipelineChecks.assertFramesAndRejects(spark, run, "wav2vec2-frames", Wav2Vec2Config::hiddenSize);

            // models: attentive-statistics heads saved alone; every file loads back
            Map<String, String> methodOf = new LinkedHashMap<>();
            for (Map.Entry<String, Path> f : FramePipelineChecks.modelFiles(cfg, new RunLayout(run), methodOf).entrySet()) {
                byte[] bytes = Files.readAllBytes(f.getValue());
                FrameHeadClassifier head = FrameHeadClassifier.fromSafeTensors(bytes, f.getKey());
                assertEquals(new HeadSpec(config.hiddenSize(), 1, false, HeadSpec.Pooling.ATTENTIVE_STATS, false, 8, 16, 4),
                        head.spec(), f.getKey());
                SafeTensors saved = SafeTensors.parse(bytes, f.getKey());
                assertEquals(cfg.hash(), saved.metadata().get("ser.config_hash"), f.getKey());
                assertEquals(f.getKey(), saved.metadata().get("ser.model"));
                assertArrayEquals(new long[] {config.hiddenSize(), 8}, saved.require("att_w").shape(), f.getKey());
            }

            FramePipelineChecks.assertScoredEverywhereAndRerunSkips(spark, cfg, run, "wav2vec2-frames", methodOf);
        } finally {
            spark.stop();
        }
    }
}
