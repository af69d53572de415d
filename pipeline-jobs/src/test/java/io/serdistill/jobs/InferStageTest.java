package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.ChannelMode;
import io.serdistill.audio.WavDecoder;
import io.serdistill.audio.WavWriter;
import io.serdistill.config.SerConfig;
import io.serdistill.jobs.stages.InferStage;
import io.serdistill.packaging.ModelPackage;
import io.serdistill.packaging.PackageScorer;
import io.serdistill.packaging.Prediction;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The infer stage on the shared demo run's default package: three demo WAVs, one missing file and one 20 s
 * recording made of demo WAVs; every row ends as a file prediction or a reject, the long recording gets windows and
 * their aggregate (the same segments and probabilities as {@code ser predict} gives it), a short file the
 * probabilities {@code ser predict} gives, and a second run the same rows.
 */
class InferStageTest {
    static DemoRun run;
    static SparkSession spark;
    static Path runDir;
    static Path work;
    static SerConfig config;
    static List<Path> wavs;
    static List<StageRunner.StageTiming> first;

    @BeforeAll
    static void infer() throws Exception {
        run = DemoRun.get();
        spark = DemoRun.spark();
        runDir = Path.of(java.net.URI.create(run.runDir(DemoRun.RUN_ID)));
        work = Files.createTempDirectory("ser-infer");
        Path corpus = run.dir.resolve("corpus");
        try (var files = Files.walk(corpus.resolve("wav"))) {
            wavs = files.filter(p -> p.toString().endsWith(".wav")).sorted().limit(12).toList();
        }
        // A recording of at least 20 s: demo WAVs one after another.
        List<float[]> parts = new ArrayList<>();
        int rate = 0;
        int total = 0;
        for (int i = 0; total < 20.5 * Math.max(rate, 1) || rate == 0; i = (i + 1) % wavs.size()) {
            AudioClip c = WavDecoder.decode(Files.readAllBytes(wavs.get(i)), ChannelMode.DOWNMIX);
            rate = c.sampleRate();
            parts.add(c.samples());
            total += c.samples().length;
        }
        float[] joined = new float[total];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, joined, at, p.length);
            at += p.length;
        }
        Files.write(work.resolve("long.wav"), WavWriter.pcm16(new AudioClip(joined, rate)));
        // Only path is required; utt_id is given for some rows. The demo WAVs lie under an allowed root.
        Files.writeString(work.resolve("new-audio.csv"), String.join("\n", "path,utt_id,note",
                wavs.get(0) + ",a0,x", wavs.get(1) + ",,y", wavs.get(2) + ",a2,z",
                "missing.wav,gone,w", "long.wav,long,v") + "\n");
        config = run.config(Map.of("ser.run.id", "infer-a",
                "ser.input.allowed-roots", "[\"" + corpus.toUri() + "\"]",
                "ser.infer.model", runDir.toString(),
                "ser.infer.manifest", work.resolve("new-audio.csv").toString(),
                "ser.infer.output", "file://" + work.resolve("inference"),
                "ser.infer.partitions", "2"));
        first = StageRunner.run(spark, config, List.of(new InferStage()), false);
    }

    static Dataset<Row> predictions() {
        return spark.read().parquet(InferStage.predictions(config.infer(), "infer-a"));
    }

    static Dataset<Row> rejects() {
        return spark.read().parquet(InferStage.rejects(config.infer(), "infer-a"));
    }

    @Test
    void everyRowIsAFilePredictionOrAReject() {
        long files = predictions().filter("level = 'file'").count();
        List<Row> rejected = rejects().collectAsList();
        assertEquals(4, files);
        assertEquals(1, rejected.size());
        assertEquals(5, files + rejected.size());
        assertEquals("MISSING_FILE", rejected.get(0).getAs("reason"));
        assertEquals("gone", rejected.get(0).getAs("utt_id"));
        assertEquals(3L, rejected.get(0).<Long>getAs("row"));
        Map<String, Object> counts = first.get(0).counts();
        assertEquals(5L, counts.get("rows"));
        assertEquals(4L, counts.get("files"));
        assertEquals(1L, counts.get("rejected"));
        // A row without utt_id is named by its path.
        assertEquals(1, predictions().filter("level = 'file' AND utt_id = '" + wavs.get(1) + "'").count());
    }

    @Test
    void theLongRecordingHasWindowsAndOneSpeechWeightedAggregate() {
        List<Row> segments = predictions().filter("utt_id = 'long' AND level = 'segment'").orderBy("segment")
                .collectAsList();
        List<Row> file = predictions().filter("utt_id = 'long' AND level = 'file'").collectAsList();
        assertEquals(1, file.size());
        assertTrue(segments.size() >= 4, "8 s windows every 4 s over >= 20 s: " + segments.size());
        assertEquals(segments.size(), file.get(0).<Integer>getAs("num_segments"));
        assertEquals(0.0, segments.get(0).<Double>getAs("start_s"));
        assertEquals(8.0, segments.get(0).<Double>getAs("end_s"), 1e-9);
        assertEquals(4.0, segments.get(1).<Double>getAs("start_s"), 1e-9);
        assertEquals(file.get(0).<Double>getAs("end_s"), segments.get(segments.size() - 1).<Double>getAs("end_s"), 1e-9);
        assertFalse(file.get(0).<Boolean>getAs("cut"));
        Map<String, Double> aggregate = file.get(0).getJavaMap(file.get(0).fieldIndex("probabilities"));
        double weight = 0;
        for (Row s : segments) {
            weight += s.<Double>getAs("speech_s");
        }
        for (String c : aggregate.keySet()) {
            double mean = 0;
            for (Row s : segments) {
                mean += s.<Double>getAs("speech_s") * s.<String, Double>getJavaMap(s.fieldIndex("probabilities")).get(c);
            }
            assertEquals(mean / weight, aggregate.get(c), 1e-9, c);
        }
    }

    @Test
    void aShortFileGetsThePredictPathsProbabilities() throws Exception {
        PackageScorer scorer = ModelPackage.open(ModelPackage.resolve(runDir)).scorer(Optional.empty());
        Row r = predictions().filter("utt_id = 'a0' AND level = 'file'").collectAsList().get(0);
        assertEquals(scorer.card().name(), r.getAs("model"));
        assertEquals(1, r.<Integer>getAs("num_segments"));
        Prediction p;
        try (InputStream in = Files.newInputStream(wavs.get(0))) {
            p = scorer.predict("a0", in, Files.size(wavs.get(0)));
        }
        Map<String, Double> got = r.getJavaMap(r.fieldIndex("probabilities"));
        assertEquals(p.classes(), new ArrayList<>(got.keySet()));
        for (int c = 0; c < p.classes().size(); c++) {
            assertEquals(p.probabilities()[c], got.get(p.classes().get(c)), 1e-5, p.classes().get(c));
        }
        assertEquals(p.label(), r.getAs("predicted"));
        assertEquals(0, predictions().filter("utt_id = 'a0' AND level = 'segment'").count());
    }

    @Test
    void predictGivesTheLongRecordingInfersSegmentsAndAggregate() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.serdistill.predict.PredictCli.run(new String[] {"--model", runDir.toString(), "--json",
                work.resolve("long.wav").toString()}, new java.io.PrintStream(out, true, "UTF-8"),
                new java.io.PrintStream(err, true, "UTF-8"));
        assertEquals(0, code, err.toString("UTF-8"));
        com.fasterxml.jackson.databind.JsonNode line = io.serdistill.json.Json.object(out.toString("UTF-8").trim());
        List<Row> segments = predictions().filter("utt_id = 'long' AND level = 'segment'").orderBy("segment")
                .collectAsList();
        Row file = predictions().filter("utt_id = 'long' AND level = 'file'").collectAsList().get(0);
        assertTrue(segments.size() >= 4, segments.toString());
        assertEquals(segments.size(), line.path("num_segments").asInt());
        for (int i = 0; i < segments.size(); i++) {
            Row s = segments.get(i);
            com.fasterxml.jackson.databind.JsonNode p = line.path("segments").get(i);
            assertEquals(s.<Double>getAs("start_s"), p.path("start_s").asDouble(), 1e-9);
            assertEquals(s.<Double>getAs("end_s"), p.path("end_s").asDouble(), 1e-9);
            assertEquals(s.<String>getAs("predicted"), p.path("predicted").asText());
            Map<String, Double> want = s.getJavaMap(s.fieldIndex("probabilities"));
            for (Map.Entry<String, Double> c : want.entrySet()) {
                assertEquals(c.getValue(), p.path("probabilities").path(c.getKey()).asDouble(Double.NaN), 1e-5,
                        "segment " + i + " " + c.getKey());
            }
        }
        Map<String, Double> aggregate = file.getJavaMap(file.fieldIndex("probabilities"));
        for (Map.Entry<String, Double> c : aggregate.entrySet()) {
            assertEquals(c.getValue(), line.path("probabilities").path(c.getKey()).asDouble(Double.NaN), 1e-5,
                    c.getKey());
        }
        assertEquals(file.<String>getAs("predicted"), line.path("predicted").asText());
        assertEquals(file.<Double>getAs("speech_s"), line.path("speech_s").asDouble(), 1e-9);
    }

    @Test
    void aSecondRunReplacesItsRows() throws Exception {
        List<String> before = rows();
        List<StageRunner.StageTiming> again = StageRunner.run(spark, config, List.of(new InferStage()), true);
        assertFalse(again.get(0).skipped());
        assertEquals(before, rows());
        assertEquals(1, rejects().count());
        // Unchanged inputs: the marker holds, nothing runs.
        assertTrue(StageRunner.run(spark, config, List.of(new InferStage()), false).get(0).skipped());
    }

    static List<String> rows() {
        return predictions().orderBy("row", "level", "segment").collectAsList().stream().map(Row::toString).toList();
    }
}
