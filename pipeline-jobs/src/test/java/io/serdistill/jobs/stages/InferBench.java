package io.serdistill.jobs.stages;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.StageRunner;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.SparkSession;

/**
 * Infer scaling benchmark (not a test): a manifest of {@code rows} rows cycling over the first {@code files} WAVs
 * under {@code corpusDir}, labelled by the default package of {@code runDir} (a finished run, e.g. of
 * {@code submit/ser pipeline}) in one local[{@code cores}] session; prints the stage's wall time, audio seconds per
 * second per core and the driver's peak heap use (sampled every 100 ms; run the JVM with -Xmx2g to check the 2 GB
 * bound). Usage: InferBench runDir corpusDir [rows=1000000] [files=300] [cores=2] [workDir] [runs=1]: with
 * runs &gt; 1 the stage runs again (forced) in the same session, so the later runs show the warm JVM's throughput;
 * each run prints its planning time (the stage's own: manifest read, numbering job, plan) and its wall time. With
 * -Dinfer.bench.missing=true the rows name {@code files} files that do not exist under corpusDir, so every row is a
 * MISSING_FILE reject: the stage at full row count without the cost of scoring.
 */
public final class InferBench {
    private InferBench() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]).toAbsolutePath();
        Path corpus = Path.of(args[1]).toAbsolutePath();
        long rows = args.length > 2 ? Long.parseLong(args[2]) : 1_000_000;
        int files = args.length > 3 ? Integer.parseInt(args[3]) : 300;
        int cores = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        Path work = args.length > 5 ? Path.of(args[5]) : Files.createTempDirectory("ser-infer-bench");
        int runs = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        Files.createDirectories(work);
        List<Path> wavs;
        try (var walk = Files.walk(corpus)) {
            wavs = walk.filter(p -> p.toString().endsWith(".wav")).sorted().limit(files).toList();
        }
        if (Boolean.getBoolean("infer.bench.missing")) {
            // Every row a MISSING_FILE reject: the stage's distributed machinery (read, numbering, shuffle, writes,
            // counts, the rows-in check) at full row count, without the scoring's cost.
            wavs = java.util.stream.IntStream.range(0, files).mapToObj(i -> corpus.resolve("missing-" + i + ".wav"))
                    .toList();
        }
        Path csv = work.resolve("manifest.csv");
        try (BufferedWriter w = Files.newBufferedWriter(csv)) {
            w.write("path,utt_id\n");
            for (long i = 0; i < rows; i++) {
                w.write(wavs.get((int) (i % wavs.size())) + ",u" + i + "\n");
            }
        }
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            var heap = ManagementFactory.getMemoryMXBean();
            long start = System.nanoTime();
            for (long sample = 1; !Thread.currentThread().isInterrupted(); sample++) {
                peak.accumulateAndGet(heap.getHeapMemoryUsage().getUsed(), Math::max);
                if (sample % 300 == 0) {
                    // Every 30 s, so a run stopped early still tells its peak.
                    System.out.printf("infer bench: %.0f s, heap peak so far %.0f MB%n",
                            (System.nanoTime() - start) / 1e9, peak.get() / 1e6);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        // The settings every stage runs with (as ExtractBench and SerCli): java.nio local files, no forked chmod.
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("InferBench")
                .config(io.serdistill.jobs.spark.Sparks.defaults(new org.apache.spark.SparkConf(true)))
                .config("spark.ui.enabled", "false").getOrCreate();
        SerConfig cfg = SerConfig.load(List.of(), Map.of("ser.run.id", "infer-bench",
                "ser.output.root", "file://" + work.resolve("runs"),
                "ser.input.allowed-roots", "[\"" + corpus.toUri() + "\"]",
                "ser.infer.model", runDir.toString(), "ser.infer.manifest", csv.toString(),
                "ser.infer.output", "file://" + work.resolve("inference")));
        for (int run = 1; run <= runs; run++) {
            long t0 = System.nanoTime();
            long cpu0 = processCpuNanos();
            StageRunner.StageTiming t = StageRunner.run(spark, cfg, List.of(new InferStage()), true).get(0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            double audio = ((Number) t.counts().get("audio_seconds")).doubleValue();
            System.out.printf("infer bench run %d/%d: %d rows over %d files, local[%d]: %.1f s wall (planned in %.2f s,"
                            + " scored and wrote in %.2f s), %.0f audio s, %.1f audio s/s/core, %.0f rows/s, driver"
                            + " heap peak so far %.0f MB (max %.0f MB); process CPU %.1f s (%.1f audio s per CPU s);"
                            + " counts %s%n", run, runs, rows, wavs.size(),
                    cores, seconds, ((Number) t.counts().get("planned_s")).doubleValue(),
                    ((Number) t.counts().get("scored_and_written_s")).doubleValue(), audio, audio / seconds / cores,
                    rows / seconds, peak.get() / 1e6, Runtime.getRuntime().maxMemory() / 1e6, cpu, audio / cpu,
                    t.counts());
        }
        sampler.interrupt();
        spark.stop();
    }

    /** CPU time of the whole JVM (every Spark task thread, GC and JIT): a per-core figure that load beside it barely moves. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
