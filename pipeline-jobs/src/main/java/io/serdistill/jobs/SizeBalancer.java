package io.serdistill.jobs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Greedy longest-processing-time bin packing: items sorted by size, largest first, each into the currently lightest
 * bin. Used to give every extraction task about the same amount of audio (file bytes stand in for duration), which
 * a hash or round-robin partitioning does not when clip lengths vary by 10× as in IEMOCAP. LPT's makespan is at
 * most 4/3 of the optimum. Ties break on item count, then on the lower index, so the assignment is deterministic.
 */
final class SizeBalancer {
    private SizeBalancer() {}

    /** Bin of each item and the total size per bin. */
    record Assignment(int[] binOf, long[] load) {
        /** Heaviest bin over the mean bin: 1.0 is perfect balance. */
        double imbalance() {
            long total = Arrays.stream(load).sum();
            long max = Arrays.stream(load).max().orElse(0);
            return total == 0 ? 1.0 : max / (total / (double) load.length);
        }

        /** The items of each bin, bins in order, items in their input order; items[i] is the item sized sizes[i]. */
        <T> List<List<T>> groups(List<T> items) {
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
