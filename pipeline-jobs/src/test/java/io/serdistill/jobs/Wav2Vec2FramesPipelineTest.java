package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.data.DemoCorpus;
import io.serdistill.distill.StudentPlan;
import io.serdistill.features.FloatBlob;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.wav2vec2.FrameHeadClassifier;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * ser.features.wav2vec2.store = frames through the whole pipeline, with the small random "base" checkpoint the
 * parity fixtures ship (hidden 32, 2 layers): extract stores the frozen encoder's hidden states frame by frame, every
 * teacher and student is an attentive-statistics head over them, evaluation scores the heads.
 */
class Wav2Vec2FramesPipelineTest {
    private static final Path FIXTURE = Path.of("../pipeline-core/src/test/resources/fixtures/wav2vec2/base")
            .toAbsolutePath().normalize();
    private static final List<String> METHODS = List.of("ft-multi", "kd-mono", "mtkd-language");

    @TempDir
    Path tmp;

    @Test
    void framesStoreTrainsAttentiveStatisticsHeadsOnStoredHiddenStateFrames() throws Exception {
        DemoCorpus.Summary corpus = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(3).withUtterances(2)
                .withSeed(12)).write(tmp.resolve("corpus"));
        // One row whose file is missing: it must end in rejects, not vanish.
        Files.writeString(corpus.manifest(), "fr_bad_missing,wav/fr/does-not-exist.wav,fr,sad,fr_spk00,train,demo\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("Wav2Vec2FramesPipelineTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        try {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("ser.run.id", "frames");
            o.put("ser.output.root", tmp.resolve("runs").toString());
            o.put("ser.input.manifest", corpus.manifest().toUri().toString());
            o.put("ser.features.kind", "wav2vec2");
            o.put("ser.features.wav2vec2.store", "frames");
            o.put("ser.features.wav2vec2.layer", "2");
            o.put("ser.features.wav2vec2.pooling", "attentive-statistics");
            o.put("ser.features.wav2vec2.attention-dim", "8");
            o.put("ser.features.wav2vec2.model-dir", "\"" + FIXTURE + "\"");
            o.put("ser.features.wav2vec2.projector-dim", "16");
            o.put("ser.distill.methods", "[" + String.join(", ", METHODS) + "]");
            for (String family : List.of("teachers", "student")) {
                o.put("ser." + family + ".epochs", "3");
                o.put("ser." + family + ".batch-size", "8");
            }
            SerConfig cfg = SerConfig.load(List.of(), o);
            long t0 = System.nanoTime();
            List<StageRunner.StageTiming> first = StageRunner.run(spark, cfg, PipelineJob.stages().subList(0, 5), false);
            System.out.printf("frames-store pipeline on the fixture: %.1f s %s%n", (System.nanoTime() - t0) / 1e9,
                    first.stream().map(t -> t.stage() + "=" + String.format("%.1f", t.seconds())).toList());
            String run = tmp.resolve("runs/frames").toString();
            RunLayout layout = new RunLayout(run);
            Wav2Vec2Config config = Wav2Vec2Config.load(FIXTURE.resolve("config.json"));

            // extract: hidden-state frames, hidden_size wide, as many as the conv stack yields for the clip's samples
            List<Row> features = spark.read().parquet(run + "/features/wav2vec2-frames")
                    .select("utt_id", "duration_s", "num_frames", "dim", "frames", "pooled").collectAsList();
            assertEquals(3 * 3 * 4 * 2, features.size(), "every readable demo utterance has features");
            for (Row r : features) {
                int samples = (int) Math.round(r.getDouble(1) * 16000);
                assertEquals(config.hiddenSize(), r.getInt(3), r.getString(0));
                assertEquals(config.frames(samples), r.getInt(2), r.getString(0) + ": " + samples + " samples");
                float[] frames = FloatBlob.decode(r.getAs(4));
                assertEquals(r.getInt(2) * r.getInt(3), frames.length, r.getString(0));
                assertEquals(config.hiddenSize(), r.getList(5).size(), "pooled = the frames' time-mean");
            }
            long manifestRows = spark.read().parquet(run + "/manifest").count();
            List<Row> rejects = spark.read().parquet(run + "/rejects/stage=extract").select("utt_id", "reason").collectAsList();
            assertEquals(manifestRows, features.size() + rejects.size(), "every manifest row in features or rejects");
            assertEquals("MISSING_FILE", rejects.get(0).getString(1));

            // models: attentive-statistics heads, saved alone, every file loads back
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
                FrameHeadClassifier head = FrameHeadClassifier.fromSafeTensors(bytes, f.getKey());
                assertEquals(new HeadSpec(config.hiddenSize(), 1, false, HeadSpec.Pooling.ATTENTIVE_STATS, false, 8, 16, 4),
                        head.spec(), f.getKey());
                SafeTensors saved = SafeTensors.parse(bytes, f.getKey());
                assertEquals(cfg.hash(), saved.metadata().get("ser.config_hash"), f.getKey());
                assertEquals(f.getKey(), saved.metadata().get("ser.model"));
                assertArrayEquals(new long[] {config.hiddenSize(), 8}, saved.require("att_w").shape(), f.getKey());
            }

            // soft targets from the teachers; a training history per model
            long softRows = spark.read().parquet(run + "/soft_targets").count();
            long trainDevRows = spark.read().parquet(run + "/features/wav2vec2-frames").filter("split IN ('train', 'dev')").count();
            assertEquals(3 * trainDevRows, softRows, "every teacher scores every train/dev utterance");
            Set<String> historyModels = spark.read().parquet(run + "/tables/training_history").select("model").distinct()
                    .collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
            assertEquals(files.keySet(), historyModels);

            // metrics: every model on every language of the test split, and overall
            Set<String> scored = spark.read().parquet(run + "/tables/metrics").filter("split = 'test' AND metric = 'ua'")
                    .select("model", "method", "language").collectAsList().stream()
                    .map(r -> r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2)).collect(Collectors.toSet());
            for (String model : files.keySet()) {
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
}
