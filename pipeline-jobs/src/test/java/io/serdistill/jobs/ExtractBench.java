package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.data.DemoCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Extraction scaling benchmark (not a test): generates a demo corpus and times the extract stage in local[1] and
 * local[2] sessions, one after the other, each with one warm-up run and then {@code repeats} timed runs (best and
 * median reported: on a shared machine the best run is the one least disturbed by other load). Usage: ExtractBench [utterances=600] [repeats=3] [workDir]. The utterance count is rounded to
 * 3 languages x 5 speakers x 4 emotions x n; durations are uniform in 1-8 s at 16 kHz.
 */
public final class ExtractBench {
    private ExtractBench() {}

    public static void main(String[] args) throws Exception {
        int utterances = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("extract-bench");
        int perEmotion = Math.max(1, Math.round(utterances / 60f));
        DemoCorpus.Options options = new DemoCorpus.Options(List.of("en", "fi", "fr"), 5, perEmotion, 1.0, 8.0, 11L, 16_000);
        long t0 = System.nanoTime();
        DemoCorpus.Summary corpus = new DemoCorpus(options).write(work.resolve("corpus"));
        System.out.printf("corpus: %d utterances, %.0f s of audio, generated in %.1f s (%s)%n", corpus.utterances(),
                corpus.totalSeconds(), (System.nanoTime() - t0) / 1e9, work);

        Map<String, Double> median = new LinkedHashMap<>();
        Map<String, Double> best = new LinkedHashMap<>();
        for (String master : List.of("local[1]", "local[2]")) {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("ser.run.id", "bench-" + master.replaceAll("[^0-9]", ""));
            o.put("ser.output.root", work.resolve("runs").toUri().toString());
            o.put("ser.input.manifest", corpus.manifest().toUri().toString());
            SerConfig config = SerConfig.load(List.of(), o);
            SparkSession spark = SparkSession.builder().master(master).appName("ExtractBench " + master)
                    .config("spark.ui.enabled", "false").getOrCreate();
            try {
                StageRunner.run(spark, config, List.of(new ManifestStage()), true);
                List<Double> seconds = new ArrayList<>();
                for (int r = 0; r <= repeats; r++) {
                    StageRunner.StageTiming t = StageRunner.run(spark, config, List.of(new ExtractStage()), true).get(0);
                    System.out.printf("%s run %d%s: %.2f s %s%n", master, r, r == 0 ? " (warm-up)" : "", t.seconds(),
                            t.counts());
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
        for (Map.Entry<String, Map<String, Double>> stat : Map.of("best", best, "median", median).entrySet()) {
            double one = stat.getValue().get("local[1]");
            double two = stat.getValue().get("local[2]");
            System.out.printf("extract, %d utterances / %.0f s of audio, %s of %d: local[1] %.2f s (%.0f audio-s/s), "
                            + "local[2] %.2f s (%.0f audio-s/s); speed-up %.2fx on %d available processors%n",
                    corpus.utterances(), corpus.totalSeconds(), stat.getKey(), repeats, one, corpus.totalSeconds() / one,
                    two, corpus.totalSeconds() / two, one / two, Runtime.getRuntime().availableProcessors());
        }
    }
}
