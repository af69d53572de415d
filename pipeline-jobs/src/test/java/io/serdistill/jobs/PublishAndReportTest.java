package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.serdistill.config.ConfigError;
import io.serdistill.jobs.report.ReportCharts;
import io.serdistill.jobs.report.RunReport;
import io.serdistill.jobs.run.Provenance;
import io.serdistill.jobs.run.Warehouse;
import io.serdistill.jobs.spark.Sparks;
import io.serdistill.jobs.stages.ManifestStage;
import io.serdistill.jobs.stages.PublishStage;
import io.serdistill.json.Json;
import io.serdistill.model.SafeTensors;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The publish stage's warehouse tables and the evaluate stage's HTML report, on one shared demo run. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PublishAndReportTest {
    static DemoRun run;
    static SparkSession spark;

    @BeforeAll
    static void runPipeline() throws Exception {
        run = DemoRun.get();
        spark = DemoRun.spark();
    }

    private static Dataset<Row> warehouse(String table) {
        return spark.read().parquet(run.warehouse() + "/" + table);
    }

    private static Dataset<Row> runTable(String relative) {
        return spark.read().parquet(run.runDir(DemoRun.RUN_ID) + "/" + relative);
    }

    @Test
    void pipelineEndsWithPublish() {
        assertEquals(List.of("manifest", "extract", "teachers", "distill", "evaluate", "publish"),
                run.timings.stream().map(StageRunner.StageTiming::stage).toList());
    }

    @Test
    void reportPageShowsEveryChartAtItsSize() throws Exception {
        Path report = Path.of(java.net.URI.create(run.runDir(DemoRun.RUN_ID))).resolve("report");
        String html = Files.readString(report.resolve("index.html"));
        Matcher img = Pattern.compile("<img src=\"([^\"]+)\"[^>]* width=\"(\\d+)\" height=\"(\\d+)\">").matcher(html);
        int images = 0;
        int confusions = 0;
        int intervals = 0;
        while (img.find()) {
            BufferedImage png = ImageIO.read(report.resolve(img.group(1)).toFile());
            assertTrue(png != null, img.group(1) + " decodes as PNG");
            assertEquals(png.getWidth() + "x" + png.getHeight(), img.group(2) + "x" + img.group(3),
                    img.group(1) + ": the page states the size");
            String file = img.group(1);
            int width = file.startsWith("confusion_") ? ReportCharts.CONFUSION_WIDTH
                    : file.startsWith("ua_intervals_") ? ReportCharts.INTERVALS_WIDTH
                    : file.equals(RunReport.CROSS_LANGUAGE) ? ReportCharts.HEATMAP_WIDTH : ReportCharts.WIDE_WIDTH;
            assertEquals(width, png.getWidth(), file);
            if (file.startsWith("confusion_")) {
                assertEquals(ReportCharts.CONFUSION_HEIGHT, png.getHeight(), file);
                confusions++;
            } else if (file.startsWith("ua_intervals_")) {
                intervals++;
            } else if (!file.equals(RunReport.CROSS_LANGUAGE)) {
                assertEquals(ReportCharts.WIDE_HEIGHT, png.getHeight(), file);
            }
            images++;
        }
        // 10 models (3 teachers, 3 students, 3 per-language linear references and the multilingual one) x
        // (3 languages + all) confusion matrices; one interval chart per language and all.
        assertEquals(10 * 4, confusions);
        assertEquals(4, intervals);
        // Plus the cross-language matrix, loss and dev-UA curves, and the WA bars only when WA differs from UA.
        boolean waShown = html.contains("src=\"" + RunReport.WA_BARS + "\"");
        assertEquals(40 + 4 + 3 + (waShown ? 1 : 0), images);
        assertTrue(waShown != html.contains("WA equals UA for every model and language"), "WA is charted or said equal");
        for (String chart : List.of(RunReport.LOSS_CURVES, RunReport.DEV_UA_CURVES, RunReport.CROSS_LANGUAGE,
                RunReport.intervalsFile("fi"), RunReport.intervalsFile("all"),
                RunReport.confusionFile("student-mtkd-language", "fi"),
                RunReport.confusionFile("reference-linear-multi", "fi"))) {
            assertTrue(html.contains("src=\"" + chart + "\""), chart + " is on the page");
        }
        assertTrue(html.contains("UA / WA (%) on the test split"), "the summary table is on the page");
        // One verdict per language and "all" against each of ft-multi and mtkd-uniform, and per language against
        // the own-language teacher: 4 x 2 + 3.
        Matcher verdict = Pattern.compile("<td>student-mtkd-language vs ([a-z-]+)</td><td class=\"(better|worse|same)\">"
                + "([+\u2212]\\d+\\.\\d) UA, interval ([+\u2212]\\d+\\.\\d)\u2026([+\u2212]\\d+\\.\\d): ([^<]+)</td>").matcher(html);
        int verdicts = 0;
        while (verdict.find()) {
            double low = Double.parseDouble(verdict.group(4).replace('\u2212', '-'));
            double high = Double.parseDouble(verdict.group(5).replace('\u2212', '-'));
            assertTrue(low <= high, verdict.group());
            String expected = low > 0 ? "student-mtkd-language is better" : high < 0 ? verdict.group(1) + " is better"
                    : "not distinguishable";
            assertEquals(expected, verdict.group(6), verdict.group());
            verdicts++;
        }
        assertEquals(4 * 2 + 3, verdicts, "verdicts on the page");
    }

    @Test
    void linearReferencesAreTrainedScoredAndPublished() throws Exception {
        List<String> references = warehouse("ser_metrics")
                .filter("run_id = '" + DemoRun.RUN_ID + "' AND method LIKE 'reference-linear%'")
                .select("model").distinct().sort("model").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertEquals(List.of("reference-linear-en", "reference-linear-fi", "reference-linear-fr",
                "reference-linear-multi"), references);
        assertEquals(3 * 2 * 3, warehouse("ser_metrics").filter("run_id = '" + DemoRun.RUN_ID
                + "' AND model = 'reference-linear-multi' AND language <> 'all'").count(),
                "scored on every language and evaluated split, three metrics each");
        Path runDir = Path.of(java.net.URI.create(run.runDir(DemoRun.RUN_ID)));
        SafeTensors file = SafeTensors.parse(Files.readAllBytes(runDir.resolve(
                "references/reference-linear-fi/model.safetensors")), "reference-linear-fi");
        double c = Double.parseDouble(file.metadata().get("ser.reference.c"));
        assertTrue(run.config(Map.of()).reference().kind().cGrid().contains(c), "C " + c + " comes from the grid");
        assertEquals("2", file.metadata().get("ser.reference.folds"),
                "two train + dev speakers per language here: two inner folds");
        assertEquals("reference-linear-fi", file.metadata().get("ser.model"));
        String summary = Files.readString(runDir.resolve("report/summary.txt"));
        assertTrue(summary.contains("reference-linear (own language)") && summary.contains("reference-linear-multi"),
                summary);
        assertEquals(0, warehouse("ser_training_history").filter("run_id = '" + DemoRun.RUN_ID
                + "' AND method LIKE 'reference-linear%'").count(), "no epochs");
    }

    @Test
    void everyTableHasThisRunsPartition() {
        for (String table : Warehouse.TABLES) {
            Dataset<Row> t = warehouse(table).filter("run_id = '" + DemoRun.RUN_ID + "'");
            assertTrue(t.count() > 0, table + " has rows for the run");
            assertEquals("string", t.schema().apply("run_id").dataType().simpleString(), table);
        }
        assertEquals(runTable("tables/predictions").count(),
                warehouse(Warehouse.PREDICTIONS).filter("run_id = '" + DemoRun.RUN_ID + "'").count());
        assertEquals(runTable("tables/training_history").count(),
                warehouse(Warehouse.TRAINING_HISTORY).filter("run_id = '" + DemoRun.RUN_ID + "'").count());
        Row mislabel = warehouse(Warehouse.PREDICTIONS).filter("label <> predicted").first();
        assertFalse(mislabel.<String>getAs("emotion").equals(mislabel.getAs("predicted_emotion")));
    }

    @Test
    void runsRowRecordsConfigCommitAndCorpus() throws Exception {
        Row r = warehouse(Warehouse.RUNS).filter("run_id = '" + DemoRun.RUN_ID + "'").first();
        assertEquals(DemoRun.RUN_ID, Json.object(r.<String>getAs("config")).path("run").path("id").textValue());
        assertEquals(run.config(Map.of()).hash(), r.getAs("config_hash"));
        assertEquals(Provenance.gitCommit(), r.getAs("git_commit"));
        assertEquals(42L, (long) r.getAs("seed"));
        assertTrue(!((java.sql.Timestamp) r.getAs("started")).after(r.getAs("finished")));
        List<Row> corpus = r.getList(r.fieldIndex("corpus"));
        assertEquals(9, corpus.size(), "3 languages x 3 splits");
        long utterances = corpus.stream().mapToLong(c -> c.getLong(2)).sum();
        assertEquals(runTable("features/fbank").count(), utterances);
        assertEquals(utterances, (long) r.getAs("utterances"));
        assertEquals(2L, (long) r.getAs("rejects"), "the two bad rows");
        assertEquals(List.of("MALFORMED_ROW@manifest", "MISSING_FILE@extract"), warehouse(Warehouse.REJECTS)
                .filter("run_id = '" + DemoRun.RUN_ID + "'").orderBy("reason").collectAsList().stream()
                .map(x -> x.getAs("reason") + "@" + x.getAs("stage")).toList());
    }

    @Test
    void evaluateWritesBootstrapIntervalsAroundTheValue() {
        Dataset<Row> m = runTable("tables/metrics");
        assertEquals(0, m.filter("ci_low IS NULL OR ci_high IS NULL").count());
        assertEquals(0, m.filter("metric IN ('wa', 'ua') AND NOT (ci_low <= value AND value <= ci_high)").count(),
                "the full-sample value lies inside its percentile interval");
        assertTrue(m.filter("ci_high - ci_low > 0.01").count() > 0, "intervals have width on a small test set");
    }

    @Test
    void metricsCarryBootstrapIntervalsAroundTheValue() {
        Dataset<Row> m = warehouse(Warehouse.METRICS).filter("run_id = '" + DemoRun.RUN_ID + "'");
        assertEquals(runTable("tables/metrics").count(), m.count());
        assertEquals(0, m.filter("fold <> 0 OR ci_low IS NULL OR ci_high IS NULL").count());
        assertEquals(0, m.filter("metric IN ('wa', 'ua') AND NOT (ci_low <= value AND value <= ci_high)").count(),
                "the full-sample value lies inside its percentile interval");
        assertTrue(m.filter("ci_high - ci_low > 0.01").count() > 0, "intervals have width on a small test set");
        // Publish copies evaluate's rows, intervals included, and computes nothing of its own.
        String[] columns = {"model", "method", "language", "split", "metric", "value", "ci_low", "ci_high", "n"};
        Dataset<Row> published = m.selectExpr(columns);
        Dataset<Row> evaluated = runTable("tables/metrics").selectExpr(columns);
        assertEquals(0, published.except(evaluated).count());
        assertEquals(0, evaluated.except(published).count());
    }

    @Test
    void republishingReplacesTheRunsPartitionAndAnotherRunAppends() throws Exception {
        long before = warehouse(Warehouse.METRICS).filter("run_id = '" + DemoRun.RUN_ID + "'").count();
        List<StageRunner.StageTiming> again = StageRunner.run(spark, run.config(Map.of()), List.of(new PublishStage()), true);
        assertFalse(again.get(0).skipped());
        assertEquals(before, warehouse(Warehouse.METRICS).filter("run_id = '" + DemoRun.RUN_ID + "'").count(), "no duplicates");
        run.publishCopyAs("demo-b");
        List<Row> perRun = warehouse(Warehouse.METRICS).groupBy("run_id").count().orderBy("run_id").collectAsList();
        assertEquals(List.of(DemoRun.RUN_ID, "demo-b"), perRun.stream().map(r -> r.getString(0)).toList());
        assertEquals(before, perRun.get(1).getLong(1));
    }

    @Test
    void registeringAsksForHiveClassesAtStartupAndExitsTwo() {
        assumeFalse(classPresent("org.apache.spark.sql.hive.HiveSessionStateBuilder"), "spark-hive is on the classpath");
        ConfigError e = assertThrows(ConfigError.class,
                () -> Sparks.requireHiveClassesWhenRegistering(run.config(Map.of("ser.warehouse.register-hive", "true"))));
        assertEquals("ser.warehouse.register-hive", e.key());
        assertTrue(e.getMessage().contains("Hive support is not on the classpath"), e.getMessage());
        Sparks.requireHiveClassesWhenRegistering(run.config(Map.of()));
        // The stage main stops there, before any session or stage: a usage error.
        assertEquals(2, StageRunner.run(List.of(new ManifestStage()), new String[] {"--set", "run.id=never",
                "--set", "output.root=\"" + run.runDir("") + "\"", "--set", "warehouse.register-hive=true"}));
        assertFalse(Files.exists(Path.of(java.net.URI.create(run.runDir("never")))), "no stage ran");
    }

    @Test
    void publishingWithRegistrationFailsInASessionWithoutHive() throws Exception {
        String marker = Files.readString(Path.of(java.net.URI.create(run.runDir(DemoRun.RUN_ID))).resolve("_stages/publish.json"));
        ConfigError e = assertThrows(ConfigError.class, () -> StageRunner.run(spark,
                run.config(Map.of("ser.warehouse.register-hive", "true")), List.of(new PublishStage()), true));
        assertEquals("ser.warehouse.register-hive", e.key());
        assertTrue(e.getMessage().contains("catalogImplementation = in-memory"), e.getMessage());
        assertEquals(marker, Files.readString(Path.of(java.net.URI.create(run.runDir(DemoRun.RUN_ID)))
                .resolve("_stages/publish.json")), "publish did not run");
        assertFalse(spark.catalog().tableExists("default", Warehouse.RUNS));
    }

    @Test
    @Order(Integer.MAX_VALUE) // registers tables in this session's catalog: runs after the rest
    void registrationPutsTheDatabaseUnderTheWarehouseRoot() throws Exception {
        Warehouse warehouse = Warehouse.at(run.warehouse(), spark.sparkContext().hadoopConfiguration());
        for (String table : Warehouse.TABLES) {
            Dataset<Row> written = warehouse(table).drop(Warehouse.PARTITION_COLUMN);
            warehouse.register(spark, "ser", table, written.schema(), DemoRun.RUN_ID);
            assertTrue(spark.catalog().tableExists("ser", table), table);
        }
        String location = spark.sql("DESCRIBE DATABASE ser").filter("info_name = 'Location'").first().getString(1);
        assertEquals(warehouse.root() + "/ser.db", location);
        assertFalse(Files.exists(Path.of("spark-warehouse", "ser.db")), "nothing under the driver's ./spark-warehouse");
        long registered = spark.sql("SELECT count(*) FROM ser.ser_metrics WHERE run_id = '" + DemoRun.RUN_ID + "'")
                .first().getLong(0);
        assertEquals(runTable("tables/metrics").count(), registered);
        assertEquals(List.of("run_id=" + DemoRun.RUN_ID), spark.sql("SHOW PARTITIONS ser.ser_runs").collectAsList()
                .stream().map(r -> r.getString(0)).toList());
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, PublishAndReportTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
