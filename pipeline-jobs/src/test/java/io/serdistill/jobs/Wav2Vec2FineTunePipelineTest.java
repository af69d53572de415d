package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.data.DemoCorpus;
import io.serdistill.distill.StudentPlan;
import io.serdistill.features.FloatBlob;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ser.features.wav2vec2.mode = finetune through the whole pipeline, with the small random "base" checkpoint the
 * parity fixtures ship (hidden 32, 2 layers, 32-wide CNN): extract stores CNN frames, every teacher and student
 * fine-tunes the encoder, evaluation scores the fine-tuned models.
 */
class Wav2Vec2FineTunePipelineTest {
    private static final Path FIXTURE = Path.of("../pipeline-core/src/test/resources/fixtures/wav2vec2/base")
            .toAbsolutePath().normalize();
    private static final List<String> METHODS = List.of("ft-multi", "kd-mono", "mtkd-language");

    @TempDir
    Path tmp;

    @Test
    void finetuneModeFineTunesEveryModelOnStoredCnnFrames() throws Exception {
        DemoCorpus.Summary corpus = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(3).withUtterances(2)
                .withSeed(11)).write(tmp.resolve("corpus"));
        // One row whose file is missing: it must end in rejects, not vanish.
        Files.writeString(corpus.manifest(), "fr_bad_missing,wav/fr/does-not-exist.wav,fr,sad,fr_spk00,train,demo\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("Wav2Vec2FineTunePipelineTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        try {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("ser.run.id", "ft");
            o.put("ser.output.root", tmp.resolve("runs").toString());
            o.put("ser.input.manifest", corpus.manifest().toUri().toString());
            o.put("ser.features.kind", "wav2vec2");
            o.put("ser.features.wav2vec2.mode", "finetune");
            o.put("ser.features.wav2vec2.model-dir", "\"" + FIXTURE + "\"");
            o.put("ser.features.wav2vec2.projector-dim", "16");
            o.put("ser.distill.methods", "[" + String.join(", ", METHODS) + "]");
            for (String family : List.of("teachers", "student")) {
                o.put("ser." + family + ".epochs", "2");
                o.put("ser." + family + ".batch-size", "8");
            }
            SerConfig cfg = SerConfig.load(List.of(), o);
            long t0 = System.nanoTime();
            List<StageRunner.StageTiming> first = StageRunner.run(spark, cfg,
                    PipelineJob.stages().subList(0, 5), false);
            System.out.printf("finetune pipeline on the fixture: %.1f s %s%n", (System.nanoTime() - t0) / 1e9,
                    first.stream().map(t -> t.stage() + "=" + String.format("%.1f", t.seconds())).toList());
            String run = tmp.resolve("runs/ft").toString();
            RunLayout layout = new RunLayout(run);
            Wav2Vec2Config config = Wav2Vec2Config.load(FIXTURE.resolve("config.json"));

            // extract: CNN frames, conv_dim[-1] wide, as many as the conv stack yields for the clip's samples
            List<Row> features = spark.read().parquet(run + "/features/wav2vec2-cnn")
                    .select("utt_id", "duration_s", "num_frames", "dim", "frames").collectAsList();
            assertEquals(3 * 3 * 4 * 2, features.size(), "every readable demo utterance has features");
            for (Row r : features) {
                int samples = (int) Math.round(r.getDouble(1) * 16000);
                assertEquals(config.featureDim(), r.getInt(3), r.getString(0));
                assertEquals(config.frames(samples), r.getInt(2), r.getString(0) + ": " + samples + " samples");
                assertEquals(r.getInt(2) * r.getInt(3), FloatBlob.decode(r.getAs(4)).length, r.getString(0));
            }
            long manifestRows = spark.read().parquet(run + "/manifest").count();
            List<Row> rejects = spark.read().parquet(run + "/rejects/stage=extract").select("utt_id", "reason").collectAsList();
            assertEquals(manifestRows, features.size() + rejects.size(), "every manifest row in features or rejects");
            assertEquals("MISSING_FILE", rejects.get(0).getString(1));

            // models: whole fine-tuned wav2vec2 files; encoder tensors trained, CNN tensors the checkpoint's
            SafeTensors checkpoint = SafeTensors.parse(Files.readAllBytes(FIXTURE.resolve("model.safetensors")), "fixture");
            List<String> models = new ArrayList<>();
            Map<String, Path> files = new LinkedHashMap<>();
            Map<String, String> methodOf = new LinkedHashMap<>();
            for (String lang : cfg.input().languages()) {
                files.put(TeachersStage.modelName(lang), Path.of(layout.teacherModel(lang)));
                methodOf.put(TeachersStage.modelName(lang), TeachersStage.METHOD);
            }
            for (StudentPlan.Student st : DistillStage.plan(cfg)) {
                files.put(st.model(), Path.of(layout.studentModel(st.model())));
                methodOf.put(st.model(), st.method());
            }
            assertEquals(3 + 1 + 3 + 1, files.size(), "3 teachers, ft-multi, 3 kd-mono, mtkd-language");
            for (Map.Entry<String, Path> f : files.entrySet()) {
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
                models.add(f.getKey());
            }

            // soft targets from the fine-tuned teachers; a training history per model
            long softRows = spark.read().parquet(run + "/soft_targets").count();
            long trainDevRows = spark.read().parquet(run + "/features/wav2vec2-cnn").filter("split IN ('train', 'dev')").count();
            assertEquals(3 * trainDevRows, softRows, "every teacher scores every train/dev utterance");
            Set<String> historyModels = spark.read().parquet(run + "/tables/training_history").select("model").distinct()
                    .collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
            assertEquals(Set.copyOf(models), historyModels);

            // metrics: every model on every language of the test split
            Set<String> scored = spark.read().parquet(run + "/tables/metrics").filter("split = 'test' AND metric = 'ua'")
                    .select("model", "method", "language").collectAsList().stream()
                    .map(r -> r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2)).collect(Collectors.toSet());
            for (String model : models) {
                for (String lang : cfg.input().languages()) {
                    assertTrue(scored.contains(model + "/" + methodOf.get(model) + "/" + lang), model + " on " + lang + ": " + scored);
                }
                assertTrue(scored.contains(model + "/" + methodOf.get(model) + "/" + EvaluateStage.ALL), model + ": " + scored);
            }

            // a re-run with the same config skips every finished stage
            List<StageRunner.StageTiming> again = StageRunner.run(spark, cfg, PipelineJob.stages().subList(0, 5), false);
            assertTrue(again.stream().allMatch(StageRunner.StageTiming::skipped), again.toString());
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
