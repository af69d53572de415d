package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.model.MlpClassifier;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ser.features.kind = wav2vec2: the whole pipeline on frozen wav2vec2 features, with the small random checkpoint
 * the parity fixtures ship (HF layout: config.json + model.safetensors).
 */
class Wav2Vec2PipelineTest {
    @TempDir
    Path tmp;

    @Test
    void pipelineRunsOnFrozenWav2Vec2Features() throws Exception {
        String modelDir = Path.of("../pipeline-core/src/test/resources/fixtures/wav2vec2/base").toAbsolutePath().normalize().toString();
        SparkSession spark = SparkSession.builder().master("local[2]").appName("Wav2Vec2PipelineTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        try {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("ser.run.id", "w2v");
            o.put("ser.output.root", tmp.resolve("runs").toString());
            o.put("ser.demo.dir", tmp.resolve("corpus").toString());
            o.put("ser.demo.speakers-per-language", "3");
            o.put("ser.demo.utterances-per-speaker-per-emotion", "2");
            o.put("ser.features.kind", "wav2vec2");
            o.put("ser.features.wav2vec2.model-dir", "\"" + modelDir + "\"");
            o.put("ser.teachers.epochs", "5");
            o.put("ser.student.epochs", "5");
            SerConfig cfg = SerConfig.load(List.of(), o);
            StageRunner.run(spark, cfg, PipelineJob.stages(), false);

            Row f = spark.read().parquet(tmp.resolve("runs/w2v/features/wav2vec2").toString())
                    .select("num_frames", "dim", "pooled").first();
            // The fixture model: hidden size 32, 2 layers -> 3 hidden states, each a mean over time.
            assertEquals(3, f.getInt(0));
            assertEquals(32, f.getInt(1));
            assertEquals(32, f.getList(2).size());
            long rows = spark.read().parquet(tmp.resolve("runs/w2v/features/wav2vec2").toString()).count();
            assertEquals(3 * 3 * 4 * 2, rows, "every demo utterance has features");
            long metrics = spark.read().parquet(tmp.resolve("runs/w2v/tables/metrics").toString())
                    .filter("split = 'test' AND metric = 'ua'").count();
            assertTrue(metrics >= 6 * 3, "teachers and students scored on every language: " + metrics);

            // Learned layer weighting: the models take all 3 hidden states and learn their weights.
            o.put("ser.run.id", "w2v-lw");
            o.put("ser.features.wav2vec2.layer-weights", "true");
            o.put("ser.distill.methods", "[ft-multi, mtkd-language]");
            StageRunner.run(spark, SerConfig.load(List.of(), o), PipelineJob.stages(), false);
            MlpClassifier student = MlpClassifier.fromSafeTensors(java.nio.file.Files.readAllBytes(
                    tmp.resolve("runs/w2v-lw/students/mtkd-language/model.safetensors")), "student");
            double[] w = student.layerWeights();
            assertEquals(3, w.length);
            assertEquals(1.0, w[0] + w[1] + w[2], 1e-6);
            assertEquals(3 * 32, student.spec().inputDim(), "input is every hidden state's mean");
        } finally {
            spark.stop();
        }
    }
}
