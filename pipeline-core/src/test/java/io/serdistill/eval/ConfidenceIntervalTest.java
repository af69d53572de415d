package io.serdistill.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.eval.ConfidenceInterval.Interval;
import org.junit.jupiter.api.Test;

class ConfidenceIntervalTest {

    @Test
    void studentTIntervalOfThreeFoldsUsesTQuantileWithTwoDegreesOfFreedom() {
        // mean 0.7, sd 0.1, se 0.1/sqrt(3) = 0.0577350; t(0.975, 2) = 4.302653 -> half-width 0.248414.
        Interval interval = ConfidenceInterval.studentT95(new double[] {0.6, 0.7, 0.8});
        assertEquals(0.7, interval.mean(), 1e-12);
        assertEquals(0.248414, interval.halfWidth(), 1e-6);
        assertEquals(0.451586, interval.low(), 1e-6);
        assertEquals(0.948414, interval.high(), 1e-6);
        assertEquals(3, interval.n());
    }

    @Test
    void studentTIntervalOfTwoFoldsUsesTQuantileWithOneDegreeOfFreedom() {
        // mean 0.6, sd sqrt(0.02), se 0.1; t(0.975, 1) = 12.706205 -> half-width 1.2706205.
        Interval interval = ConfidenceInterval.studentT95(new double[] {0.5, 0.7});
        assertEquals(0.6, interval.mean(), 1e-12);
        assertEquals(0.6 - 1.2706205, interval.low(), 1e-6);
        assertEquals(0.6 + 1.2706205, interval.high(), 1e-6);
    }

    @Test
    void singleFoldCollapsesIntervalToTheValue() {
        assertEquals(new Interval(0.42, 0.42, 0.42, 1), ConfidenceInterval.studentT95(new double[] {0.42}));
    }

    @Test
    void identicalFoldsGiveZeroWidth() {
        assertEquals(new Interval(0.5, 0.5, 0.5, 4),
                ConfidenceInterval.studentT95(new double[] {0.5, 0.5, 0.5, 0.5}));
    }

    @Test
    void rejectsEmptyOrNonFiniteFoldValues() {
        assertThrows(IllegalArgumentException.class, () -> ConfidenceInterval.studentT95(new double[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfidenceInterval.studentT95(new double[] {0.5, Double.NaN}));
        assertEquals("values[1] = NaN is not finite", e.getMessage());
    }

    /** Bootstrap over the utterances of {@link ConfusionMatrixTest#example()}. */
    private static Interval bootstrapExample(Metric metric, int resamples, long seed) {
        return ConfidenceInterval.bootstrap95(ConfusionMatrixTest.TRUE, ConfusionMatrixTest.PREDICTED, 4, metric,
                resamples, seed);
    }

    @Test
    void bootstrapIsDeterministicForASeed() {
        Interval first = bootstrapExample(Metric.UA, 500, 17L);
        Interval second = bootstrapExample(Metric.UA, 500, 17L);
        assertEquals(first, second);
    }

    @Test
    void bootstrapResamplesDifferentlyForAnotherSeed() {
        Interval a = bootstrapExample(Metric.WA, 200, 1L);
        Interval b = bootstrapExample(Metric.WA, 200, 2L);
        assertEquals(a.mean(), b.mean());
        assertNotEquals(a, b);
    }

    @Test
    void bootstrapPointEstimateIsTheFullSampleMetricAndLiesInsideTheInterval() {
        for (Metric metric : Metric.values()) {
            Interval interval = bootstrapExample(metric, 1000, 7L);
            assertEquals(metric.of(ConfusionMatrixTest.example()), interval.mean(), 1e-12, metric.name());
            assertTrue(interval.low() < interval.high(), metric.name());
            assertTrue(interval.contains(interval.mean()), metric + " " + interval);
            assertEquals(12, interval.n());
        }
        assertEquals(7.0 / 12.0, bootstrapExample(Metric.WA, 10, 7L).mean(), 1e-12);
    }

    @Test
    void bootstrapOfPerfectPredictionsIsExactlyOne() {
        int[] labels = {0, 1, 2, 3, 0, 1};
        Interval interval = ConfidenceInterval.bootstrap95(labels, labels, 4, Metric.WA, 100, 3L);
        assertEquals(new Interval(1.0, 1.0, 1.0, 6), interval);
    }

    @Test
    void bootstrapRejectsNoUtterancesOrNoResamples() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfidenceInterval.bootstrap95(new int[0], new int[0], 4, Metric.WA, 100, 1L));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfidenceInterval.bootstrap95(new int[] {0}, new int[] {0}, 4, Metric.WA, 0, 1L));
        assertEquals("resamples must be at least 1, got 0", e.getMessage());
    }

    @Test
    void bootstrapRejectsOutOfRangeLabelsNamingIndexAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfidenceInterval.bootstrap95(new int[] {0, 1}, new int[] {0, 7}, 4, Metric.UA, 10, 1L));
        assertEquals("predicted[1] = 7 is outside [0, 4)", e.getMessage());
    }

    @Test
    void percentileInterpolatesLinearlyBetweenOrderStatistics() {
        double[] sorted = {1, 2, 3, 4, 5};
        assertEquals(1.0, ConfidenceInterval.percentile(sorted, 0.0), 1e-12);
        assertEquals(2.0, ConfidenceInterval.percentile(sorted, 0.25), 1e-12); // rank 1
        assertEquals(1.4, ConfidenceInterval.percentile(sorted, 0.1), 1e-12); // rank 0.4
        assertEquals(4.9, ConfidenceInterval.percentile(sorted, 0.975), 1e-12); // rank 3.9
        assertEquals(5.0, ConfidenceInterval.percentile(sorted, 1.0), 1e-12);
    }
}
