package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.stages.PublishStage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * One small pipeline run (demo corpus plus two bad rows, few epochs) on the local FileSystem, made once per test JVM and shared by
 * the test classes that read its tables, warehouse and report: a run takes a while on a small machine.
 */
final class DemoRun {
    static final String RUN_ID = "demo-a";
    private static DemoRun instance;

    final Path dir;
    final List<StageRunner.StageTiming> timings;

    private DemoRun(Path dir, List<StageRunner.StageTiming> timings) {
        this.dir = dir;
        this.timings = timings;
    }

    static synchronized DemoRun get() throws Exception {
        if (instance == null) {
            Path dir = Files.createTempDirectory("ser-demo-run");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            DemoCorpus.Summary corpus = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(3).withUtterances(3)
                    .withSeed(7)).write(dir.resolve("corpus"));
            // Two bad rows, so the rejects tables and queries have something to show.
            Files.writeString(corpus.manifest(), String.join("\n", "en_bad_malformed,wav/en/x.wav,en,angry",
                    "fr_bad_missing,wav/fr/does-not-exist.wav,fr,sad,fr_spk00,train,demo") + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            List<StageRunner.StageTiming> timings = StageRunner.run(spark(), config(dir, Map.of()), PipelineJob.stages(), false);
            instance = new DemoRun(dir, timings);
        }
        return instance;
    }

    /** The shared session; made again if another test class stopped it. */
    static SparkSession spark() {
        return SparkSession.builder().master("local[2]").appName("DemoRun")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                // Run ids such as 2024-05-01 must stay strings when the warehouse's run_id partitions are read.
                .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
                .getOrCreate();
    }

    /** The run's config plus {@code extra} overrides. */
    SerConfig config(Map<String, String> extra) {
        return config(dir, extra);
    }

    private static SerConfig config(Path dir, Map<String, String> extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", RUN_ID);
        // Not Path.toUri(): it ends in '/' once the directory exists, which would change the config hash.
        o.put("ser.output.root", "file://" + dir.resolve("runs"));
        o.put("ser.input.manifest", dir.resolve("corpus").resolve("manifest.csv").toUri().toString());
        // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
        o.put("ser.teachers.optimiser", "adamw");
        o.put("ser.student.optimiser", "adamw");
        o.put("ser.teachers.epochs", "12");
        o.put("ser.student.epochs", "12");
        o.put("ser.warehouse.bootstrap-resamples", "200");
        o.putAll(extra);
        return SerConfig.load(List.of(), o);
    }

    String runDir(String runId) {
        return "file://" + dir.resolve("runs").resolve(runId);
    }

    String warehouse() {
        return "file://" + dir.resolve("runs").resolve("warehouse");
    }

    /** Copies this run's directory to another run id, to publish a second run without training again. */
    void copyRunTo(String runId) throws IOException {
        copyTree(dir.resolve("runs").resolve(RUN_ID), dir.resolve("runs").resolve(runId));
    }

    /**
     * A copy of this run (its run directory under {@code outputRoot}, same id) published into {@code outputRoot}'s
     * warehouse ({outputRoot}/warehouse), so another test's warehouse holds it next to its own runs; this run's own
     * directory and warehouse stay as they are.
     */
    synchronized void publishCopyInto(Path outputRoot) throws Exception {
        copyTree(dir.resolve("runs").resolve(RUN_ID), outputRoot.resolve(RUN_ID));
        StageRunner.run(spark(), config(Map.of("ser.output.root", "file://" + outputRoot.toAbsolutePath())),
                List.of(new PublishStage()), true);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!Files.exists(target)) {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** A copy of this run published as {@code runId} (once), so the warehouse holds two runs. */
    synchronized void publishCopyAs(String runId) throws Exception {
        if (!Files.exists(dir.resolve("runs").resolve(runId))) {
            copyRunTo(runId);
            StageRunner.run(spark(), config(Map.of("ser.run.id", runId)), List.of(new PublishStage()), true);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory left behind is harmless.
        }
    }
}
