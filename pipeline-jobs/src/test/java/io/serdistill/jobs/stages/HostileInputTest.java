package io.serdistill.jobs.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.WavWriter;
import io.serdistill.config.SerConfig;
import io.serdistill.features.UtteranceFeatures;
import io.serdistill.jobs.StageRunner;
import io.serdistill.jobs.fs.FileSizes;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.Tables;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and paths a hostile or careless manifest can name: each costs its own row, which ends in the rejects with a
 * reason naming the file, never the stage, the executor or the run; valid audio under odd names is read.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // a FIFO that is opened blocks for ever
class HostileInputTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path manifest;
    static Path extra;
    static int lines;

    private static byte[] goodWav(Random random, double seconds) {
        float[] x = new float[(int) (seconds * 16000)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.3 * Math.sin(i * 0.07) + 0.1 * (random.nextDouble() * 2 - 1));
        }
        return WavWriter.pcm16(new AudioClip(x, 16000));
    }

    /** A WAV whose header declares {@code rate} and {@code length} bytes, with {@code head}'s samples then zeros. */
    private static void sparseWav(Path file, byte[] head, int rate, long length) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4, (int) Math.min(0xFFFF_FFFFL, length - 8)).putInt(24, rate).putInt(28, rate * 2)
                .putInt(40, (int) Math.min(0xFFFF_FFFFL, length - 44));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(head);
            raf.setLength(length); // sparse: no disk
        }
    }

    @BeforeAll
    static void corpus() throws Exception {
        Path dir = tmp.resolve("corpus");
        Files.createDirectories(dir.resolve("wav"));
        extra = Files.createDirectories(tmp.resolve("extra"));
        Path other = Files.createDirectories(tmp.resolve("other"));
        Random random = new Random(5);
        StringBuilder csv = new StringBuilder("utt_id,path,language,emotion,speaker,split\n");
        String[][] good = {{"g_train", "train"}, {"g_dev", "dev"}, {"g_test", "test"}};
        for (String[] g : good) {
            Files.write(dir.resolve("wav/" + g[0] + ".wav"), goodWav(random, 0.5));
            csv.append(g[0]).append(",wav/").append(g[0]).append(".wav,en,sad,spk_").append(g[1]).append(',')
                    .append(g[1]).append('\n');
        }
        Files.write(dir.resolve("clip:2.wav"), goodWav(random, 0.5));
        Files.write(extra.resolve("e.wav"), goodWav(random, 0.5));
        Files.write(other.resolve("o.wav"), goodWav(random, 0.5));
        // A valid WAV with a stale Hadoop checksum beside it: written through the checksummed FileSystem, then
        // replaced by another tool.
        LocalFileSystem local = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration());
        try (OutputStream o = local.create(new org.apache.hadoop.fs.Path(dir.resolve("crc.wav").toUri()), true)) {
            o.write(goodWav(random, 0.3));
        }
        assertTrue(Files.exists(dir.resolve(".crc.wav.crc")));
        Files.write(dir.resolve("crc.wav"), goodWav(random, 0.5));
        sparseWav(dir.resolve("rate31m.wav"), goodWav(random, 0.1), 31_000_001, 3_200_000);
        sparseWav(dir.resolve("rate1.wav"), goodWav(random, 0.1), 1, 100_000);
        sparseWav(dir.resolve("huge.wav"), goodWav(random, 1.0), 16000, 3L << 30);
        Files.createDirectories(dir.resolve("dir.wav"));
        assertEquals(0, new ProcessBuilder("mkfifo", dir.resolve("fifo.wav").toString()).start().waitFor());
        Files.createSymbolicLink(dir.resolve("zero.wav"), Path.of("/dev/zero"));
        Files.writeString(dir.resolve("passwd.wav"), "root:x:0:0:root:/root:/bin/bash\n");
        String[][] rows = {
                {"colon", "clip:2.wav"}, {"colon_missing", "clip:1.wav"}, {"crc", "crc.wav"},
                {"rate31m", "rate31m.wav"}, {"rate1", "rate1.wav"}, {"huge", "huge.wav"}, {"dir", "dir.wav"},
                {"fifo", "fifo.wav"}, {"zero", "zero.wav"}, {"passwd_copy", "passwd.wav"},
                {"s3a", "s3a://bucket/a.wav"}, {"http", "http://localhost:1/a.wav"},
                {"dotdot", "../../../../../../../../etc/passwd"}, {"etc", "/etc/passwd"},
                {"extra", extra.resolve("e.wav").toString()}, {"other", other.resolve("o.wav").toString()}};
        for (String[] r : rows) {
            csv.append(r[0]).append(',').append(r[1]).append(",en,sad,spk_train,train\n");
        }
        manifest = dir.resolve("manifest.csv");
        Files.writeString(manifest, csv, StandardCharsets.UTF_8);
        lines = good.length + rows.length;
        spark = SparkSession.builder().master("local[2]").appName("HostileInputTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static SerConfig config(String run) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", run);
        o.put("ser.output.root", tmp.resolve("runs").toUri().toString());
        o.put("ser.input.manifest", manifest.toUri().toString());
        o.put("ser.input.allowed-roots", "[\"" + extra + "\"]");
        o.put("ser.audio.max-seconds", "2");
        o.put("ser.features.partitions", "3");
        o.put("ser.features.fbank.num-mel-bins", "23");
        return SerConfig.load(List.of(), o);
    }

    private static Map<String, Object> runStages(SerConfig config, Stage... stages) throws Exception {
        List<StageRunner.StageTiming> t = StageRunner.run(spark, config, List.of(stages), true);
        return t.get(t.size() - 1).counts();
    }

    @Test
    void everyHostileRowEndsInTheRejectsWithItsReasonAndEveryValidFileIsRead() throws Exception {
        runStages(config("hostile"), new ManifestStage(), new ExtractStage());
        Map<String, String> outcome = new TreeMap<>();
        Map<String, String> message = new TreeMap<>();
        for (String stage : List.of("manifest", "extract")) {
            for (Row r : spark.read().parquet(tmp.resolve("runs/hostile/rejects/stage=" + stage).toUri().toString())
                    .select("utt_id", "reason", "message").collectAsList()) {
                outcome.put(r.getString(0), stage + " " + r.getString(1));
                message.put(r.getString(0), r.getString(2));
            }
        }
        Map<String, Double> seconds = new TreeMap<>();
        for (Row r : spark.read().parquet(tmp.resolve("runs/hostile/features/fbank").toUri().toString())
                .select("utt_id", "duration_s").collectAsList()) {
            outcome.put(r.getString(0), "features");
            seconds.put(r.getString(0), r.getDouble(1));
        }
        Map<String, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("g_train", "features"), Map.entry("g_dev", "features"), Map.entry("g_test", "features"),
                Map.entry("colon", "features"), Map.entry("crc", "features"), Map.entry("huge", "features"),
                Map.entry("extra", "features"),
                Map.entry("colon_missing", "extract MISSING_FILE"),
                Map.entry("rate31m", "extract UNSUPPORTED_SAMPLE_RATE"),
                Map.entry("rate1", "extract UNSUPPORTED_SAMPLE_RATE"),
                Map.entry("dir", "extract NOT_A_FILE"), Map.entry("fifo", "extract NOT_A_FILE"),
                Map.entry("zero", "extract NOT_A_FILE"), Map.entry("passwd_copy", "extract NOT_WAV"),
                Map.entry("s3a", "manifest UNSUPPORTED_SCHEME"), Map.entry("http", "manifest UNSUPPORTED_SCHEME"),
                Map.entry("dotdot", "manifest OUTSIDE_ROOTS"), Map.entry("etc", "manifest OUTSIDE_ROOTS"),
                Map.entry("other", "manifest OUTSIDE_ROOTS")));
        assertEquals(expected, outcome);
        assertEquals(lines, outcome.size(), "every manifest row is accounted for");

        assertEquals(2.0, seconds.get("huge"), 1e-9, "a 3 GB file is read only as far as max-seconds");
        assertTrue(message.get("rate31m").contains("31000001 Hz"), message.get("rate31m"));
        assertTrue(message.get("rate1").contains(" 1 Hz"), message.get("rate1"));
        assertTrue(message.get("fifo").contains("fifo.wav") && message.get("fifo").contains("not a regular file"),
                message.get("fifo"));
        assertTrue(message.get("dir").contains("is a directory"), message.get("dir"));
        assertTrue(message.get("colon_missing").contains("clip:1.wav"), message.get("colon_missing"));
        assertTrue(message.get("s3a").contains("s3a") && message.get("s3a").contains("S3AFileSystem"),
                message.get("s3a"));
        assertTrue(message.get("http").contains("http://localhost:1/a.wav"), message.get("http"));
        assertTrue(message.get("dotdot").contains("../etc/passwd") && message.get("dotdot").contains("ser.input.allowed-roots"),
                message.get("dotdot"));
        assertTrue(message.get("passwd_copy").contains("72 6F 6F 74"), message.get("passwd_copy"));
        for (String m : message.values()) {
            assertFalse(m.contains("root:") || m.contains("/bin/bash"), "no file content in messages: " + m);
        }
    }

    private static Row manifestRow(String path) {
        return new GenericRowWithSchema(new Object[] {"u1", 2L, path, "en", "sad", 3, "spk", "train", "", ""},
                Tables.MANIFEST);
    }

    private static String reason(Row r) {
        return r.getString(ExtractStage.RESULT.fieldIndex("reason"));
    }

    private static String message(Row r) {
        return r.getString(ExtractStage.RESULT.fieldIndex("message"));
    }

    @Test
    void aRowsPathProblemsAreItsRejectInTheTaskToo() {
        ExtractStage.Settings settings = ExtractStage.Settings.of(config("unit"));
        Configuration conf = new Configuration();
        Row s3a = ExtractStage.extractOne(manifestRow("s3a://bucket/a.wav"), settings.preparer(), settings.features(),
                settings, conf);
        assertEquals("UNSUPPORTED_SCHEME", reason(s3a));
        assertTrue(message(s3a).contains("s3a://bucket/a.wav") && message(s3a).contains("S3AFileSystem"), message(s3a));
        Row http = ExtractStage.extractOne(manifestRow("https://example.org/a.wav"), settings.preparer(),
                settings.features(), settings, conf);
        assertEquals("UNSUPPORTED_SCHEME", reason(http));
        Row bogus = ExtractStage.extractOne(manifestRow("bogus://x/a.wav"), settings.preparer(), settings.features(),
                settings, conf);
        assertEquals("UNSUPPORTED_SCHEME", reason(bogus));
        assertTrue(message(bogus).contains("bogus"), message(bogus));
        Row relative = ExtractStage.extractOne(manifestRow("clip:1.wav"), settings.preparer(), settings.features(),
                settings, conf);
        assertEquals("MISSING_FILE", reason(relative));
        assertTrue(message(relative).contains("clip:1.wav"), message(relative));
    }

    /** An extractor that fails with {@code t} (an Error or RuntimeException) on every clip. */
    private static UtteranceFeatures throwing(Throwable t) {
        return new UtteranceFeatures() {
            @Override
            public String kind() {
                return "fbank";
            }

            @Override
            public Extracted extract(float[] samples) {
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            }
        };
    }

    @Test
    void anErrorWhileExtractingOneRowIsThatRowsRejectButALinkageErrorFailsTheTask() {
        ExtractStage.Settings settings = ExtractStage.Settings.of(config("unit"));
        Configuration conf = new Configuration();
        String good = tmp.resolve("corpus/wav/g_train.wav").toUri().toString();
        List<Throwable> thrown = List.of(new OutOfMemoryError("Java heap space"), new StackOverflowError(),
                new IllegalStateException("bug"));
        for (Throwable t : thrown) {
            UtteranceFeatures failing = throwing(t);
            Row out = ExtractStage.extractOne(manifestRow(good), settings.preparer(), failing, settings, conf);
            assertEquals("EXTRACTION_FAILED", reason(out), t.toString());
            assertTrue(message(out).contains(t.getClass().getSimpleName()) && message(out).contains("g_train.wav"),
                    message(out));
        }
        UtteranceFeatures broken = throwing(new UnsatisfiedLinkError("no native library"));
        assertThrows(UnsatisfiedLinkError.class,
                () -> ExtractStage.extractOne(manifestRow(good), settings.preparer(), broken, settings, conf));
    }

    @Test
    void fileSizesOnTheDriverNeverFailForABadPath() {
        String good = tmp.resolve("corpus/wav/g_train.wav").toUri().toString();
        long[] sizes = FileSizes.of(new ArrayList<>(List.of(good, "clip:1.wav", "s3a://bucket/a.wav",
                "http://localhost:1/a.wav", "bogus://x/y.wav", "file:/nowhere/a.wav")), new Configuration());
        assertTrue(sizes[0] > 0);
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L), java.util.Arrays.stream(sizes).skip(1).boxed().toList());
    }
}
