package io.serdistill.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.JobArgs;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.jobs.run.RunLock;
import io.serdistill.jobs.run.RunRefused;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.StageInputs;
import io.serdistill.jobs.spark.Sparks;
import io.serdistill.jobs.spark.StdoutFilter;
import io.serdistill.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs stages in order with completion markers: a stage whose marker holds the fingerprint of its current inputs
 * (config hash, the stage's own input identity, the previous stage's fingerprint; see {@link StageInputs}) is
 * skipped unless --force, so a failed or interrupted pipeline resumes where it stopped, and a changed input re-runs
 * the stages that depend on it. A launch holds the run directory's lock ({@link RunLock}) from before its Spark
 * session starts to its end, and its config's inputs are checked before that ({@link Preflight}). Exit code 0 on
 * success, 2 on a usage or config error or a refused run ({@link RunRefused}: locked, or a stage asked for before
 * the one it reads from), 1 on any other failure, reported on one line ending with its root cause.
 */
public final class StageRunner {
    private static final Logger LOG = LoggerFactory.getLogger("ser");

    /** How long each stage took, for the closing summary. */
    public record StageTiming(String stage, double seconds, boolean skipped, Map<String, Object> counts) {}

    private StageRunner() {}

    public static int run(List<Stage> stages, String[] args) {
        JobArgs jobArgs;
        SerConfig config;
        Configuration preflightConf;
        try {
            jobArgs = JobArgs.parse(args);
            config = jobArgs.config();
            Sparks.requireHiveClassesWhenRegistering(config);
            preflightConf = Sparks.hadoopConf(config);
            Preflight.check(config, stages, preflightConf);
        } catch (ConfigError | IllegalArgumentException e) {
            System.err.println("ser: " + e.getMessage());
            return 2;
        }
        // Before the session starts: a second launch on a locked run is refused within a second.
        RunLock lock;
        try {
            lock = RunLock.acquire(RunLayout.of(config.outputRoot(), config.run().id(), preflightConf).root(),
                    preflightConf, jobArgs.forceUnlock());
        } catch (RunRefused e) {
            System.err.println("ser: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("ser: FAILED: cannot lock the run directory: " + Failures.oneLine(e));
            return 1;
        }
        try (lock) {
            if (!config.folds().all()) {
                // Refused before the session starts, as a locked run is (fold sub-runs are checked as they run).
                RunLayout layout = RunLayout.of(config.outputRoot(), config.run().id(), preflightConf);
                requireCompleted(upstream(layout, stages.get(0).name(), preflightConf), stages.get(0), config);
            }
            SparkSession spark = Sparks.session(config);
            try {
                runLocked(spark, config, stages, jobArgs.force());
                return 0;
            } catch (RunRefused e) {
                System.err.println("ser: " + e.getMessage());
                return 2;
            } catch (Exception | Error e) {
                // Errors too (a class missing from the classpath, memory): the one line names them, and the lock goes.
                LOG.error("ser: run {} failed: {}", config.run().id(), Failures.oneLine(e), e);
                System.err.println("ser: FAILED: " + Failures.oneLine(e));
                return 1;
            } finally {
                spark.stop();
            }
        } catch (RunRefused e) {
            System.err.println("ser: " + e.getMessage());
            return 2;
        } catch (java.io.IOException e) {
            System.err.println("ser: FAILED: " + Failures.oneLine(e));
            return 1;
        }
    }

    /**
     * Runs the stages in an existing session (tests and the pipeline use this), holding the run directory's lock
     * ({@link RunLock}; {@link RunRefused} when another launch holds it).
     */
    public static List<StageTiming> run(SparkSession spark, SerConfig config, List<Stage> stages, boolean force)
            throws Exception {
        Configuration hconf = spark.sparkContext().hadoopConfiguration();
        try (RunLock lock = RunLock.acquire(RunLayout.of(config.outputRoot(), config.run().id(), hconf).root(), hconf,
                false)) {
            return runLocked(spark, config, stages, force);
        }
    }

    private static List<StageTiming> runLocked(SparkSession spark, SerConfig config, List<Stage> stages, boolean force)
            throws Exception {
        for (Stage stage : stages) {
            stage.checkSession(spark, config);
        }
        if (config.folds().all()) {
            return AllFolds.run(spark, config, stages, (fold, foldStages) -> runOne(spark, fold, foldStages, force));
        }
        return runOne(spark, config, stages, force);
    }

    /** One run (a whole run, or one fold's sub-run): the stages in order, each skipped when its marker holds. */
    private static List<StageTiming> runOne(SparkSession spark, SerConfig config, List<Stage> stages, boolean force)
            throws Exception {
        StdoutFilter.install();
        Configuration hconf = spark.sparkContext().hadoopConfiguration();
        RunLayout layout = RunLayout.of(config.outputRoot(), config.run().id(), hconf);
        StageContext ctx = new StageContext(spark, config, layout, new HadoopConf(hconf));
        LOG.info("run {} -> {} (config {}){}", config.run().id(), layout.root(), config.hash(),
                spark.sparkContext().uiWebUrl().isDefined() ? "; Spark UI " + spark.sparkContext().uiWebUrl().get() : "");
        List<StageTiming> timings = new ArrayList<>();
        long pipelineStart = System.nanoTime();
        for (int i = 0; i < stages.size(); i++) {
            Stage stage = stages.get(i);
            String marker = layout.stageMarker(stage.name());
            Map<String, String> upstream = upstream(layout, stage.name(), hconf);
            requireCompleted(upstream, stage, config);
            StageInputs inputs = new StageInputs(config.hash(), stage.inputIdentity(ctx), upstream);
            Optional<String> why = force ? Optional.of("--force") : changedSince(marker, inputs, hconf);
            if (why.isEmpty()) {
                LOG.info("[{}/{}] {} {}: already complete with these inputs (config {}, inputs {}); skipped "
                                + "(--force re-runs it)", i + 1, stages.size(), config.run().id(), stage.name(),
                        config.hash(), inputs.fingerprint());
                timings.add(new StageTiming(stage.name(), 0, true, Map.of()));
                continue;
            }
            LOG.info("[{}/{}] {} {}: started ({})", i + 1, stages.size(), config.run().id(), stage.name(), why.get());
            Instant started = Instant.now();
            long t0 = System.nanoTime();
            spark.sparkContext().setJobGroup(stage.name(), "ser-distill " + stage.name(), false);
            if (force) {
                stage.forgetCompletedWork(ctx);
            }
            Map<String, Object> counts = stage.run(ctx);
            double seconds = (System.nanoTime() - t0) / 1e9;
            writeMarker(marker, stage.name(), config, inputs, started, seconds, counts, hconf);
            timings.add(new StageTiming(stage.name(), seconds, false, counts));
            LOG.info("[{}/{}] {} {}: done in {} s {}", i + 1, stages.size(), config.run().id(), stage.name(),
                    String.format("%.1f", seconds), counts);
        }
        StringBuilder summary = new StringBuilder("stage timings (s):");
        for (StageTiming t : timings) {
            summary.append(String.format(" %s=%s", t.stage(), t.skipped() ? "skipped" : String.format("%.1f", t.seconds())));
        }
        summary.append(String.format("; total %.1f", (System.nanoTime() - pipelineStart) / 1e9));
        LOG.info(summary.toString());
        return timings;
    }

    /** The stage before {@code stage} in {@link PipelineJob#stages()} with its marker's fingerprint; empty for the first. */
    private static Map<String, String> upstream(RunLayout layout, String stage, Configuration conf) {
        List<String> order = PipelineJob.stages().stream().map(Stage::name).toList();
        int i = order.indexOf(stage);
        if (i <= 0) {
            return Map.of();
        }
        String previous = order.get(i - 1);
        String marker = layout.stageMarker(previous);
        String fingerprint = StageInputs.NO_MARKER;
        try {
            if (HadoopFiles.exists(marker, conf)) {
                String recorded = readMarker(marker, conf).fingerprint();
                fingerprint = recorded == null ? StageInputs.NO_MARKER : recorded;
            }
        } catch (Exception e) {
            LOG.warn("unreadable stage marker {} ({}); taken as absent", marker, e.getMessage());
        }
        return Map.of(previous, fingerprint);
    }

    /**
     * A stage reads what the stage before it wrote: with no marker for that stage (never run, or failed), the stage
     * is refused before it reads anything, naming the stage to run.
     */
    private static void requireCompleted(Map<String, String> upstream, Stage stage, SerConfig config) {
        upstream.forEach((previous, fingerprint) -> {
            if (StageInputs.NO_MARKER.equals(fingerprint)) {
                throw new RunRefused(stage.name() + " reads what " + previous + " writes, and " + previous
                        + " has not completed in run " + config.run().id() + ": run " + previous
                        + " first (or the whole pipeline)");
            }
        });
    }

    /** Empty when the marker records these inputs; otherwise why the stage must run. */
    private static Optional<String> changedSince(String marker, StageInputs inputs, Configuration conf) {
        try {
            if (!HadoopFiles.exists(marker, conf)) {
                return Optional.of("no marker yet");
            }
            return inputs.changedSince(readMarker(marker, conf));
        } catch (Exception e) {
            LOG.warn("unreadable stage marker {} ({}); running the stage again", marker, e.getMessage());
            return Optional.of("its marker is unreadable");
        }
    }

    @SuppressWarnings("unchecked")
    private static StageInputs.Recorded readMarker(String marker, Configuration conf) throws java.io.IOException {
        Map<String, Object> json = Json.read(new String(HadoopFiles.readBytes(marker, conf), StandardCharsets.UTF_8),
                new TypeReference<Map<String, Object>>() {}, marker);
        StageInputs recorded = new StageInputs((String) json.get("config_hash"),
                (Map<String, String>) json.getOrDefault("input", Map.of()),
                (Map<String, String>) json.getOrDefault("upstream", Map.of()));
        return new StageInputs.Recorded(recorded, (String) json.get("inputs"));
    }

    private static void writeMarker(String marker, String stage, SerConfig config, StageInputs inputs, Instant started,
                                    double seconds, Map<String, Object> counts, Configuration conf)
            throws java.io.IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("stage", stage);
        json.put("run_id", config.run().id());
        json.put("config_hash", config.hash());
        json.put("input", inputs.input());
        json.put("upstream", inputs.upstream());
        json.put("inputs", inputs.fingerprint());
        json.put("started", started.toString());
        json.put("finished", Instant.now().toString());
        json.put("seconds", seconds);
        json.put("counts", counts);
        HadoopFiles.writeText(marker, Json.pretty(json), conf);
    }
}
