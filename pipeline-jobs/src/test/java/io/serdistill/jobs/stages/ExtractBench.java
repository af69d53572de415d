package io.serdistill.jobs.stages;

import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.StageRunner;
import io.serdistill.jobs.spark.Sparks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Extraction scaling benchmark (not a test): generates a demo corpus and times the extract stage in local[1] and
 * local[2] sessions, one after the other, each with {@code warmups} untimed runs and then {@code repeats} timed runs
 * (best and median reported: on a shared machine the best run is the one least disturbed by other load). Usage:
 * ExtractBench [utterances=600] [repeats=3] [workDir] [warmups=1]. The local[1] session starts in a cold JVM, so with
 * one warm-up its runs are still getting faster from JIT compilation; more warm-ups measure both at steady state.
 * The utterance count is rounded to 3 languages x 5 speakers x 4 emotions x n; durations are uniform in 1-8 s at
 * 16 kHz. With -Dextract.bench.trace=true every run is followed by its Spark job and stage timeline (task run time next to task CPU time, and each SQL execution's physical plan). The sessions
 * default to local[1] and local[2]; -Dextract.bench.masters=local[1],local[2],local[4] times others too, each
 * speed-up relative to the first. By default each session partitions as the stage does (4 tasks per core);
 * -Dextract.bench.partitions=N gives every session the same N partitions (the same work split, only the cores
 * differ), -Dextract.bench.tasks-per-core=K gives K tasks per core.
 */
public final class ExtractBench {
    private ExtractBench() {}

    /** With -Dextract.bench.trace=true: after each run, every Spark stage's wall time, task count and task time. */
    static final class Trace extends org.apache.spark.scheduler.SparkListener {
        private final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Map<Integer, long[]> taskTimes = new java.util.concurrent.ConcurrentHashMap<>();
        private volatile long origin = -1;

        @Override
        public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
            if (origin < 0) {
                origin = e.time();
            }
            lines.add(String.format("  +%5d ms job %d start (%s)", e.time() - origin, e.jobId(),
                    e.properties() == null ? "" : e.properties().getProperty("callSite.short", "")));
        }

        @Override
        public void onJobEnd(org.apache.spark.scheduler.SparkListenerJobEnd e) {
            lines.add(String.format("  +%5d ms job %d end", e.time() - origin, e.jobId()));
        }

        @Override
        public void onOtherEvent(org.apache.spark.scheduler.SparkListenerEvent e) {
            if (e instanceof org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart s) {
                lines.add("  SQL " + s.executionId() + ": " + s.description() + "\n" + s.physicalPlanDescription()
                        .lines().takeWhile(l -> !l.isBlank()).map(l -> "      " + l).collect(java.util.stream.Collectors.joining("\n")));
            }
        }

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
            long[] t = taskTimes.computeIfAbsent(e.stageId(), k -> new long[4]);
            synchronized (t) {
                if (e.taskMetrics() != null) {
                    t[0] += e.taskMetrics().executorRunTime();
                    t[1] = Math.max(t[1], e.taskMetrics().executorRunTime());
                    t[2] += e.taskMetrics().jvmGCTime();
                    t[3] += e.taskMetrics().executorCpuTime() / 1_000_000;
                }
            }
        }

        @Override
        public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted e) {
            org.apache.spark.scheduler.StageInfo s = e.stageInfo();
            long[] t = taskTimes.getOrDefault(s.stageId(), new long[4]);
            long sub = (Long) s.submissionTime().get();
            long done = (Long) s.completionTime().get();
            lines.add(String.format("  +%5d ms   stage %d %s: %d tasks, %d ms wall, task run sum %d ms (cpu %d ms), max %d ms, gc %d ms",
                    sub - origin, s.stageId(), s.name(), s.numTasks(), done - sub, t[0], t[3], t[1], t[2]));
        }

        void dump() {
            synchronized (lines) {
                lines.forEach(System.out::println);
                lines.clear();
            }
            origin = -1;
        }
    }

    public static void main(String[] args) throws Exception {
        int utterances = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = args.length > 2 && !args[2].isEmpty() ? Path.of(args[2]) : Files.createTempDirectory("extract-bench");
        int warmups = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        int perEmotion = Math.max(1, Math.round(utterances / 60f));
        DemoCorpus.Options options = new DemoCorpus.Options(List.of("en", "fi", "fr"), 5, perEmotion, 1.0, 8.0, 11L, 16_000);
        long t0 = System.nanoTime();
        DemoCorpus.Summary corpus = new DemoCorpus(options).write(work.resolve("corpus"));
        System.out.printf("corpus: %d utterances, %.0f s of audio, generated in %.1f s (%s)%n", corpus.utterances(),
                corpus.totalSeconds(), (System.nanoTime() - t0) / 1e9, work);

        Map<String, Double> median = new LinkedHashMap<>();
        Map<String, Double> best = new LinkedHashMap<>();
        List<String> masters = List.of(System.getProperty("extract.bench.masters", "local[1],local[2]").split(","));
        for (String master : masters) {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("ser.run.id", "bench-" + master.replaceAll("[^0-9]", ""));
            o.put("ser.output.root", work.resolve("runs").toUri().toString());
            o.put("ser.input.manifest", corpus.manifest().toUri().toString());
            String fixed = System.getProperty("extract.bench.partitions");
            if (fixed != null) {
                o.put("ser.features.partitions", fixed);
            }
            String perCore = System.getProperty("extract.bench.tasks-per-core");
            if (perCore != null) {
                int cores = Integer.parseInt(master.replaceAll("[^0-9]", ""));
                o.put("ser.features.partitions", String.valueOf(cores * Integer.parseInt(perCore)));
            }
            SerConfig config = SerConfig.load(List.of(), o);
            SparkSession spark = SparkSession.builder().master(master).appName("ExtractBench " + master)
                    .config(Sparks.defaults(new org.apache.spark.SparkConf(true))).config("spark.ui.enabled", "false")
                    .getOrCreate();
            try {
                StageRunner.run(spark, config, List.of(new ManifestStage()), true);
                Trace trace = new Trace();
                if (Boolean.getBoolean("extract.bench.trace")) {
                    spark.sparkContext().addSparkListener(trace);
                }
                List<Double> seconds = new ArrayList<>();
                for (int r = 1 - warmups; r <= repeats; r++) {
                    long cpu0 = InferBench.processCpuNanos();
                    StageRunner.StageTiming t = StageRunner.run(spark, config, List.of(new ExtractStage()), true).get(0);
                    double cpu = (InferBench.processCpuNanos() - cpu0) / 1e9;
                    System.out.printf("%s run %d%s: %.2f s, process CPU %.1f s (%.1f audio s per CPU s) %s%n", master,
                            r, r <= 0 ? " (warm-up)" : "", t.seconds(), cpu, corpus.totalSeconds() / cpu, t.counts());
                    trace.dump();
                    if (r > 0) {
                        seconds.add(t.seconds());
                    }
                }
                seconds.sort(null);
                median.put(master, seconds.get(seconds.size() / 2));
                best.put(master, seconds.get(0));
            } finally {
                spark.stop();
            }
        }
        String first = masters.get(0);
        for (Map.Entry<String, Map<String, Double>> stat : Map.of("best", best, "median", median).entrySet()) {
            double base = stat.getValue().get(first);
            for (String master : masters.subList(1, masters.size())) {
                double t = stat.getValue().get(master);
                System.out.printf("extract, %d utterances / %.0f s of audio, %s of %d: %s %.2f s (%.0f audio-s/s), "
                                + "%s %.2f s (%.0f audio-s/s); speed-up %.2fx on %d available processors, %d warm-up run(s)%n",
                        corpus.utterances(), corpus.totalSeconds(), stat.getKey(), repeats, first, base,
                        corpus.totalSeconds() / base, master, t, corpus.totalSeconds() / t, base / t,
                        Runtime.getRuntime().availableProcessors(), warmups);
            }
        }
    }
}
