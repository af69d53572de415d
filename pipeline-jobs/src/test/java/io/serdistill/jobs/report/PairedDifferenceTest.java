package io.serdistill.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.eval.ConfidenceInterval;
import org.junit.jupiter.api.Test;

class PairedDifferenceTest {

    @Test
    void identicalModelsDifferByExactlyNothing() {
        int[] y = {0, 1, 2, 3, 0, 1, 2, 3};
        int[] p = {0, 1, 2, 0, 0, 2, 2, 3};
        ConfidenceInterval.Interval d = PairedDifference.ua(y, p, p.clone(), 4, 200, 1);
        // Paired: every resample draws the same utterances for both, so the difference is 0 in every one.
        assertEquals(0.0, d.mean());
        assertEquals(0.0, d.low());
        assertEquals(0.0, d.high());
        assertEquals("+0.0 UA, interval +0.0…+0.0: not distinguishable", PairedDifference.verdict("a", "b", d));
    }

    @Test
    void aModelRightEverywhereBeatsOneRightOnHalf() {
        int n = 80;
        int[] y = new int[n];
        int[] right = new int[n];
        int[] half = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            right[i] = y[i];
            half[i] = i % 8 < 4 ? y[i] : (y[i] + 1) % 4;
        }
        ConfidenceInterval.Interval d = PairedDifference.ua(y, right, half, 4, 500, 7);
        assertEquals(0.5, d.mean(), 1e-12);
        assertTrue(d.low() > 0.3 && d.high() < 0.7 && d.low() <= d.mean() && d.mean() <= d.high(), d.toString());
        assertEquals(n, d.n());
        assertTrue(PairedDifference.verdict("right", "half", d).endsWith(": right is better"));
        ConfidenceInterval.Interval reverse = PairedDifference.ua(y, half, right, 4, 500, 7);
        assertEquals(-d.mean(), reverse.mean(), 1e-12);
        assertEquals(-d.high(), reverse.low(), 1e-12, "the same resamples, mirrored");
        assertTrue(PairedDifference.verdict("half", "right", reverse).startsWith("\u221250.0 UA, interval \u2212"));
        assertTrue(PairedDifference.verdict("half", "right", reverse).endsWith(": right is better"));
        assertEquals(d, PairedDifference.ua(y, right, half, 4, 500, 7), "the same seed, the same interval");
    }

    @Test
    void refusesUnpairedPredictions() {
        assertThrows(IllegalArgumentException.class, () -> PairedDifference.ua(new int[] {0, 1}, new int[] {0, 1},
                new int[] {0}, 2, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> PairedDifference.ua(new int[0], new int[0], new int[0], 2, 10, 1));
    }
}
