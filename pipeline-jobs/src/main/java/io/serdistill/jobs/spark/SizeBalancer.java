package io.serdistill.jobs.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Size-balanced bins for the extraction tasks, two ways. {@link #contiguous}: items kept in their given order and cut
 * into runs of about equal size, so items that are neighbours in that order (the extract stage orders rows by
 * language and split, its output partitions) share a task, and each task writes one or two Parquet files instead
 * of one per language x split. {@link #assign}: greedy longest-processing-time bin packing: items sorted by size, largest first, each into the currently lightest
 * bin. Used to give every extraction task about the same amount of audio (file bytes stand in for duration), which
 * a hash or round-robin partitioning does not when clip lengths vary by 10× as in IEMOCAP. LPT's makespan is at
 * most 4/3 of the optimum. Ties break on item count, then on the lower index, so the assignment is deterministic.
 */
public final class SizeBalancer {
    private SizeBalancer() {}

    /** Bin of each item and the total size per bin. */
    public record Assignment(int[] binOf, long[] load) {
        /** Heaviest bin over the mean bin: 1.0 is perfect balance. */
        public double imbalance() {
            long total = Arrays.stream(load).sum();
            long max = Arrays.stream(load).max().orElse(0);
            return total == 0 ? 1.0 : max / (total / (double) load.length);
        }

        /** The items of each bin, bins in order, items in their input order; items[i] is the item sized sizes[i]. */
        public <T> List<List<T>> groups(List<T> items) {
            if (items.size() != binOf.length) {
                throw new IllegalArgumentException(items.size() + " items for an assignment of " + binOf.length);
            }
            List<List<T>> groups = new ArrayList<>(load.length);
            for (int b = 0; b < load.length; b++) {
                groups.add(new ArrayList<>());
            }
            for (int i = 0; i < binOf.length; i++) {
                groups.get(binOf[i]).add(items.get(i));
            }
            return groups;
        }
    }

    /**
     * Contiguous runs when they balance (about) as well as LPT, otherwise LPT: with many items per bin a run's load is
     * off by at most one item, but with few large items LPT packs much tighter.
     */
    public static Assignment contiguousIfBalanced(long[] sizes, int bins) {
        Assignment runs = contiguous(sizes, bins);
        Assignment lpt = assign(sizes, bins);
        return runs.imbalance() <= lpt.imbalance() + 0.02 ? runs : lpt;
    }

    /**
     * Items in order, cut into {@code bins} consecutive runs: each item goes to the bin in which its midpoint on the
     * cumulative-size axis falls, so bin indices never decrease along the order and each bin's load is within one
     * item of total / bins. All-zero sizes are cut by count.
     */
    static Assignment contiguous(long[] sizes, int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins = " + bins + ": must be >= 1");
        }
        long total = Arrays.stream(sizes).sum();
        int[] binOf = new int[sizes.length];
        long[] load = new long[bins];
        long before = 0;
        for (int i = 0; i < sizes.length; i++) {
            int b = contiguousBin(i, sizes.length, before, sizes[i], total, bins);
            binOf[i] = b;
            load[b] += sizes[i];
            before += sizes[i];
        }
        return new Assignment(binOf, load);
    }

    /**
     * The bin {@link #contiguous} gives item {@code index} of {@code items}, whose size is {@code size} and whose
     * predecessors' sizes add up to {@code before}, all sizes to {@code total}: what a distributed packing computes
     * row by row from prefix sums ({@link SizePacking}).
     */
    static int contiguousBin(long index, long items, long before, long size, long total, int bins) {
        return total == 0 ? (int) (index * bins / items)
                : (int) Math.min(bins - 1, (long) ((before + size / 2.0) * bins / total));
    }

    /**
     * @param sizes item sizes (bytes), ≥ 0
     * @param bins  number of bins, ≥ 1; with at least as many items as bins every bin gets an item
     */
    static Assignment assign(long[] sizes, int bins) {
        if (bins < 1) {
            throw new IllegalArgumentException("bins = " + bins + ": must be >= 1");
        }
        Integer[] order = new Integer[sizes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> sizes[i]).reversed().thenComparingInt(i -> i));
        long[] load = new long[bins];
        int[] items = new int[bins];
        // Among equally loaded bins the one with fewer items, so empty files (missing ones) spread out too.
        PriorityQueue<Integer> lightest = new PriorityQueue<>(Comparator.<Integer>comparingLong(b -> load[b])
                .thenComparingInt(b -> items[b]).thenComparingInt(b -> b));
        for (int b = 0; b < bins; b++) {
            lightest.add(b);
        }
        int[] binOf = new int[sizes.length];
        for (int i : order) {
            int b = lightest.poll();
            binOf[i] = b;
            load[b] += sizes[i];
            items[b]++;
            lightest.add(b);
        }
        return new Assignment(binOf, load);
    }
}
