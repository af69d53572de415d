package io.serdistill.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.fs.AudioListing;
import io.serdistill.jobs.fs.FileSizes;
import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.jobs.run.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tasks' packing is the driver's: over a manifest in shuffled order and several partitions, each bin becomes
 * one partition holding its rows in sequence (language, split, then the manifest's own order), as
 * {@link SizeBalancer} packs the collected sizes; with LPT off (as above {@link SizePacking#LPT_MAX_ROWS} rows) the
 * contiguous runs. The distributed audio identity is the driver's too.
 */
class SizePackingTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static JavaSparkContext jsc;
    static Broadcast<HadoopConf> hadoop;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("SizePackingTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "3").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        hadoop = jsc.broadcast(new HadoopConf(new Configuration()));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** {@code n} manifest rows over files of the given byte sizes (cycled), some files missing, in shuffled order. */
    static List<Row> manifest(Path dir, int n, int[] fileBytes, long seed) throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        List<Row> rows = new ArrayList<>();
        String[] languages = {"fi", "en", "fr"};
        String[] splits = {"train", "dev", "test", "train"};
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve((i % 2 == 0 ? "a/" : "b/") + "f" + (i % (fileBytes.length + 1)) + ".wav");
            int k = i % (fileBytes.length + 1);
            if (k < fileBytes.length && !Files.exists(f)) {
                Files.write(f, new byte[fileBytes[k]]);
            } // k == fileBytes.length: a missing file, size 0
            rows.add(new GenericRowWithSchema(new Object[] {"u" + i, (long) i, f.toUri().toString(),
                    languages[(i * 7) % 3], "happy", 1, "s", splits[(i * 5) % 4], "demo", ""}, Tables.MANIFEST));
        }
        Collections.shuffle(rows, new Random(seed));
        return rows;
    }

    static List<List<String>> expected(List<Row> rows, SizeBalancer.Assignment a) {
        return a.groups(sorted(rows).stream().map(r -> r.<String>getAs("utt_id")).toList());
    }

    /** The sequence: by language and split, then in the manifest's order (a stable sort). */
    static List<Row> sorted(List<Row> rows) {
        List<Row> out = new ArrayList<>(rows);
        out.sort(Comparator.<Row, String>comparing(r -> r.getAs("language")).thenComparing(r -> r.<String>getAs("split")));
        return out;
    }

    /** {@code rows} as a manifest of {@code partitions} partitions, in list order. */
    static Dataset<Row> dataset(List<Row> rows, int partitions) {
        return spark.createDataFrame(jsc.parallelize(rows, partitions), Tables.MANIFEST);
    }

    static long[] sizes(List<Row> rows) {
        return FileSizes.of(sorted(rows).stream().map(r -> r.<String>getAs("path")).toList(), new Configuration());
    }

    static List<List<String>> packed(SizePacking.Packed p) {
        return p.rows().map(r -> r.<String>getAs("utt_id")).glom().collect();
    }

    @Test
    void eachBinIsOnePartitionInOrderAsTheDriverWouldPackIt() throws Exception {
        Random random = new Random(5);
        int[] bytes = new int[23];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = 1_000 + random.nextInt(30_000);
        }
        List<Row> rows = manifest(tmp.resolve("many"), 500, bytes, 1);
        Dataset<Row> manifest = dataset(rows, 4);
        long[] sizes = sizes(rows);

        SizePacking.Packed lpt = SizePacking.pack(jsc, manifest, 7, hadoop, SizePacking.LPT_MAX_ROWS);
        SizeBalancer.Assignment driver = SizeBalancer.contiguousIfBalanced(sizes, 7);
        assertEquals(500, lpt.rowsIn());
        assertEquals(7, lpt.partitions());
        assertEquals(java.util.Arrays.stream(sizes).sum(), lpt.bytes());
        assertEquals(expected(rows, driver), packed(lpt));
        assertEquals(driver.imbalance(), lpt.imbalance(), 1e-12);
        // Rows keep the manifest's schema, values and all.
        Row one = lpt.rows().filter(r -> r.<String>getAs("utt_id").equals("u42")).collect().get(0);
        assertEquals(42L, one.<Long>getAs("row"));
        assertEquals(rows.stream().filter(r -> r.getAs("utt_id").equals("u42")).findFirst().orElseThrow(), one);
        lpt.release();

        SizePacking.Packed runs = SizePacking.pack(jsc, manifest, 7, hadoop, 0);
        SizeBalancer.Assignment contiguous = SizeBalancer.contiguous(sizes, 7);
        assertEquals(expected(rows, contiguous), packed(runs));
        // Without the sizes the driver knows a bound: within one file of the mean bin.
        long largest = java.util.Arrays.stream(sizes).max().orElseThrow();
        double mean = java.util.Arrays.stream(sizes).sum() / 7.0;
        assertEquals(1 + largest / mean, runs.imbalance(), 1e-12);
        assertTrue(contiguous.imbalance() <= runs.imbalance(), contiguous.imbalance() + " vs " + runs.imbalance());
        runs.release();
    }

    @Test
    void fewLargeFilesFallBackToLptAndNeverMoreBinsThanRows() throws Exception {
        // Sequence 10, {10, 30}, 10 (k): the runs give 30 + 10 | 10 + 10 or 10 + 10 | 30 + 10 at best; LPT 30 | 10 + 10 + 10.
        List<Row> rows = manifest(tmp.resolve("few"), 4, new int[] {10_000, 10_000, 10_000, 30_000}, 2);
        long[] sizes = sizes(rows);
        Dataset<Row> manifest = dataset(rows, 2);
        SizePacking.Packed p = SizePacking.pack(jsc, manifest, 2, hadoop, SizePacking.LPT_MAX_ROWS);
        assertTrue(SizeBalancer.contiguous(sizes, 2).imbalance() > SizeBalancer.assign(sizes, 2).imbalance() + 0.02);
        assertEquals(expected(rows, SizeBalancer.assign(sizes, 2)), packed(p));
        p.release();
        SizePacking.Packed capped = SizePacking.pack(jsc, manifest, 16, hadoop, SizePacking.LPT_MAX_ROWS);
        assertEquals(4, capped.partitions());
        assertEquals(expected(rows, SizeBalancer.contiguousIfBalanced(sizes, 4)), packed(capped));
        assertEquals(4, packed(capped).stream().mapToInt(List::size).sum());
        capped.release();
    }

    @Test
    void theTasksAudioIdentityIsTheDriversAndSeesAChangedFile() throws Exception {
        List<Row> rows = manifest(tmp.resolve("id"), 40, new int[] {100, 200, 300}, 3);
        Dataset<Row> manifest = dataset(rows, 3);
        List<String> paths = rows.stream().map(r -> r.<String>getAs("path")).toList();
        var driver = AudioListing.identity(paths, new Configuration());
        var tasks = AudioIdentity.of(jsc, manifest, new HadoopConf(new Configuration()));
        assertEquals(driver, tasks);
        assertEquals("4", tasks.get("audio_files"), "3 files and a missing one");
        Files.write(tmp.resolve("id/a/f0.wav"), new byte[101]);
        assertTrue(!tasks.equals(AudioIdentity.of(jsc, manifest, new HadoopConf(new Configuration()))));
    }
}
