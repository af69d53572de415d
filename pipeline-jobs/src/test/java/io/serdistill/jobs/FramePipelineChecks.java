package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.features.FloatBlob;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.jobs.run.Tables;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What the wav2vec2 pipeline tests whose models read frames (mode = finetune, store = frames) check alike, on the
 * small random "base" checkpoint the parity fixtures ship (hidden 32, 2 layers, 32-wide CNN).
 */
final class FramePipelineChecks {
    static final Path FIXTURE = Path.of("../pipeline-core/src/test/resources/fixtures/wav2vec2/base")
            .toAbsolutePath().normalize();
    static final List<String> METHODS = List.of("ft-multi", "kd-mono", "mtkd-language");

    private FramePipelineChecks() {}

    static SparkSession spark(String app) {
        return SparkSession.builder().master("local[2]").appName(app)
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    /**
     * A demo corpus (3 speakers, 2 utterances per emotion) plus one row whose file is missing, and the options of a
     * wav2vec2 run over it with the fixture checkpoint (projector 16, three methods, {@code epochs} of batch 8) and
     * {@code extra}.
     */
    static SerConfig config(Path tmp, String runId, long seed, int epochs, Map<String, String> extra) throws IOException {
        DemoCorpus.Summary corpus = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(3).withUtterances(2)
                .withSeed(seed)).write(tmp.resolve("corpus"));
        // One row whose file is missing: it must end in rejects, not vanish.
        Files.writeString(corpus.manifest(), "fr_bad_missing,wav/fr/does-not-exist.wav,fr,sad,fr_spk00,train,demo\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", runId);
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.input.manifest", corpus.manifest().toUri().toString());
        o.put("ser.features.kind", "wav2vec2");
        o.put("ser.features.wav2vec2.model-dir", "\"" + FIXTURE + "\"");
        o.put("ser.features.wav2vec2.projector-dim", "16");
        o.put("ser.distill.methods", "[" + String.join(", ", METHODS) + "]");
        for (String family : List.of("teachers", "student")) {
            o.put("ser." + family + ".epochs", Integer.toString(epochs));
            o.put("ser." + family + ".batch-size", "8");
        }
        o.putAll(extra);
        return SerConfig.load(List.of(), o);
    }

    /**
     * features/{table}: every readable demo utterance, {@code dim} wide, as many frames as the conv stack yields for
     * the clip's samples, whole float32 blobs; every manifest row is in features or rejects (the missing file).
     */
    static void assertFramesAndRejects(SparkSession spark, String run, String table, ToIntFunction<Wav2Vec2Config> dim)
            throws IOException {
        Wav2Vec2Config config = Wav2Vec2Config.load(FIXTURE.resolve("config.json"));
        List<Row> features = spark.read().parquet(run + "/features/" + table)
                .select("utt_id", "duration_s", "num_frames", "dim", "frames").collectAsList();
        assertEquals(3 * 3 * 4 * 2, features.size(), "every readable demo utterance has features");
        for (Row r : features) {
            int samples = (int) Math.round(r.getDouble(1) * 16000);
            assertEquals(dim.applyAsInt(config), r.getInt(3), r.getString(0));
            assertEquals(config.frames(samples), r.getInt(2), r.getString(0) + ": " + samples + " samples");
            assertEquals(r.getInt(2) * r.getInt(3), FloatBlob.decode(r.getAs(4)).length, r.getString(0));
        }
        long manifestRows = spark.read().parquet(run + "/manifest").count();
        List<Row> rejects = spark.read().parquet(run + "/rejects/stage=extract").select("utt_id", "reason").collectAsList();
        assertEquals(manifestRows, features.size() + rejects.size(), "every manifest row in features or rejects");
        assertEquals("MISSING_FILE", rejects.get(0).getString(1));
    }

    /** Every teacher's and student's model file, by model name, in plan order; {@code methodOf} gets their methods. */
    static Map<String, Path> modelFiles(SerConfig cfg, RunLayout layout, Map<String, String> methodOf) {
        Map<String, Path> files = new LinkedHashMap<>();
        Roster roster = Roster.of(cfg, layout);
        for (Roster.Model m : roster.models()) {
            if (m.role() != Roster.Role.REFERENCE) {
                files.put(m.name(), Path.of(m.uri()));
                methodOf.put(m.name(), m.method());
            }
        }
        assertEquals(3 + 1 + 3 + 1, files.size(), "3 teachers, ft-multi, 3 kd-mono, mtkd-language");
        // The linear references train on the pooled vector of the same features table.
        assertEquals(List.of("reference-linear-en", "reference-linear-fi", "reference-linear-fr", "reference-linear-multi"),
                roster.references().stream().map(Roster.Model::name).toList());
        for (Roster.Model ref : roster.references()) {
            assertTrue(Files.isRegularFile(Path.of(ref.uri())), ref.name() + " was trained");
        }
        return files;
    }

    /**
     * Soft targets from every teacher on every train/dev utterance, a training history per model, test metrics per
     * model on every language and overall, and a re-run with the same config that skips every stage.
     */
    static void assertScoredEverywhereAndRerunSkips(SparkSession spark, SerConfig cfg, String run, String table,
                                                    Map<String, String> methodOf) throws Exception {
        long softRows = spark.read().parquet(run + "/soft_targets").count();
        long trainDevRows = spark.read().parquet(run + "/features/" + table).filter("split IN ('train', 'dev')").count();
        assertEquals(3 * trainDevRows, softRows, "every teacher scores every train/dev utterance");
        Set<String> historyModels = spark.read().parquet(run + "/tables/training_history").select("model").distinct()
                .collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
        assertEquals(methodOf.keySet(), historyModels);

        Set<String> scored = spark.read().parquet(run + "/tables/metrics").filter("split = 'test' AND metric = 'ua'")
                .select("model", "method", "language").collectAsList().stream()
                .map(r -> r.getString(0) + "/" + r.getString(1) + "/" + r.getString(2)).collect(Collectors.toSet());
        for (String model : methodOf.keySet()) {
            for (String lang : cfg.input().languages()) {
                assertTrue(scored.contains(model + "/" + methodOf.get(model) + "/" + lang), model + " on " + lang + ": " + scored);
            }
            assertTrue(scored.contains(model + "/" + methodOf.get(model) + "/" + Tables.ALL_LANGUAGES), model + ": " + scored);
        }

        List<StageRunner.StageTiming> again = StageRunner.run(spark, cfg, PipelineJob.stages().subList(0, 5), false);
        assertTrue(again.stream().allMatch(StageRunner.StageTiming::skipped), again.toString());
    }

    /** Runs manifest to evaluate, prints the stage times, returns the run's directory. */
    static String runFirstFiveStages(SparkSession spark, SerConfig cfg, String what) throws Exception {
        long t0 = System.nanoTime();
        List<StageRunner.StageTiming> first = StageRunner.run(spark, cfg, PipelineJob.stages().subList(0, 5), false);
        System.out.printf("%s: %.1f s %s%n", what, (System.nanoTime() - t0) / 1e9,
                first.stream().map(t -> t.stage() + "=" + String.format("%.1f", t.seconds())).toList());
        return cfg.outputRoot() + "/" + cfg.run().id();
    }
}
