package io.serdistill.jobs.stages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.audio.AudioClip;
import io.serdistill.audio.SampleFormat;
import io.serdistill.audio.WavWriter;
import io.serdistill.config.SerConfig;
import io.serdistill.features.FloatBlob;
import io.serdistill.jobs.StageRunner;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.Tables;
import io.serdistill.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extract stage on a small local corpus holding one file of each unusable kind: every row ends in features or
 * in rejects with its reason, re-running gives the same tables, and the normalisation options do what they say.
 */
class ExtractStageTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path manifest;
    static final int GOOD = 6;

    @BeforeAll
    static void corpus() throws Exception {
        Path dir = tmp.resolve("corpus");
        Files.createDirectories(dir.resolve("wav"));
        StringBuilder csv = new StringBuilder("utt_id,path,language,emotion,speaker,split\n");
        Random random = new Random(3);
        String[] splits = {"train", "train", "train", "train", "dev", "test"};
        for (int i = 0; i < GOOD; i++) {
            // Different lengths, so partitions get different byte counts to balance.
            Files.write(dir.resolve("wav/good" + i + ".wav"), WavWriter.pcm16(noise(random, 0.3 + 0.2 * i, 0.3)));
            csv.append("good").append(i).append(",wav/good").append(i).append(".wav,en,")
                    .append(List.of("neutral", "happy", "angry", "sad").get(i % 4)).append(",spk_").append(splits[i]).append(i % 2)
                    .append(',').append(splits[i]).append('\n');
        }
        Files.write(dir.resolve("wav/short.wav"), WavWriter.pcm16(noise(random, 0.05, 0.3)));
        Files.write(dir.resolve("wav/silent.wav"), WavWriter.pcm16(new AudioClip(new float[8000], 16000)));
        AudioClip nan = noise(random, 0.5, 0.3);
        nan.samples()[100] = Float.NaN;
        Files.write(dir.resolve("wav/nan.wav"), WavWriter.write(nan, SampleFormat.FLOAT32));
        byte[] adpcm = WavWriter.pcm16(noise(random, 0.5, 0.3));
        adpcm[20] = 2; // format tag 0x0002: Microsoft ADPCM
        Files.write(dir.resolve("wav/adpcm.wav"), adpcm);
        byte[] whole = WavWriter.pcm16(noise(random, 0.5, 0.3));
        // Cut inside the fmt chunk (a cut inside the data chunk still decodes what is there).
        Files.write(dir.resolve("wav/truncated.wav"), java.util.Arrays.copyOf(whole, 30));
        Files.writeString(dir.resolve("wav/notes.wav"), "not audio\n");
        for (String bad : List.of("short", "silent", "nan", "adpcm", "truncated", "notes", "missing")) {
            csv.append(bad).append(",wav/").append(bad).append(".wav,en,sad,spk9,train\n");
        }
        csv.append("french,wav/good0.wav,fr,sad,spk8,train\n");
        manifest = dir.resolve("manifest.csv");
        Files.writeString(manifest, csv, StandardCharsets.UTF_8);
        spark = SparkSession.builder().master("local[1]").appName("ExtractStageTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static AudioClip noise(Random random, double seconds, double amplitude) {
        float[] x = new float[(int) (seconds * 16000)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (amplitude * (0.5 * Math.sin(i * 0.07) + 0.5 * (random.nextDouble() * 2 - 1)));
        }
        return new AudioClip(x, 16000);
    }

    private static SerConfig config(String run, Map<String, String> extra) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", run);
        o.put("ser.output.root", tmp.resolve("runs").toUri().toString());
        o.put("ser.input.manifest", manifest.toUri().toString());
        o.put("ser.features.partitions", "3");
        o.put("ser.features.fbank.num-mel-bins", "23");
        o.putAll(extra);
        return SerConfig.load(List.of(), o);
    }

    private static Map<String, Object> runStages(SerConfig config, Stage... stages) throws Exception {
        List<StageRunner.StageTiming> t = StageRunner.run(spark, config, List.of(stages), true);
        return t.get(t.size() - 1).counts();
    }

    private static Dataset<Row> table(String run, String relative) {
        return spark.read().parquet(tmp.resolve("runs").resolve(run).resolve(relative).toUri().toString());
    }

    private static double audioSeconds(Dataset<Row> features) {
        return features.agg(org.apache.spark.sql.functions.sum("duration_s")).first().getDouble(0);
    }

    @Test
    void everyUnusableFileIsRejectedWithItsReasonAndRerunningChangesNothing() throws Exception {
        // The manifest accepts fr; extraction then runs with en only, so the fr row is caught there.
        runStages(config("reasons", Map.of()), new ManifestStage());
        SerConfig enOnly = config("reasons", Map.of("ser.input.languages", "[en]"));
        Map<String, Object> first = runStages(enOnly, new ExtractStage());
        Map<String, String> reasonById = new HashMap<>();
        for (Row r : table("reasons", "rejects/stage=extract").select("utt_id", "reason").collectAsList()) {
            reasonById.put(r.getString(0), r.getString(1));
        }
        assertEquals(Map.of("short", "TOO_SHORT", "silent", "SILENT", "nan", "NON_FINITE",
                "adpcm", "UNSUPPORTED_FORMAT", "truncated", "UNREADABLE", "notes", "NOT_WAV", "missing", "MISSING_FILE",
                "french", "UNKNOWN_LANGUAGE"), reasonById);
        assertEquals((long) GOOD, first.get("features"));
        assertEquals(8L, first.get("rejected"));
        assertEquals(3, first.get("partitions"));

        Map<String, Object> second = runStages(enOnly, new ExtractStage());
        assertEquals(first.get("features"), second.get("features"));
        assertEquals(first.get("rejected"), second.get("rejected"));
        Dataset<Row> features = table("reasons", "features/fbank");
        assertEquals(GOOD, features.count(), "no duplicates after a re-run");
        assertEquals(GOOD, features.select("utt_id").distinct().count());
        assertEquals(8, table("reasons", "rejects/stage=extract").count());
        assertEquals(audioSeconds(features), (double) second.get("audio_seconds"), 1e-9);
        assertFalse(Files.exists(tmp.resolve("runs/reasons/features/fbank_stats.json")));
    }

    @Test
    void globalNormalisationUsesTrainFramesAndStoresTheStats() throws Exception {
        SerConfig c = config("global", Map.of("ser.features.normalize", "global"));
        Map<String, Object> counts = runStages(c, new ManifestStage(), new ExtractStage());
        // Global CMVN reads the features twice (statistics, then the write): each of the seven unusable files is
        // still rejected once (fr is a configured language here), and each utterance's audio counted once.
        Dataset<Row> rejects = table("global", "rejects/stage=extract");
        assertEquals(7, rejects.count());
        assertEquals(7, rejects.select("row").distinct().count());
        assertEquals(7L, counts.get("rejected"));
        assertEquals(audioSeconds(table("global", "features/fbank")), (double) counts.get("audio_seconds"), 1e-9);
        Path statsFile = tmp.resolve("runs/global/features/fbank_stats.json");
        JsonNode stats = Json.object(Files.readString(statsFile));
        Dataset<Row> features = table("global", "features/fbank");
        long trainFrames = features.filter("split = 'train'").agg(org.apache.spark.sql.functions.sum("num_frames"))
                .first().getLong(0);
        assertEquals(trainFrames, stats.get("frames").longValue());
        assertEquals(23, stats.get("mean").size());
        // Normalised train frames: every column has mean 0 and variance 1.
        double[] sum = new double[23];
        double[] sumSq = new double[23];
        long n = 0;
        for (Row r : features.filter("split = 'train'").select("frames").collectAsList()) {
            float[] f = FloatBlob.decode(r.getAs(0));
            for (int i = 0; i < f.length; i++) {
                sum[i % 23] += f[i];
                sumSq[i % 23] += f[i] * f[i];
            }
            n += f.length / 23;
        }
        for (int c2 = 0; c2 < 23; c2++) {
            assertEquals(0.0, sum[c2] / n, 1e-3, "column " + c2 + " mean");
            assertEquals(1.0, sumSq[c2] / n, 1e-2, "column " + c2 + " variance");
        }
        // Pooled statistics come from the raw frames: their means are log-energies, far from 0.
        Row pooledRow = features.select("pooled").first();
        assertTrue(Math.abs(((Number) pooledRow.getList(0).get(0)).doubleValue()) > 1.0);

        // Switching normalisation off and re-running removes the stale statistics.
        runStages(config("global", Map.of()), new ExtractStage());
        assertFalse(Files.exists(statsFile));
    }

    @Test
    void utteranceNormalisationCentresEachUtterance() throws Exception {
        SerConfig c = config("utterance", Map.of("ser.features.normalize", "utterance",
                "ser.features.normalize-variance", "false"));
        runStages(c, new ManifestStage(), new ExtractStage());
        for (Row r : table("utterance", "features/fbank").select("frames", "dim").collectAsList()) {
            float[] f = FloatBlob.decode(r.getAs(0));
            int dim = r.getInt(1);
            double[] mean = new double[dim];
            for (int i = 0; i < f.length; i++) {
                mean[i % dim] += f[i] / (double) (f.length / dim);
            }
            assertArrayEquals(new double[dim], mean, 1e-3);
        }
    }

    @Test
    void aLabelOutsideTheFourClassesIsRejectedBeforeReadingAudio() {
        SerConfig c = config("unit", Map.of());
        ExtractStage.Settings settings = ExtractStage.Settings.of(c);
        Row m = new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[] {"u1", 2L,
                "file:/nowhere.wav", "en", "bored", 7, "spk", "train", "", ""}, Tables.MANIFEST);
        Row out = ExtractStage.extractOne(m, settings.preparer(), settings.features(), settings,
                new org.apache.hadoop.conf.Configuration());
        assertEquals("UNKNOWN_LABEL", out.getString(ExtractStage.RESULT.fieldIndex("reason")));
    }

    @Test
    void theInvariantFailureNamesTheCounts() {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ExtractStage.requireEveryRowAccountedFor(10, 6, 3));
        assertTrue(e.getMessage().contains("10 manifest rows in") && e.getMessage().contains("6 feature rows")
                && e.getMessage().contains("3 rejects") && e.getMessage().contains("difference 1"), e.getMessage());
        ExtractStage.requireEveryRowAccountedFor(10, 7, 3);
    }
}
