package io.serdistill.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SizeBalancerTest {

    @Test
    void packsLargestFirstIntoTheLightestBin() {
        SizeBalancer.Assignment a = SizeBalancer.assign(new long[] {5, 9, 1, 7, 3, 3}, 2);
        // 9→b0, 7→b1, 5→b1 (7 < 9), 3→b0 (9 < 12), 3→b0 (12 = 12, same item count: lower index), 1→b1.
        assertArrayEquals(new long[] {15, 13}, a.load());
        assertEquals(28, Arrays.stream(a.load()).sum());
        assertEquals(0, a.binOf()[1]);
        assertEquals(1, a.binOf()[3]);
    }

    @Test
    void balancesSkewedSizesFarBetterThanRoundRobin() {
        Random random = new Random(11);
        long[] sizes = new long[600];
        for (int i = 0; i < sizes.length; i++) {
            // IEMOCAP-like: most clips short, a long tail up to ~10x.
            sizes[i] = (long) (32_000 * (1 + 9 * Math.pow(random.nextDouble(), 4)));
        }
        SizeBalancer.Assignment lpt = SizeBalancer.assign(sizes, 8);
        long[] roundRobin = new long[8];
        for (int i = 0; i < sizes.length; i++) {
            roundRobin[i % 8] += sizes[i];
        }
        double rr = Arrays.stream(roundRobin).max().getAsLong() / (Arrays.stream(sizes).sum() / 8.0);
        assertTrue(lpt.imbalance() < 1.01, "LPT imbalance " + lpt.imbalance());
        assertTrue(lpt.imbalance() < rr, "LPT " + lpt.imbalance() + " vs round-robin " + rr);
    }

    @Test
    void everyBinGetsAnItemWhenThereAreEnough() {
        SizeBalancer.Assignment a = SizeBalancer.assign(new long[] {0, 0, 0, 0}, 4);
        assertEquals(4, Arrays.stream(a.binOf()).distinct().count());
        assertEquals(1.0, SizeBalancer.assign(new long[0], 3).imbalance());
    }

    @Test
    void groupsHoldEachBinsItemsInInputOrder() {
        SizeBalancer.Assignment a = SizeBalancer.assign(new long[] {5, 9, 1, 7, 3, 3}, 2);
        // Bins as in packsLargestFirstIntoTheLightestBin: b0 = {9, 3, 3}, b1 = {5, 7, 1}.
        assertEquals(List.of(List.of("b", "e", "f"), List.of("a", "c", "d")),
                a.groups(List.of("a", "b", "c", "d", "e", "f")));
        assertEquals(List.of(List.of(), List.of()), SizeBalancer.assign(new long[0], 2).groups(List.of()));
    }

    @Test
    void contiguousRunsKeepTheOrderAndBalanceWithinOneItem() {
        long[] sizes = new long[1000];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        long max = 0;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = 16_000 + rng.nextInt(240_000); // 1-8 s of 16 kHz PCM16, as the demo corpus
            max = Math.max(max, sizes[i]);
        }
        SizeBalancer.Assignment a = SizeBalancer.contiguous(sizes, 8);
        for (int i = 1; i < sizes.length; i++) {
            assertTrue(a.binOf()[i] >= a.binOf()[i - 1], "bins never decrease along the order");
        }
        long total = java.util.Arrays.stream(sizes).sum();
        for (long load : a.load()) {
            assertTrue(Math.abs(load - total / 8.0) <= max, "load " + load + " within one item of " + total / 8.0);
        }
        assertTrue(a.imbalance() < 1.01, "imbalance " + a.imbalance());
        assertArrayEquals(a.binOf(), SizeBalancer.contiguousIfBalanced(sizes, 8).binOf(), "balanced runs are taken");
    }

    @Test
    void contiguousCutsZerosByCountAndFallsBackToLptForFewLargeItems() {
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, SizeBalancer.contiguous(new long[6], 3).binOf());
        long[] few = {60, 60, 40, 40}; // runs: 120 / 80; LPT: 100 / 100
        assertTrue(SizeBalancer.contiguous(few, 2).imbalance() > SizeBalancer.assign(few, 2).imbalance() + 0.02);
        assertArrayEquals(SizeBalancer.assign(few, 2).binOf(), SizeBalancer.contiguousIfBalanced(few, 2).binOf());
    }
}
