package io.serdistill.jobs.spark;

import io.serdistill.jobs.fs.FileSizes;
import io.serdistill.jobs.fs.HadoopConf;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Extract's size-balanced partitions computed by the tasks, so no manifest row and no file listing reaches the
 * driver. The rows are laid out by (language, split) group, in group order, and within a group in the manifest's own
 * order (its partitions in turn, each in the order it is read); that sequence is cut as {@link SizeBalancer} cuts
 * it on one machine ({@link SizeBalancer#contiguousIfBalanced}), file bytes standing in for duration. A task then
 * writes one or two language/split files.
 *
 * <p>Spark jobs: one, in which each task looks up its rows' file sizes ({@link FileSizes.Lookup}, one listing per
 * directory per task) and returns a row count and a byte sum per group it holds; from these the driver knows where
 * every (group, partition) run starts on the cumulative-size axis, so each row's place, and its bin
 * ({@link SizeBalancer#contiguousBin}), follows as the rows stream past. With at most {@link #LPT_MAX_ROWS} rows
 * that job also returns the sizes alone (8 bytes a row, no row data), so that a few large files that would make the
 * runs lopsided are LPT-packed instead, as contiguousIfBalanced does; above, the runs are taken (within one file of
 * the mean, a small share of a bin at that many rows). Then the extraction job shuffles the rows (the manifest's short
 * columns) to their bins: bin i is partition i, its rows in the sequence's order.
 */
public final class SizePacking {
    /** Manifests up to this many rows may be LPT-packed (their sizes, 800 KB at most, come to the driver). */
    public static final int LPT_MAX_ROWS = 100_000;

    private SizePacking() {}

    /**
     * The packed manifest.
     *
     * @param rows       the manifest's rows, partition i holding bin i in the sequence's order
     * @param rowsIn     the manifest's row count
     * @param bytes      the audio files' bytes (0 for a file that could not be listed)
     * @param partitions the bins: min(wanted, rowsIn), at least 1
     * @param imbalance  heaviest bin over the mean bin; when the runs are taken without the sizes (over
     *                   {@link #LPT_MAX_ROWS} rows), its bound 1 + largest file / mean bin
     * @param lpt        the LPT assignment by sequence index, broadcast; null when the runs are taken
     */
    public record Packed(JavaRDD<Row> rows, long rowsIn, long bytes, int partitions, double imbalance,
                         Broadcast<int[]> lpt) {
        /** Drops the LPT assignment's broadcast; call once the rows have been consumed. */
        public void release() {
            if (lpt != null) {
                lpt.destroy();
            }
        }
    }

    /** A (language, split) group; nulls first. */
    record Group(String language, String split) implements Comparable<Group>, Serializable {
        private static final Comparator<String> TEXT = Comparator.nullsFirst(Comparator.naturalOrder());
        private static final Comparator<Group> ORDER = Comparator.comparing(Group::language, TEXT)
                .thenComparing(Group::split, TEXT);

        @Override
        public int compareTo(Group o) {
            return ORDER.compare(this, o);
        }
    }

    /** One task's rows of one group: how many, their bytes, the largest file, and their sizes in order if asked. */
    record Run(int partition, Group group, long rows, long bytes, long largest, long[] sizes) implements Serializable {}

    /**
     * Packs {@code manifest} (columns language, split and path among others) into {@code wanted} size-balanced
     * partitions; {@code lptMaxRows} is {@link #LPT_MAX_ROWS} but for tests. An empty manifest has rowsIn 0.
     */
    public static Packed pack(JavaSparkContext jsc, Dataset<Row> manifest, int wanted, Broadcast<HadoopConf> hadoop,
                              int lptMaxRows) {
        StructType schema = manifest.schema();
        int language = schema.fieldIndex("language");
        int split = schema.fieldIndex("split");
        int path = schema.fieldIndex("path");
        JavaRDD<Row> in = manifest.javaRDD();
        int inPartitions = in.getNumPartitions();
        // Sizes come back only while a task's share of the LPT bound holds, so at most lptMaxRows reach the driver.
        long sizesPerTask = lptMaxRows / Math.max(1, inPartitions);
        List<Run> runs = in.mapPartitionsWithIndex((p, rows) -> {
            FileSizes.Lookup lookup = new FileSizes.Lookup(hadoop.value().get());
            Map<Group, long[]> totals = new HashMap<>();
            Map<Group, List<Long>> sizes = new HashMap<>();
            long n = 0;
            while (rows.hasNext()) {
                Row r = rows.next();
                Group g = new Group(r.getString(language), r.getString(split));
                long size = lookup.size(r.getString(path));
                long[] t = totals.computeIfAbsent(g, k -> new long[3]);
                t[0]++;
                t[1] += size;
                t[2] = Math.max(t[2], size);
                if (++n <= sizesPerTask) {
                    sizes.computeIfAbsent(g, k -> new ArrayList<>()).add(size);
                }
            }
            boolean all = n <= sizesPerTask;
            List<Run> out = new ArrayList<>();
            for (Map.Entry<Group, long[]> e : totals.entrySet()) {
                out.add(new Run(p, e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2],
                        all ? sizes.get(e.getKey()).stream().mapToLong(Long::longValue).toArray() : null));
            }
            return out.iterator();
        }, true).collect();

        // The sequence: groups in order, within a group the partitions in order.
        TreeMap<Group, TreeMap<Integer, Run>> byGroup = new TreeMap<>();
        for (Run r : runs) {
            byGroup.computeIfAbsent(r.group(), k -> new TreeMap<>()).put(r.partition(), r);
        }
        Map<Group, long[][]> starts = new HashMap<>(); // group -> partition -> {first index, bytes before}
        long rowsIn = 0;
        long total = 0;
        boolean haveSizes = true;
        for (Map.Entry<Group, TreeMap<Integer, Run>> g : byGroup.entrySet()) {
            long[][] s = new long[inPartitions][];
            for (Run r : g.getValue().values()) {
                s[r.partition()] = new long[] {rowsIn, total};
                rowsIn += r.rows();
                total += r.bytes();
                haveSizes &= r.sizes() != null;
            }
            starts.put(g.getKey(), s);
        }
        int bins = (int) Math.max(1, Math.min(wanted, rowsIn));
        Broadcast<int[]> lpt = null;
        double imbalance;
        if (rowsIn > 0 && rowsIn <= lptMaxRows && haveSizes) {
            long[] sizes = new long[(int) rowsIn];
            int at = 0;
            for (TreeMap<Integer, Run> g : byGroup.values()) {
                for (Run r : g.values()) {
                    System.arraycopy(r.sizes(), 0, sizes, at, r.sizes().length);
                    at += r.sizes().length;
                }
            }
            SizeBalancer.Assignment a = SizeBalancer.contiguousIfBalanced(sizes, bins);
            lpt = jsc.broadcast(a.binOf());
            imbalance = a.imbalance();
        } else {
            imbalance = runsImbalance(byGroup, total, bins);
        }
        Broadcast<int[]> assigned = lpt;
        long items = rowsIn;
        long bytes = total;
        JavaRDD<Row> rows = in.mapPartitionsWithIndex((p, it) -> {
            FileSizes.Lookup lookup = new FileSizes.Lookup(hadoop.value().get());
            Map<Group, long[]> next = new HashMap<>(); // group -> {index, bytes before} of this task's next row
            return new Iterator<Tuple2<Long, Object[]>>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Tuple2<Long, Object[]> next() {
                    Row r = it.next();
                    Group g = new Group(r.getString(language), r.getString(split));
                    long[] at = next.computeIfAbsent(g, k -> starts.get(k)[p].clone());
                    long size = lookup.size(r.getString(path));
                    long index = at[0];
                    int bin = assigned != null ? assigned.value()[(int) index]
                            : SizeBalancer.contiguousBin(index, items, at[1], size, bytes, bins);
                    at[0]++;
                    at[1] += size;
                    Object[] values = new Object[r.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = r.get(i);
                    }
                    return new Tuple2<>(BinPartitioner.key(bin, index), values);
                }
            };
        }, true).mapToPair(t -> t)
                .repartitionAndSortWithinPartitions(new BinPartitioner(bins))
                .map(t -> (Row) new GenericRowWithSchema(t._2(), schema));
        return new Packed(rows, rowsIn, total, bins, imbalance, lpt);
    }

    /**
     * The contiguous runs' bound: each bin is within one file of the mean bin ({@link SizeBalancer#contiguous}), so
     * heaviest / mean is at most 1 + largest file / mean bin.
     */
    private static double runsImbalance(TreeMap<Group, TreeMap<Integer, Run>> byGroup, long total, int bins) {
        if (total == 0) {
            return 1.0;
        }
        long largest = 0;
        for (TreeMap<Integer, Run> g : byGroup.values()) {
            for (Run r : g.values()) {
                largest = Math.max(largest, r.largest());
            }
        }
        return Math.min(bins, 1 + largest / (total / (double) bins));
    }

    /** Key (bin, index) as one long, bin in the top 24 bits; partition = bin, order within it = index. */
    static final class BinPartitioner extends Partitioner {
        private static final int SHIFT = 40;
        private final int bins;

        BinPartitioner(int bins) {
            this.bins = bins;
        }

        static long key(int bin, long index) {
            return ((long) bin << SHIFT) | index;
        }

        @Override
        public int numPartitions() {
            return bins;
        }

        @Override
        public int getPartition(Object key) {
            return (int) ((Long) key >>> SHIFT);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BinPartitioner p && p.bins == bins;
        }

        @Override
        public int hashCode() {
            return Objects.hash(bins);
        }
    }
}
