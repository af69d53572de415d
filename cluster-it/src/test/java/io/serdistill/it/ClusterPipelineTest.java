package io.serdistill.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole pipeline on a real multi-process cluster ({@link LocalCluster}: Spark standalone Master + Worker with
 * executor JVMs, HDFS NameNode + DataNode), submitted through {@code submit/ser --submit} with the cluster jar, input
 * read from HDFS and every output written there, against the embedded run of the same corpus and config.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterPipelineTest {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(8);
    private static final Pattern APP_ID = Pattern.compile("app-\\d{14}-\\d{4}");
    private static final Pattern STAGE_TIMINGS = Pattern.compile("stage timings \\(s\\):[^\\n]*");
    private static final List<String> MODELS = List.of("teacher-en", "teacher-fi", "teacher-fr", "student-ft-multi",
            "student-mtkd-uniform", "student-mtkd-language", "reference-linear-en", "reference-linear-fi",
            "reference-linear-fr", "reference-linear-multi");

    private final Path root = Path.of(LocalCluster.property("ser.it.projectRoot"));
    private final Path clusterJar = Path.of(LocalCluster.property("ser.it.clusterJar"));
    private LocalCluster cluster;
    private SparkSession reader;
    private Path localRuns;
    private String manifestOnHdfs;
    private Path corpus;
    /** Metrics of the embedded run of the same corpus, by the extra settings of the runs they are compared with. */
    private final Map<List<String>, List<String>> embeddedMetrics = new LinkedHashMap<>();
    private final Map<String, String> timings = new LinkedHashMap<>();

    /**
     * The kill test's settings: teachers by AdamW, whose mini-batch loop writes the checkpoints the test waits for and
     * the retried teachers resume from (a full-batch L-BFGS model has none: a retried task trains again from the
     * start). Every other run, and the students of this one, train with the default optimisers.
     */
    private static final List<String> CHECKPOINTED_TEACHERS = List.of("--set", "teachers.optimiser=adamw");

    @BeforeAll
    void startClusterAndRunEmbedded() throws Exception {
        assertTrue(Files.isRegularFile(clusterJar), "no cluster jar at " + clusterJar);
        cluster = LocalCluster.start(Path.of(LocalCluster.property("ser.it.work")));
        localRuns = cluster.work.resolve("local-runs");
        // The corpus: the demo generator writes WAVs and a manifest with relative paths; the same tree goes to HDFS.
        corpus = cluster.work.resolve("corpus");
        Run gen = embedded("corpus", List.of("manifest", "--set", "demo.dir=" + corpus,
                "--set", "demo.speakers-per-language=3", "--set", "demo.utterances-per-speaker-per-emotion=3"));
        assertEquals(0, gen.rc, gen.output);
        assertTrue(Files.isRegularFile(corpus.resolve("manifest.csv")), gen.output);
        cluster.put(corpus, "/ser/corpus/demo");
        manifestOnHdfs = cluster.hdfsUri + "/ser/corpus/demo/manifest.csv";

        reader = SparkSession.builder().master("local[1]").appName("cluster-it reader")
                .config("spark.ui.enabled", "false").getOrCreate();
        assertFalse(embeddedMetrics(List.of()).isEmpty());
    }

    /** The metrics of the embedded run of the corpus with {@code settings}, run on first use. */
    private List<String> embeddedMetrics(List<String> settings) throws Exception {
        if (!embeddedMetrics.containsKey(settings)) {
            String runId = "embedded" + (embeddedMetrics.isEmpty() ? "" : "-" + embeddedMetrics.size());
            List<String> args = new ArrayList<>(List.of("pipeline", "--set", "input.manifest=" + corpus.resolve("manifest.csv")));
            args.addAll(settings);
            Run emb = embedded(runId, args);
            assertEquals(0, emb.rc, emb.output);
            timings.put(runId + " " + settings, timings(emb.output));
            embeddedMetrics.put(settings, metrics(localRuns.resolve(runId).toUri().toString()));
        }
        return embeddedMetrics.get(settings);
    }

    @AfterAll
    void stop() {
        timings.forEach((run, t) -> System.out.println("cluster-it " + run + ": " + t));
        if (reader != null) {
            reader.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void clientDeployModeMatchesEmbeddedAndTrainsInExecutors() throws Exception {
        Run run = submit("client", "client", Map.of(), List.of());
        assertEquals(0, run.rc, run.output);
        timings.put("client", timings(run.output));
        assertEquals(embeddedMetrics(List.of()), metrics(runUri("client")), "metrics of the client-mode run vs embedded");
        // What the KD students learn from: the cluster (4 cores) reads the features in other partitions than the
        // embedded run, and the teacher logits must still be the same bits.
        assertEquals(softTargets(localRuns.resolve("embedded").toUri().toString()), softTargets(runUri("client")),
                "soft targets of the client-mode run vs embedded");
        String app = appId(run.output);
        List<Path> executors = cluster.executorLogs(app);
        assertFalse(executors.isEmpty(), "no executor JVM ran for " + app);
        String executorLogs = String.join("\n", executors.stream().map(LocalCluster::read).toList());
        for (String model : MODELS) {
            assertTrue(executorLogs.contains(model + ": training on"), model + " was not trained in an executor JVM");
            assertFalse(run.output.contains(model + ": training on"), model + " was trained in the driver");
        }
        assertTrue(cluster.fs().exists(new org.apache.hadoop.fs.Path(runUri("client") + "/students")));
        // The training sets staged between the two training jobs are gone after each stage.
        assertFalse(cluster.fs().exists(new org.apache.hadoop.fs.Path(runUri("client") + "/_staging/teachers")));
    }

    /**
     * Cluster deploy mode (the driver is a JVM the Worker starts), and an executor killed with kill -9 as soon as a
     * teacher has written a checkpoint: Spark replaces the executor, the retried teachers resume from their HDFS
     * checkpoints, and the metrics are still the embedded run's.
     */
    @Test
    @Order(2)
    void clusterDeployModeSurvivesAKilledExecutorAndMatchesEmbedded() throws Exception {
        try (Daemon run = launch("cluster", "cluster", Map.of(), CHECKPOINTED_TEACHERS)) {
            org.apache.hadoop.fs.Path teachers = new org.apache.hadoop.fs.Path(runUri("cluster") + "/teachers");
            run.await(() -> checkpointWritten(teachers), RUN_TIMEOUT, "a teacher checkpoint on HDFS");
            String app = appId(driverLog(run.output()));
            long victim = -1;
            for (Path log : cluster.executorLogs(app)) {
                String text = LocalCluster.read(log);
                Matcher pid = Pattern.compile("process name: (\\d+)@").matcher(text);
                if (text.contains("teacher-") && text.contains(": training on") && pid.find()) {
                    victim = Long.parseLong(pid.group(1));
                }
            }
            assertTrue(victim > 0, "no executor training a teacher in " + app);
            assertTrue(ProcessHandle.of(victim).map(ProcessHandle::destroyForcibly).orElse(false),
                    "could not kill executor JVM " + victim);
            int rc = run.awaitExit(RUN_TIMEOUT);
            assertEquals(0, rc, run.tail());
            String driverLog = driverLog(run.output());
            timings.put("cluster (one executor killed)", timings(driverLog));
            assertTrue(driverLog.contains("Lost executor") || driverLog.contains("ExecutorLostFailure"),
                    "the driver never saw the executor die:\n" + driverLog);
            String logs = String.join("\n", cluster.executorLogs(app).stream().map(LocalCluster::read).toList());
            assertTrue(logs.contains("resuming from checkpoint"), "no retried teacher resumed from its checkpoint");
            for (String model : MODELS) {
                assertTrue(logs.contains(model + ": training on"), model + " was not trained in an executor JVM");
                assertFalse(driverLog.contains(model + ": training on"), model + " was trained in the driver");
            }
            assertEquals(embeddedMetrics(CHECKPOINTED_TEACHERS), metrics(runUri("cluster")),
                    "metrics of the cluster-mode run vs embedded");
            Row runs = reader.read().parquet(cluster.hdfsUri + "/ser/runs/warehouse/ser_runs")
                    .filter("run_id = 'cluster'").first();
            assertNotEquals("unknown", runs.getAs("git_commit"), "ser_runs.git_commit in cluster deploy mode");
        }
    }

    @Test
    @Order(3)
    void launcherFailsWhenTheDriverFails() throws Exception {
        for (String mode : List.of("cluster", "client")) {
            Run run = submit(mode, "fails-" + mode, Map.of(),
                    List.of("--set", "input.manifest=" + cluster.hdfsUri + "/ser/corpus/no-such/manifest.csv"));
            assertNotEquals(0, run.rc, mode + " deploy mode: the driver failed, the launcher said 0:\n" + run.output);
        }
    }

    @Test
    @Order(4)
    void gpuProfileRunGivesEachTrainingTaskItsOwnGpu() throws Exception {
        Map<String, String> env = Map.of(
                "SER_GPUS_PER_TASK", "1",
                "SER_GPU_DISCOVERY", cluster.sparkHome.resolve("bin/fake-gpus.sh").toString(),
                // Release idle default executors sooner than the launcher's 30 s, so the GPU executors get the
                // Worker's cores sooner; long enough that executors survive the gaps between the other jobs.
                "SER_SPARK_CONF", "spark.dynamicAllocation.executorIdleTimeout=8s\n"
                        + "spark.dynamicAllocation.shuffleTracking.timeout=8s");
        Run run = submit("client", "gpus", env, List.of("--set", "resources.gpu.executor-cores=1"));
        assertEquals(0, run.rc, run.output);
        timings.put("gpus", timings(run.output));
        assertEquals(embeddedMetrics(List.of()), metrics(runUri("gpus")), "metrics of the GPU-profile run vs embedded");
        Pattern bound = Pattern.compile("(\\S+): task (\\d+) on executor (\\S+) bound to GPU (\\d+)");
        Map<String, Set<String>> gpusByExecutor = new TreeMap<>();
        Set<String> boundModels = new TreeSet<>();
        for (Path log : cluster.executorLogs(appId(run.output))) {
            String text = LocalCluster.read(log);
            Matcher m = bound.matcher(text);
            while (m.find()) {
                boundModels.add(m.group(1));
                gpusByExecutor.computeIfAbsent(m.group(3), k -> new TreeSet<>()).add(m.group(4));
                assertTrue(text.contains("\"--resourceProfileId\" \"") && !text.contains("\"--resourceProfileId\" \"0\""),
                        "executor " + m.group(3) + " trained outside the GPU resource profile");
            }
        }
        // Every model, and every task of the teachers' default grid (ser.teachers.grid = auto: 4 points, on 2 inner
        // folds, this corpus having 2 training speakers per language).
        Set<String> tasks = new TreeSet<>(MODELS);
        for (String language : List.of("en", "fi", "fr")) {
            for (int point = 0; point < 4; point++) {
                for (int fold = 0; fold < 2; fold++) {
                    tasks.add("teacher-" + language + ".p" + point + ".f" + fold);
                }
            }
        }
        assertEquals(tasks, boundModels, "every training task binds a GPU");
        gpusByExecutor.forEach((executor, gpus) -> assertEquals(1, gpus.size(), executor + " used GPUs " + gpus));
        Set<String> used = new TreeSet<>();
        gpusByExecutor.values().forEach(used::addAll);
        assertEquals(Set.of("0", "1"), used, "GPU executors " + gpusByExecutor);
        System.out.println("cluster-it gpus: GPU per executor " + gpusByExecutor);
    }

    // ---- runs ------------------------------------------------------------------------------------------------

    record Run(int rc, String output) {}

    private Run embedded(String runId, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit/ser").toString()));
        cmd.addAll(args);
        cmd.addAll(List.of("--set", "run.id=" + runId, "--set", "output.root=" + localRuns));
        Map<String, String> env = Map.of("SER_DRIVER_MEMORY", "3g");
        try (Daemon d = Daemon.start("embedded " + runId, cmd, env, root, cluster.work.resolve("logs/embedded-" + runId + ".log"))) {
            return new Run(d.awaitExit(RUN_TIMEOUT), d.output());
        }
    }

    private Daemon launch(String deployMode, String runId, Map<String, String> extraEnv, List<String> extraArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit/ser").toString(), "--submit", "pipeline",
                "--set", "run.id=" + runId, "--set", "output.root=" + cluster.hdfsUri + "/ser/runs",
                "--set", "input.manifest=" + manifestOnHdfs));
        cmd.addAll(extraArgs);
        Map<String, String> env = new LinkedHashMap<>(cluster.sparkEnv());
        env.put("SER_MASTER", cluster.masterUrl);
        env.put("SER_DEPLOY_MODE", deployMode);
        env.put("SER_JAR", clusterJar.toString());
        env.put("SER_DRIVER_MEMORY", "2g");
        env.put("SER_EXECUTOR_MEMORY", "2g");
        env.putAll(extraEnv);
        return Daemon.start("submit " + runId, cmd, env, root, cluster.work.resolve("logs/submit-" + runId + ".log"));
    }

    private Run submit(String deployMode, String runId, Map<String, String> env, List<String> args) throws Exception {
        try (Daemon d = launch(deployMode, runId, env, args)) {
            return new Run(d.awaitExit(RUN_TIMEOUT), d.output());
        }
    }

    private String runUri(String runId) {
        return cluster.hdfsUri + "/ser/runs/" + runId;
    }

    /** tables/metrics of a run, without its run_id column, as sorted lines. */
    private List<String> metrics(String runUri) {
        return reader.read().parquet(runUri + "/tables/metrics").drop("run_id").collectAsList().stream()
                .map(Row::toString).sorted().toList();
    }

    /** soft_targets/ of a run as sorted lines (a float prints as the shortest decimal that reads back as its bits). */
    private List<String> softTargets(String runUri) {
        return reader.read().parquet(runUri + "/soft_targets").collectAsList().stream().map(Row::toString).sorted()
                .toList();
    }

    private boolean checkpointWritten(org.apache.hadoop.fs.Path teachers) {
        try {
            FileStatus[] found = cluster.fs().globStatus(new org.apache.hadoop.fs.Path(teachers, "*/checkpoints/epoch-*"));
            return found != null && found.length > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static String appId(String log) {
        Matcher m = APP_ID.matcher(log);
        assertTrue(m.find(), "no application id in:\n" + log);
        return m.group();
    }

    /** In cluster deploy mode the driver is a JVM the Worker started: its stderr under the worker directory. */
    private String driverLog(String launcherOutput) throws IOException {
        Matcher m = Pattern.compile("driver-\\d{14}-\\d{4}").matcher(launcherOutput);
        assertTrue(m.find(), "no driver id in:\n" + launcherOutput);
        Path log = cluster.workerDir.resolve(m.group()).resolve("stderr");
        assertTrue(Files.isRegularFile(log), "no driver log " + log);
        return LocalCluster.read(log);
    }

    private static String timings(String log) {
        Matcher m = STAGE_TIMINGS.matcher(log);
        String last = "?";
        while (m.find()) {
            last = m.group();
        }
        return last;
    }
}
