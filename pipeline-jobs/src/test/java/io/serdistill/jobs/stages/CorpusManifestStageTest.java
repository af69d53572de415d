package io.serdistill.jobs.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.WavWriter;
import io.serdistill.config.SerConfig;
import io.serdistill.data.Folds;
import io.serdistill.jobs.StageRunner;
import io.serdistill.jobs.run.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest stage scanning an IEMOCAP-layout directory: the adapter's CSV lands in the run, the held-out session
 * becomes the test split, folds.json describes all five folds, and extraction runs on the result.
 */
class CorpusManifestStageTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("CorpusManifestStageTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** 5 sessions x 2 speakers x 4 turns (one per class, "exc" for happy) + one "fru" turn per session. */
    private static Path iemocap() throws Exception {
        return iemocap(tmp.resolve("IEMOCAP_full_release"));
    }

    private static Path iemocap(Path root) throws Exception {
        Random random = new Random(5);
        List<String> labels = List.of("neu", "exc", "ang", "sad");
        for (int s = 1; s <= 5; s++) {
            String dialog = "Ses0" + s + "F_impro01";
            StringBuilder eval = new StringBuilder();
            int n = 0;
            for (String g : List.of("F", "M")) {
                for (int u = 0; u < 4 + (g.equals("F") ? 1 : 0); u++) {
                    String utt = dialog + "_" + g + String.format("%03d", n++);
                    Path wav = root.resolve("Session" + s + "/sentences/wav/" + dialog + "/" + utt + ".wav");
                    Files.createDirectories(wav.getParent());
                    float[] x = new float[4800];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (0.2 * Math.sin(i * 0.05 * (1 + u)) + 0.05 * random.nextGaussian());
                    }
                    Files.write(wav, WavWriter.pcm16(new AudioClip(x, 16000)));
                    eval.append("[1.0 - 2.0]\t").append(utt).append('\t').append(u < 4 ? labels.get(u) : "fru")
                            .append("\t[2.5, 2.5, 2.5]\n");
                }
            }
            Path labelFile = root.resolve("Session" + s + "/dialog/EmoEvaluation/" + dialog + ".txt");
            Files.createDirectories(labelFile.getParent());
            Files.writeString(labelFile, eval.toString());
        }
        return root;
    }

    /** Leave-one-session-out over the IEMOCAP tree at {@code root}, plus {@code extra} overrides. */
    private static SerConfig config(String runId, Path root, Path outputRoot, Map<String, String> extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", runId);
        o.put("ser.output.root", outputRoot.toUri().toString());
        o.put("ser.input.corpus.kind", "iemocap");
        o.put("ser.input.corpus.root", root.toString());
        o.put("ser.folds.scheme", "leave-one-session-out");
        o.putAll(extra);
        return SerConfig.load(List.of(), o);
    }

    @Test
    void scansIemocapAppliesLeaveOneSessionOutAndExtracts() throws Exception {
        SerConfig config = config("iemocap-fold2", iemocap(), tmp.resolve("runs"),
                Map.of("ser.folds.fold", "2", "ser.features.partitions", "2"));
        List<StageRunner.StageTiming> t = StageRunner.run(spark, config, List.of(new ManifestStage(), new ExtractStage()), false);
        Map<String, Object> manifestCounts = t.get(0).counts();
        assertEquals(45L, manifestCounts.get("rows"), "5 sessions x 9 turns");
        assertEquals(40, manifestCounts.get("usable"));
        assertEquals(5, manifestCounts.get("rejected"), "the fru turns");

        Path run = tmp.resolve("runs/iemocap-fold2");
        assertTrue(Files.readString(run.resolve("corpus/manifest.csv")).startsWith(
                "utt_id,path,language,emotion,speaker,split,corpus,session\n"));
        Folds.Definition folds = Folds.Definition.fromJson(Files.readString(run.resolve("folds.json")));
        assertEquals(5, folds.folds().size());
        assertEquals(2, folds.selected());
        assertEquals(List.of("Ses03_F", "Ses03_M"), folds.selectedFold().testSpeakers());

        Dataset<Row> manifest = spark.read().parquet(run.resolve("manifest").toUri().toString());
        Map<String, List<String>> speakersBySplit = manifest.select("split", "speaker").distinct().collectAsList().stream()
                .collect(Collectors.groupingBy(r -> r.getString(0), Collectors.mapping(r -> r.getString(1),
                        Collectors.collectingAndThen(Collectors.toList(), l -> l.stream().sorted().toList()))));
        assertEquals(List.of("Ses03_F", "Ses03_M"), speakersBySplit.get("test"));
        assertEquals(folds.selectedFold().devSpeakers(), speakersBySplit.get("dev"));
        assertEquals(7, speakersBySplit.get("train").size());
        assertEquals(10, manifest.filter("emotion = 'happy'").count(), "exc merged into happy");
        Dataset<Row> rejects = spark.read().parquet(run.resolve("rejects/stage=manifest").toUri().toString());
        assertEquals(5, rejects.filter("reason = 'UNKNOWN_LABEL'").count());

        assertEquals(40L, t.get(1).counts().get("features"));
        assertEquals(8, spark.read().parquet(run.resolve("features/fbank").toUri().toString())
                .filter("split = 'test'").count());
    }

    @Test
    void aChangedCorpusTreeRerunsTheManifestStage() throws Exception {
        Path root = iemocap(tmp.resolve("listing/IEMOCAP_full_release"));
        SerConfig config = config("listing", root, tmp.resolve("listing/runs"), Map.of());
        List<Stage> manifest = List.of(new ManifestStage());
        assertEquals(45L, StageRunner.run(spark, config, manifest, false).get(0).counts().get("rows"));
        assertTrue(StageRunner.run(spark, config, manifest, false).get(0).skipped(), "unchanged tree");
        String marker = Files.readString(tmp.resolve("listing/runs/listing/_stages/manifest.json"));
        assertTrue(marker.contains("\"corpus_files\": \"" + countFiles(root) + "\""), marker);

        // A relabelled turn: same files, one label file rewritten (new size and modification time).
        Path labels = root.resolve("Session1/dialog/EmoEvaluation/Ses01F_impro01.txt");
        Files.writeString(labels, Files.readString(labels).replace("\tfru\t", "\tneu\t"));
        Files.setLastModifiedTime(labels, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        StageRunner.StageTiming again = StageRunner.run(spark, config, manifest, false).get(0);
        assertFalse(again.skipped(), "the listing changed");
        assertEquals(41, again.counts().get("usable"), "the fru turn is now neutral");
        assertTrue(StageRunner.run(spark, config, manifest, false).get(0).skipped());
    }

    private static long countFiles(Path root) throws Exception {
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
