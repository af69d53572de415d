package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.run.RunLock;
import io.serdistill.jobs.run.RunRefused;
import io.serdistill.jobs.run.Warehouse;
import io.serdistill.jobs.stages.PublishStage;
import io.serdistill.jobs.stages.TeachersStage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run against the faults a user can cause on a small real pipeline (local Spark, the local Hadoop FileSystem):
 * a second launch on a locked run, a stage launched before the one it reads from, an audio file replaced under the
 * same path, a publish stopped midway. The tests build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunReliabilityTest {
    private static final List<String> ALL = List.of("manifest", "extract", "teachers", "distill", "evaluate", "publish");
    private static final String RUN = "reliable";

    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path manifest;
    static Path wav;

    @BeforeAll
    static void corpus() throws Exception {
        // 2 languages x 3 speakers x 4 emotions x 2 takes = 48 rows.
        DemoCorpus.Summary corpus = new DemoCorpus(DemoCorpus.Options.defaults().withLanguages(List.of("en", "fi"))
                .withSpeakers(3).withUtterances(2).withSeed(5)).write(tmp.resolve("corpus"));
        manifest = corpus.manifest();
        try (var files = Files.walk(tmp.resolve("corpus"))) {
            wav = files.filter(p -> p.toString().endsWith(".wav")).sorted().findFirst().orElseThrow();
        }
        spark = DemoRun.spark();
    }

    @AfterAll
    static void stop() {
        // The session is shared with the other test classes (DemoRun.spark() makes it again when stopped).
    }

    private static Map<String, String> overrides(String runId, Map<String, String> extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", runId);
        o.put("ser.output.root", "file://" + tmp.resolve("runs"));
        o.put("ser.input.manifest", manifest.toUri().toString());
        o.put("ser.input.languages", "[en, fi]");
        // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
        o.put("ser.teachers.optimiser", "adamw");
        o.put("ser.student.optimiser", "adamw");
        o.put("ser.teachers.epochs", "2");
        o.put("ser.student.epochs", "2");
        o.put("ser.distill.methods", "[ft-multi]");
        o.put("ser.warehouse.bootstrap-resamples", "10");
        o.putAll(extra);
        return o;
    }

    private static SerConfig config(String runId, Map<String, String> extra) {
        return SerConfig.load(List.of(), overrides(runId, extra));
    }

    /** The launcher's arguments for the same config: --set key="value" each. */
    private static String[] args(String runId, Map<String, String> extra) {
        List<String> args = new ArrayList<>();
        overrides(runId, extra).forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + (v.startsWith("[") ? v : "\"" + v + "\""));
        });
        return args.toArray(String[]::new);
    }

    private static List<String> ran(List<StageRunner.StageTiming> timings) {
        return timings.stream().filter(t -> !t.skipped()).map(StageRunner.StageTiming::stage).toList();
    }

    private static Path runDir(String runId) {
        return tmp.resolve("runs").resolve(runId);
    }

    /** What the launcher entry point printed on stderr, and its exit code. */
    record Launch(int code, String stderr, double seconds) {}

    private static Launch launch(List<io.serdistill.jobs.run.Stage> stages, String[] args) {
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code = StageRunner.run(stages, args);
        } finally {
            System.setErr(before);
        }
        return new Launch(code, err.toString(StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1e9);
    }

    @Test
    @Order(1)
    void aStageLaunchedBeforeTheOneItReadsFromIsRefusedNamingIt() throws Exception {
        RunRefused e = assertThrows(RunRefused.class,
                () -> StageRunner.run(spark, config("early", Map.of()), List.of(new TeachersStage()), false));
        assertTrue(e.getMessage().contains("run extract first"), e.getMessage());
        assertFalse(Files.exists(runDir("early").resolve("_stages/teachers.json")), "no marker");
        assertFalse(Files.exists(runDir("early").resolve(RunLock.FILE)), "the lock is released on failure too");

        Launch refused = launch(List.of(new TeachersStage()), args("early", Map.of()));
        assertEquals(2, refused.code(), refused.stderr());
        assertTrue(refused.stderr().contains("run extract first"), refused.stderr());
    }

    @Test
    @Order(2)
    void aSecondLaunchOnALockedRunExitsTwoWithinASecondNamingTheHolder() throws Exception {
        CompletableFuture<List<StageRunner.StageTiming>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return StageRunner.run(spark, config(RUN, Map.of()), PipelineJob.stages(), false);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Path lock = runDir(RUN).resolve(RunLock.FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(lock) && !first.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(lock), "the first launch holds " + lock);

        Launch second = launch(PipelineJob.stages(), args(RUN, Map.of()));
        assertEquals(2, second.code(), second.stderr());
        assertTrue(second.seconds() < 1.0, "refused in " + second.seconds() + " s");
        String holder = System.getProperty("user.name") + "@";
        assertTrue(second.stderr().contains("is locked by another launch: " + holder), second.stderr());
        assertTrue(second.stderr().contains("pid " + ProcessHandle.current().pid()), second.stderr());
        assertTrue(second.stderr().contains("--force-unlock"), second.stderr());

        RunRefused inSession = assertThrows(RunRefused.class,
                () -> StageRunner.run(spark, config(RUN, Map.of()), PipelineJob.stages(), false));
        assertTrue(inSession.getMessage().contains("locked"), inSession.getMessage());

        assertEquals(ALL, ran(first.get(10, TimeUnit.MINUTES)), "the first launch ran every stage");
        assertFalse(Files.exists(lock), "released at the end");
        assertEquals(List.of(), ran(StageRunner.run(spark, config(RUN, Map.of()), PipelineJob.stages(), false)),
                "a re-run after it is fine (and has nothing to do)");
        assertEquals(1, spark.read().parquet("file://" + tmp.resolve("runs/warehouse/ser_runs"))
                .filter("run_id = '" + RUN + "'").count());
    }

    @Test
    @Order(3)
    void aStaleLockIsReportedWithTheFileToDeleteAndTakenOverOnlyWhenAsked() throws Exception {
        Path lock = runDir("stale").resolve(RunLock.FILE);
        Files.createDirectories(lock.getParent());
        Files.writeString(lock, "{\"owner\": \"someone\", \"host\": \"gone.example\", \"pid\": 4242, "
                + "\"started\": \"2026-01-01T00:00:00Z\", \"token\": \"t\"}");
        Files.setLastModifiedTime(lock, FileTime.from(Instant.now().minusSeconds(600)));
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        String root = "file:" + runDir("stale");

        RunRefused stale = assertThrows(RunRefused.class, () -> RunLock.acquire(root, conf, false));
        assertTrue(stale.getMessage().contains("stale lock: someone@gone.example pid 4242"), stale.getMessage());
        assertTrue(stale.getMessage().contains("delete " + "file:" + lock), stale.getMessage());
        assertTrue(stale.getMessage().contains("--force-unlock"), stale.getMessage());
        assertTrue(Files.exists(lock), "not stolen without the flag");

        try (RunLock taken = RunLock.acquire(root, conf, true)) {
            assertTrue(Files.readString(lock).contains("\"pid\": " + ProcessHandle.current().pid()),
                    Files.readString(lock));
            // A live holder's heartbeat keeps its lock fresh: never reported as stale.
            Files.setLastModifiedTime(lock, FileTime.from(Instant.now().minusSeconds(600)));
            Thread.sleep(RunLock.HEARTBEAT.toMillis() + 1500);
            assertTrue(Files.getLastModifiedTime(lock).toInstant().isAfter(Instant.now().minusSeconds(5)),
                    "heartbeat at " + Files.getLastModifiedTime(lock));
            RunRefused live = assertThrows(RunRefused.class, () -> RunLock.acquire(root, conf, false));
            assertTrue(live.getMessage().contains("is locked by another launch"), live.getMessage());
        }
        assertFalse(Files.exists(lock));
    }

    @Test
    @Order(4)
    void anAudioFileReplacedUnderTheSamePathRerunsExtractAndEveryLaterStage() throws Exception {
        // Same name, same manifest: only the file's modification time (and so its listing) changes.
        Files.setLastModifiedTime(wav, FileTime.from(Instant.now().plusSeconds(5)));
        List<StageRunner.StageTiming> timings = StageRunner.run(spark, config(RUN, Map.of()), PipelineJob.stages(),
                false);
        assertEquals(ALL.subList(1, ALL.size()), ran(timings));
        assertEquals(List.of(), ran(StageRunner.run(spark, config(RUN, Map.of()), PipelineJob.stages(), false)));
    }

    @Test
    @Order(5)
    void aPublishStoppedMidwayLeavesNoTableShowingTheRunAndARerunPublishesItOnce() throws Exception {
        String elsewhere = "file://" + tmp.resolve("elsewhere");
        Map<String, String> there = Map.of("ser.warehouse.root", "\"" + elsewhere + "\"");
        System.setProperty("ser.test.publish.fail-after-tables", "3");
        try {
            Exception e = assertThrows(Exception.class,
                    () -> StageRunner.run(spark, config(RUN, there), PipelineJob.stages(), false));
            assertTrue(e.getMessage().contains("publish stopped after staging"), e.getMessage());
        } finally {
            System.clearProperty("ser.test.publish.fail-after-tables");
        }
        for (String table : Warehouse.TABLES) {
            assertFalse(Files.exists(tmp.resolve("elsewhere").resolve(table).resolve("run_id=" + RUN)),
                    table + " shows the run");
        }
        assertFalse(Files.exists(runDir(RUN).resolve("_stages/publish.json")) && Files.readString(
                runDir(RUN).resolve("_stages/publish.json")).contains(tmp.resolve("elsewhere").toString()),
                "no marker for the failed publish");

        assertEquals(List.of("publish"), ran(StageRunner.run(spark, config(RUN, there), PipelineJob.stages(), false)));
        long predictions = spark.read().parquet("file://" + runDir(RUN).resolve("tables/predictions")).count();
        for (String table : Warehouse.TABLES) {
            long rows = spark.read().parquet(elsewhere + "/" + table).filter("run_id = '" + RUN + "'").count();
            if (table.equals(Warehouse.RUNS)) {
                assertEquals(1, rows, table);
            } else if (table.equals(Warehouse.PREDICTIONS)) {
                assertEquals(predictions, rows, table + ": every prediction once");
            } else if (!table.equals(Warehouse.REJECTS)) {
                assertTrue(rows > 0, table);
            }
        }
        assertFalse(Files.exists(tmp.resolve("elsewhere/_staging")), "nothing left staged");
    }

    @Test
    @Order(6)
    void aRepublishStoppedMidwayKeepsThePreviousVersionInEveryTable() throws Exception {
        String elsewhere = "file://" + tmp.resolve("elsewhere");
        Map<String, String> there = Map.of("ser.warehouse.root", "\"" + elsewhere + "\"");
        Map<String, Long> before = new LinkedHashMap<>();
        for (String table : Warehouse.TABLES) {
            before.put(table, spark.read().parquet(elsewhere + "/" + table).filter("run_id = '" + RUN + "'").count());
        }
        System.setProperty("ser.test.publish.fail-after-tables", "6");
        try {
            assertThrows(Exception.class,
                    () -> StageRunner.run(spark, config(RUN, there), List.of(new PublishStage()), true));
        } finally {
            System.clearProperty("ser.test.publish.fail-after-tables");
        }
        for (String table : Warehouse.TABLES) {
            assertEquals(before.get(table), spark.read().parquet(elsewhere + "/" + table)
                    .filter("run_id = '" + RUN + "'").count(), table);
        }
    }

    @Test
    @Order(7)
    void teachersThatFinishedBeforeACrashAreKeptAndForceTrainsThemAgain() throws Exception {
        String crash = "crash";
        System.setProperty("ser.test.teachers.fail-after-training", "true");
        try {
            Exception e = assertThrows(Exception.class,
                    () -> StageRunner.run(spark, config(crash, Map.of()), PipelineJob.stages(), false));
            assertTrue(e.getMessage().contains("stopped after training every teacher"), e.getMessage());
        } finally {
            System.clearProperty("ser.test.teachers.fail-after-training");
        }
        assertFalse(Files.exists(runDir(crash).resolve("_stages/teachers.json")));
        Map<String, FileTime> trained = new LinkedHashMap<>();
        Map<String, String> bytes = new LinkedHashMap<>();
        for (String language : List.of("en", "fi")) {
            Path model = runDir(crash).resolve("teachers/" + language + "/model.safetensors");
            assertTrue(Files.exists(model.resolveSibling("completed.json")), language + ": its completion record");
            trained.put(language, Files.getLastModifiedTime(model));
            bytes.put(language, io.serdistill.jobs.run.StageInputs.sha256(Files.readAllBytes(model)));
        }

        assertEquals(ALL.subList(2, ALL.size()), ran(StageRunner.run(spark, config(crash, Map.of()),
                PipelineJob.stages(), false)));
        for (String language : List.of("en", "fi")) {
            Path model = runDir(crash).resolve("teachers/" + language + "/model.safetensors");
            assertEquals(trained.get(language), Files.getLastModifiedTime(model), language + " was not trained again");
            assertEquals(bytes.get(language), io.serdistill.jobs.run.StageInputs.sha256(Files.readAllBytes(model)));
        }
        assertEquals(4, spark.read().parquet("file://" + runDir(crash).resolve("tables/training_history"))
                .filter("model LIKE 'teacher%'").select("model", "epoch").distinct().count(),
                "the kept teachers' history (2 teachers x 2 epochs) is in the table");

        StageRunner.run(spark, config(crash, Map.of()), List.of(new TeachersStage()), true);
        for (String language : List.of("en", "fi")) {
            Path model = runDir(crash).resolve("teachers/" + language + "/model.safetensors");
            assertTrue(Files.getLastModifiedTime(model).compareTo(trained.get(language)) > 0,
                    language + ": --force trains it again");
        }
    }

    @Test
    @Order(8)
    void extractOnAnEmptyManifestFailsAndWritesNoMarker() throws Exception {
        String empty = "empty";
        StageRunner.run(spark, config(empty, Map.of()), List.of(new io.serdistill.jobs.stages.ManifestStage()), false);
        spark.createDataFrame(List.of(), io.serdistill.jobs.run.Tables.MANIFEST).write()
                .mode(org.apache.spark.sql.SaveMode.Overwrite).parquet("file://" + runDir(empty).resolve("manifest"));
        Exception e = assertThrows(Exception.class, () -> StageRunner.run(spark, config(empty, Map.of()),
                List.of(new io.serdistill.jobs.stages.ExtractStage()), false));
        assertTrue(e.getMessage().contains("has no rows"), e.getMessage());
        assertFalse(Files.exists(runDir(empty).resolve("_stages/extract.json")), "no marker for unverified outputs");
    }
}
