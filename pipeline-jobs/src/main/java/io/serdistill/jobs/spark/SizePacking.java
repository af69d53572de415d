package io.serdistill.jobs.spark;

import io.serdistill.jobs.fs.FileSizes;
import io.serdistill.jobs.fs.HadoopConf;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Extract's size-balanced partitions computed on the executors, so no manifest row and no file listing reaches the
 * driver: the same assignment as {@link SizeBalancer#contiguousIfBalanced} over the rows ordered by (language, split,
 * row), file bytes standing in for duration.
 *
 * <p>Spark jobs: the tasks look up their rows' file sizes ({@link FileSizes.Lookup}, one listing per directory per
 * task) and the rows are range-sorted by (language, split, row) (a sampling job, then a shuffle of the manifest's
 * short columns); a job returns each sorted partition's row count and bytes (two numbers per partition), from which
 * every row's place on the cumulative-size axis, and so its bin, follows ({@link SizeBalancer#contiguousBin}). Up to
 * {@link #LPT_MAX_ROWS} rows the driver also fetches the sizes alone (8 bytes a row, no row data), to fall back to LPT
 * as contiguousIfBalanced does when a few large files make runs lopsided; above, runs within one file of the mean
 * are taken (with that many rows per partition a file is a small share of one). Then the rows shuffle to their bins
 * (bin i = partition i), each bin's rows in that order.
 */
public final class SizePacking {
    /** Manifests up to this many rows may be LPT-packed (their sizes, 800 KB at most, come to the driver). */
    public static final int LPT_MAX_ROWS = 100_000;

    private SizePacking() {}

    /**
     * The packed manifest.
     *
     * @param rows       the manifest's rows, partition i holding bin i in (language, split, row) order
     * @param rowsIn     the manifest's row count
     * @param bytes      the audio files' bytes (0 for a file that could not be listed)
     * @param partitions the bins: min(wanted, rowsIn), at least 1
     * @param imbalance  heaviest bin over the mean bin
     */
    public record Packed(JavaRDD<Row> rows, long rowsIn, long bytes, int partitions, double imbalance,
                         JavaPairRDD<?, ?> sorted, Broadcast<int[]> lpt) {
        /** Drops the cached sorted manifest and the LPT assignment; call once the rows have been consumed. */
        public void release() {
            sorted.unpersist(false);
            if (lpt != null) {
                lpt.destroy();
            }
        }
    }

    /** Sort key: language, then split (nulls first), then manifest row. */
    record Order(String language, String split, long row) implements Comparable<Order>, Serializable {
        private static final Comparator<String> TEXT = Comparator.nullsFirst(Comparator.naturalOrder());
        private static final Comparator<Order> ORDER = Comparator.comparing(Order::language, TEXT)
                .thenComparing(Order::split, TEXT).thenComparingLong(Order::row);

        @Override
        public int compareTo(Order o) {
            return ORDER.compare(this, o);
        }
    }

    /**
     * Packs {@code manifest} (columns language, split, row and path among others) into {@code wanted} size-balanced
     * partitions; {@code lptMaxRows} is {@link #LPT_MAX_ROWS} but for tests. An empty manifest has rowsIn 0 and no
     * rows.
     */
    public static Packed pack(JavaSparkContext jsc, Dataset<Row> manifest, int wanted, Broadcast<HadoopConf> hadoop,
                              int lptMaxRows) {
        StructType schema = manifest.schema();
        int language = schema.fieldIndex("language");
        int split = schema.fieldIndex("split");
        int rowCol = schema.fieldIndex("row");
        int path = schema.fieldIndex("path");
        JavaPairRDD<Order, Tuple2<Object[], Long>> sized = manifest.javaRDD().mapPartitionsToPair(rows -> {
            FileSizes.Lookup sizes = new FileSizes.Lookup(hadoop.value().get());
            // Row by row: a task holds its partition's listings, not its rows.
            return new Iterator<Tuple2<Order, Tuple2<Object[], Long>>>() {
                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Tuple2<Order, Tuple2<Object[], Long>> next() {
                    Row r = rows.next();
                    Object[] values = new Object[r.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = r.get(i);
                    }
                    return new Tuple2<>(new Order(r.getString(language), r.getString(split), r.getLong(rowCol)),
                            new Tuple2<>(values, sizes.size(r.getString(path))));
                }
            };
        });
        JavaPairRDD<Order, Tuple2<Object[], Long>> sorted = sized.sortByKey(true, Math.max(1, wanted))
                .persist(StorageLevel.MEMORY_AND_DISK());
        // Per sorted partition: rows and bytes, in partition order.
        List<long[]> stats = sorted.mapPartitionsWithIndex((p, it) -> {
            long n = 0;
            long bytes = 0;
            while (it.hasNext()) {
                bytes += it.next()._2()._2();
                n++;
            }
            return List.of(new long[] {p, n, bytes}).iterator();
        }, true).collect();
        int sortPartitions = sorted.getNumPartitions();
        long[] rowsBefore = new long[sortPartitions];
        long[] bytesBefore = new long[sortPartitions];
        long rowsIn = 0;
        long total = 0;
        long[][] byPartition = new long[sortPartitions][];
        for (long[] s : stats) {
            byPartition[(int) s[0]] = s;
        }
        for (int p = 0; p < sortPartitions; p++) {
            rowsBefore[p] = rowsIn;
            bytesBefore[p] = total;
            rowsIn += byPartition[p][1];
            total += byPartition[p][2];
        }
        int bins = (int) Math.max(1, Math.min(wanted, rowsIn));
        Broadcast<int[]> lpt = null;
        double imbalance;
        if (rowsIn > 0 && rowsIn <= lptMaxRows) {
            long[] sizes = sorted.map(t -> t._2()._2()).collect().stream().mapToLong(Long::longValue).toArray();
            SizeBalancer.Assignment a = SizeBalancer.contiguousIfBalanced(sizes, bins);
            lpt = jsc.broadcast(a.binOf());
            imbalance = a.imbalance();
        } else {
            imbalance = imbalance(sorted, rowsBefore, bytesBefore, rowsIn, total, bins);
        }
        Broadcast<int[]> assigned = lpt;
        long items = rowsIn;
        long bytes = total;
        JavaPairRDD<Long, Object[]> keyed = sorted.mapPartitionsWithIndex((p, it) -> {
            long[] at = {rowsBefore[p], bytesBefore[p]}; // this row's index, and the bytes before it
            return new Iterator<Tuple2<Long, Object[]>>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public Tuple2<Long, Object[]> next() {
                    Tuple2<Object[], Long> r = it.next()._2();
                    long index = at[0];
                    int bin = assigned != null ? assigned.value()[(int) index]
                            : SizeBalancer.contiguousBin(index, items, at[1], r._2(), bytes, bins);
                    at[0]++;
                    at[1] += r._2();
                    return new Tuple2<>(BinPartitioner.key(bin, index), r._1());
                }
            };
        }, true).mapToPair(t -> t);
        JavaRDD<Row> rows = keyed.repartitionAndSortWithinPartitions(new BinPartitioner(bins))
                .map(t -> (Row) new GenericRowWithSchema(t._2(), schema));
        return new Packed(rows, rowsIn, total, bins, imbalance, sorted, lpt);
    }

    /** Heaviest over mean bin of the contiguous runs, from each sorted partition's per-bin loads. */
    private static double imbalance(JavaPairRDD<Order, Tuple2<Object[], Long>> sorted, long[] rowsBefore,
                                    long[] bytesBefore, long rowsIn, long total, int bins) {
        long[] load = sorted.mapPartitionsWithIndex((p, it) -> {
            long[] l = new long[bins];
            long index = rowsBefore[p];
            long before = bytesBefore[p];
            while (it.hasNext()) {
                long size = it.next()._2()._2();
                l[SizeBalancer.contiguousBin(index, rowsIn, before, size, total, bins)] += size;
                index++;
                before += size;
            }
            return List.of(l).iterator();
        }, true).reduce((a, b) -> {
            long[] s = a.clone();
            for (int i = 0; i < s.length; i++) {
                s[i] += b[i];
            }
            return s;
        });
        return new SizeBalancer.Assignment(new int[0], load).imbalance();
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
            return bins;
        }
    }
}
