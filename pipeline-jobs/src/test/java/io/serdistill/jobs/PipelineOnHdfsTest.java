package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.stages.EvaluateStage;
import io.serdistill.jobs.stages.ExtractStage;
import io.serdistill.jobs.stages.ManifestStage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on a small generated corpus, local[2] Spark, reading audio from and writing every table to an
 * in-process HDFS. The corpus carries deliberately bad rows: each must end in the rejects table with its reason.
 */
class PipelineOnHdfsTest {
    @TempDir
    static Path tmp;
    static MiniDFSCluster dfs;
    static SparkSession spark;
    static String hdfs;
    static int corpusRows;
    static List<StageRunner.StageTiming> firstRun;
    static SerConfig config;

    @BeforeAll
    static void runPipeline() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        dfs.waitActive();
        hdfs = dfs.getFileSystem().getUri().toString();

        Path corpus = tmp.resolve("corpus");
        DemoCorpus.Summary summary = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(4).withUtterances(4)
                .withSeed(99)).write(corpus);
        // Bad input, one of each kind: malformed row, missing file, non-WAV file, empty WAV, unknown label.
        Files.writeString(corpus.resolve("notes.wav"), "this is not audio\n");
        Files.write(corpus.resolve("empty.wav"), emptyWav());
        String bad = String.join("\n",
                "en_bad_malformed,wav/en/x.wav,en,angry",
                "en_bad_missing,wav/en/does-not-exist.wav,en,angry,en_spk00,train,demo",
                "en_bad_notwav,notes.wav,en,sad,en_spk00,train,demo",
                "en_bad_empty,empty.wav,en,happy,en_spk00,train,demo",
                "en_bad_label,empty.wav,en,bored,en_spk00,train,demo") + "\n";
        Files.writeString(summary.manifest(), bad, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        corpusRows = summary.utterances() + 5;

        FileSystem fs = dfs.getFileSystem();
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(corpus.toUri()), new org.apache.hadoop.fs.Path(hdfs + "/corpus"));

        spark = SparkSession.builder().master("local[2]").appName("PipelineOnHdfsTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("ser.run.id", "it");
        overrides.put("ser.output.root", hdfs + "/runs");
        overrides.put("ser.input.manifest", hdfs + "/corpus/manifest.csv");
        // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
        overrides.put("ser.teachers.optimiser", "adamw");
        overrides.put("ser.student.optimiser", "adamw");
        overrides.put("ser.teachers.epochs", "40");
        overrides.put("ser.student.epochs", "40");
        overrides.put("ser.distill.methods", "[ft-multi, mtkd-uniform, mtkd-language, kd-multi, mtkd-mono]");
        config = SerConfig.load(List.of(), overrides);
        firstRun = StageRunner.run(spark, config, PipelineJob.stages(), false);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (dfs != null) {
            dfs.shutdown();
        }
    }

    private static Dataset<Row> table(String relative) {
        return spark.read().parquet(hdfs + "/runs/it/" + relative);
    }

    @Test
    void writesEveryTableAndModelToHdfs() throws Exception {
        FileSystem fs = dfs.getFileSystem();
        for (String p : List.of("manifest", "features/fbank", "soft_targets", "tables/predictions", "tables/metrics",
                "tables/class_metrics", "tables/confusion", "tables/training_history", "report/summary.txt",
                "teachers/en/model.safetensors", "teachers/fi/model.safetensors", "teachers/fr/model.safetensors",
                "students/ft-multi/model.safetensors", "students/mtkd-uniform/model.safetensors",
                "students/mtkd-language/model.safetensors", "students/kd-multi/model.safetensors",
                "students/mtkd-mono-fr/model.safetensors", "_stages/evaluate.json")) {
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(hdfs + "/runs/it/" + p)), p + " exists on HDFS");
        }
        assertEquals(PipelineJob.stages().size(), firstRun.size());
        // Features are partitioned by language and split, readable with Spark SQL.
        table("features/fbank").createOrReplaceTempView("features");
        List<Row> parts = spark.sql("SELECT language, split, count(*) FROM features GROUP BY language, split").collectAsList();
        assertEquals(9, parts.size(), "3 languages x 3 splits");
        // History has every model, with one best epoch each.
        assertEquals(3 + 4 + 3, table("tables/training_history").filter("best").count(), "teachers, multi and mono students");
    }

    @Test
    void everyManifestRowEndsInFeaturesOrRejects() {
        long features = table("features/fbank").count();
        Dataset<Row> rejects = table("rejects");
        assertEquals(corpusRows, features + rejects.count());
        Map<String, String> reasonById = new HashMap<>();
        for (Row r : rejects.select("utt_id", "reason", "stage").collectAsList()) {
            reasonById.put(r.getString(0), r.getString(1) + "@" + r.getString(2));
        }
        assertEquals("MALFORMED_ROW@manifest", reasonById.get("en_bad_malformed"));
        assertEquals("UNKNOWN_LABEL@manifest", reasonById.get("en_bad_label"));
        assertEquals("MISSING_FILE@extract", reasonById.get("en_bad_missing"));
        assertEquals("NOT_WAV@extract", reasonById.get("en_bad_notwav"));
        assertEquals("EMPTY_AUDIO@extract", reasonById.get("en_bad_empty"));
        assertEquals(5, reasonById.size(), "only the bad rows are rejected: " + reasonById);
        String missingMessage = rejects.filter("utt_id = 'en_bad_missing'").first().getAs("message");
        assertTrue(missingMessage.contains("does-not-exist.wav"), missingMessage);
        long malformedRow = rejects.filter("utt_id = 'en_bad_malformed'").first().getAs("row");
        assertEquals(corpusRows - 5 + 2, malformedRow, "row number points at the CSV line");
    }

    @Test
    void studentsBeatChanceOnEveryLanguage() {
        table("tables/metrics").createOrReplaceTempView("metrics");
        Map<String, Double> ua = spark.sql("SELECT model, language, value FROM metrics WHERE split = 'test' AND metric = 'ua' "
                        + "AND model IN ('student-ft-multi', 'student-mtkd-uniform', 'student-mtkd-language') "
                        + "AND language <> 'all'").collectAsList().stream()
                .collect(Collectors.toMap(r -> r.getString(0) + "/" + r.getString(1), r -> r.getDouble(2)));
        assertEquals(9, ua.size(), "3 students x 3 languages: " + ua);
        ua.forEach((k, v) -> assertTrue(v > 0.25, k + " UA " + v + " is not above chance (0.25)"));
        // Metrics hold per-language rows for every model, and the confusion counts add up to the predictions.
        long predictions = table("tables/predictions").filter("split = 'test'").count();
        long confusion = table("tables/confusion").filter("split = 'test' AND language <> 'all'")
                .agg(org.apache.spark.sql.functions.sum("count")).first().getLong(0);
        assertEquals(predictions, confusion);
    }

    @Test
    void rerunSkipsCompletedStagesAndForceRunsThem() throws Exception {
        List<StageRunner.StageTiming> again = StageRunner.run(spark, config, List.of(new ManifestStage(), new EvaluateStage()), false);
        assertTrue(again.stream().allMatch(StageRunner.StageTiming::skipped), again.toString());
        List<StageRunner.StageTiming> forced = StageRunner.run(spark, config, List.of(new EvaluateStage()), true);
        assertTrue(!forced.get(0).skipped());
        assertEquals(table("tables/metrics").count(), table("tables/metrics").distinct().count(), "no duplicated metrics");
    }

    @Test
    void theDemoCorpusIsWrittenToHdfsThroughTheFileSystem() throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "demo-on-hdfs");
        o.put("ser.output.root", hdfs + "/runs");
        o.put("ser.input.corpus.kind", "demo");
        o.put("ser.demo.dir", hdfs + "/demo-corpus");
        o.put("ser.input.languages", "[en]");
        o.put("ser.demo.speakers-per-language", "3");
        o.put("ser.demo.utterances-per-speaker-per-emotion", "1");
        SerConfig demo = SerConfig.load(List.of(), o);
        List<Stage> stages = List.of(new ManifestStage(), new ExtractStage());
        List<StageRunner.StageTiming> t = StageRunner.run(spark, demo, stages, false);
        assertEquals(12L, t.get(0).counts().get("rows"), "3 speakers x 4 emotions");
        assertEquals(hdfs + "/demo-corpus/manifest.csv", t.get(0).counts().get("source"));
        assertEquals(12L, t.get(1).counts().get("features"), "the WAVs read back from HDFS");
        FileSystem fs = dfs.getFileSystem();
        int wavs = 0;
        for (var files = fs.listFiles(new org.apache.hadoop.fs.Path(hdfs + "/demo-corpus/wav"), true); files.hasNext(); ) {
            wavs += files.next().getPath().getName().endsWith(".wav") ? 1 : 0;
        }
        assertEquals(12, wavs);
        assertFalse(Files.exists(Path.of("hdfs:")), "no local directory named after the URI scheme");
        long written = fs.getFileStatus(new org.apache.hadoop.fs.Path(hdfs + "/demo-corpus/manifest.csv")).getModificationTime();
        assertTrue(StageRunner.run(spark, demo, stages, false).stream().allMatch(StageRunner.StageTiming::skipped));
        // A forced re-run finds the corpus in place and does not write it again.
        StageRunner.run(spark, demo, stages.subList(0, 1), true);
        assertEquals(written, fs.getFileStatus(new org.apache.hadoop.fs.Path(hdfs + "/demo-corpus/manifest.csv"))
                .getModificationTime());
    }

    /** A RIFF/WAVE file with a fmt chunk and an empty data chunk. */
    private static byte[] emptyWav() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(16000).putInt(32000).putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(0);
        return b.array();
    }
}
