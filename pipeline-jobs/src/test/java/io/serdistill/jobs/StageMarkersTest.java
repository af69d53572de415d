package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.run.StageInputs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stage markers on a real (small) local pipeline run: an unchanged re-run skips every stage, a cut manifest re-runs
 * the manifest stage and every stage after it with results from the new manifest, a new warehouse re-runs only
 * publish, and a new bootstrap count re-runs evaluate and publish. The tests build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StageMarkersTest {
    private static final List<String> ALL = List.of("manifest", "extract", "teachers", "distill", "evaluate", "publish");

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path manifest;

    @BeforeAll
    static void corpus() throws Exception {
        // 2 languages x 3 speakers x 4 emotions x 2 takes = 48 rows.
        manifest = new DemoCorpus(DemoCorpus.Options.defaults().withLanguages(List.of("en", "fi")).withSpeakers(3)
                .withUtterances(2).withSeed(11)).write(tmp.resolve("corpus")).manifest();
        spark = SparkSession.builder().master("local[2]").appName("StageMarkersTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static SerConfig config(Map<String, String> extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "markers");
        o.put("ser.output.root", "file://" + tmp.resolve("runs"));
        o.put("ser.input.manifest", manifest.toUri().toString());
        o.put("ser.input.languages", "[en, fi]");
        // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
        o.put("ser.teachers.optimiser", "adamw");
        o.put("ser.student.optimiser", "adamw");
        o.put("ser.teachers.epochs", "3");
        o.put("ser.student.epochs", "3");
        o.put("ser.distill.methods", "[ft-multi, mtkd-language]");
        o.put("ser.warehouse.bootstrap-resamples", "20");
        o.putAll(extra);
        return SerConfig.load(List.of(), o);
    }

    private static List<StageRunner.StageTiming> run(Map<String, String> extra) throws Exception {
        return StageRunner.run(spark, config(extra), PipelineJob.stages(), false);
    }

    private static List<String> ran(List<StageRunner.StageTiming> timings) {
        return timings.stream().filter(t -> !t.skipped()).map(StageRunner.StageTiming::stage).toList();
    }

    private static JsonNode marker(String stage) throws Exception {
        return io.serdistill.json.Json.object(Files.readString(tmp.resolve("runs/markers/_stages/" + stage + ".json")));
    }

    private static long rows(String relative, String filter) {
        return spark.read().parquet("file://" + tmp.resolve(relative)).filter(filter).count();
    }

    @Test
    @Order(1)
    void anUnchangedRerunSkipsEveryStage() throws Exception {
        assertEquals(ALL, ran(run(Map.of())));
        assertEquals(List.of(), ran(run(Map.of())));
        // Each marker chains the fingerprint of the stage before it.
        for (int i = 1; i < ALL.size(); i++) {
            JsonNode upstream = marker(ALL.get(i)).path("upstream");
            assertEquals(Map.of(ALL.get(i - 1), marker(ALL.get(i - 1)).path("inputs").textValue()),
                    io.serdistill.json.Json.read(upstream.toString(),
                            new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {}, "upstream"));
        }
        assertEquals(StageInputs.sha256(Files.readAllBytes(manifest)),
                marker("manifest").path("input").path("manifest_sha256").textValue());
    }

    @Test
    @Order(2)
    void aCutManifestRerunsEveryStageOnTheNewRows() throws Exception {
        String before = marker("manifest").path("inputs").textValue();
        // The second take of every Finnish utterance goes: 48 rows -> 36, 4 of them fi test utterances (was 8).
        List<String> lines = Files.readAllLines(manifest);
        Files.write(manifest, lines.stream().filter(l -> !(l.startsWith("fi_") && l.split(",")[0].endsWith("_002"))).toList());
        assertEquals(36 + 1, Files.readAllLines(manifest).size());

        List<StageRunner.StageTiming> timings = run(Map.of());
        assertEquals(ALL, ran(timings));
        assertEquals(36L, timings.get(0).counts().get("rows"));
        assertFalse(before.equals(marker("manifest").path("inputs").textValue()));
        assertEquals(36, rows("runs/markers/features/fbank", "true"));
        assertEquals(12, rows("runs/markers/features/fbank", "language = 'fi'"));
        assertEquals(4, spark.read().parquet("file://" + tmp.resolve("runs/markers/tables/predictions"))
                .filter("language = 'fi' AND split = 'test'").select("utt_id").distinct().count());
        long published = spark.read().parquet("file://" + tmp.resolve("runs/warehouse/ser_runs"))
                .filter("run_id = 'markers'").first().getAs("utterances");
        assertEquals(36, published);

        assertEquals(List.of(), ran(run(Map.of())), "the new manifest's markers hold");
    }

    @Test
    @Order(3)
    void aNewWarehouseRootRepublishesOnly() throws Exception {
        String elsewhere = "file://" + tmp.resolve("elsewhere");
        assertEquals(List.of("publish"), ran(run(Map.of("ser.warehouse.root", "\"" + elsewhere + "\""))));
        assertEquals("file:" + tmp.resolve("elsewhere"), marker("publish").path("input").path("warehouse_root").textValue());
        assertEquals(1, rows("elsewhere/ser_runs", "run_id = 'markers'"));
        assertEquals(List.of(), ran(run(Map.of("ser.warehouse.root", "\"" + elsewhere + "\""))));
    }

    @Test
    @Order(4)
    void registeringWithoutHiveFailsNamingTheKeyBeforeAnyWork() throws Exception {
        byte[] publishMarker = Files.readAllBytes(tmp.resolve("runs/markers/_stages/publish.json"));
        ConfigError e = assertThrows(ConfigError.class, () -> run(Map.of("ser.warehouse.register-hive", "true")));
        assertEquals("ser.warehouse.register-hive", e.key());
        assertTrue(e.getMessage().contains("no Hive support"), e.getMessage());
        assertEquals(new String(publishMarker, StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("runs/markers/_stages/publish.json")), "publish did not run");
    }

    @Test
    @Order(5)
    void aNewBootstrapCountReevaluatesWithTheSameValuesAndOtherIntervals() throws Exception {
        Map<String, String> thirty = Map.of("ser.warehouse.root", "\"file://" + tmp.resolve("elsewhere") + "\"",
                "ser.warehouse.bootstrap-resamples", "30");
        Set<Row> before = metrics(table("runs/markers/tables/metrics"));
        assertEquals(List.of("evaluate", "publish"), ran(run(thirty)));
        assertEquals("30", marker("evaluate").path("input").path("warehouse_bootstrap_resamples").textValue());
        Set<Row> after = metrics(table("runs/markers/tables/metrics"));
        assertEquals(withoutIntervals(before), withoutIntervals(after), "the metrics do not depend on the count");
        assertNotEquals(before, after, "their intervals do");
        assertEquals(after, metrics(table("elsewhere/ser_metrics").filter("run_id = 'markers'")),
                "publish copied the new intervals");
        assertEquals(List.of(), ran(run(thirty)));
    }

    private static Dataset<Row> table(String relative) {
        return spark.read().parquet("file://" + tmp.resolve(relative));
    }

    /** tables/metrics or ser_metrics rows, interval last. */
    private static Set<Row> metrics(Dataset<Row> table) {
        return new HashSet<>(table.select("model", "method", "language", "split", "metric", "value", "n", "ci_low",
                "ci_high").collectAsList());
    }

    private static Set<Row> withoutIntervals(Set<Row> metrics) {
        return metrics.stream().map(r -> RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5),
                r.get(6))).collect(Collectors.toSet());
    }
}
