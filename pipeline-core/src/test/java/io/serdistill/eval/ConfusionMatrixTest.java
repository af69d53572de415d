package io.serdistill.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

    private static final double EPS = 1e-12;

    /**
     * Four classes (neutral, happy, angry, sad), rows = true:
     * <pre>
     *            N  H  A  S   support
     * neutral    5  1  0  0   6
     * happy      2  2  0  0   4
     * angry      0  0  0  0   0   (no support, but predicted once)
     * sad        1  0  1  0   2   (never predicted)
     * predicted  8  3  1  0   12
     * </pre>
     */
    static final int[] TRUE = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 3, 3};
    static final int[] PREDICTED = {0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 2};

    static ConfusionMatrix example() {
        return ConfusionMatrix.from(TRUE, PREDICTED, 4);
    }

    @Test
    void countsRowsAsTrueClassAndColumnsAsPredictedClass() {
        long[][] expected = {{5, 1, 0, 0}, {2, 2, 0, 0}, {0, 0, 0, 0}, {1, 0, 1, 0}};
        assertArrayEquals(expected, example().counts());
        assertEquals(1, example().count(3, 2));
        assertEquals(12, example().total());
    }

    @Test
    void supportIsRowSumAndPredictedCountIsColumnSum() {
        ConfusionMatrix m = example();
        assertEquals(6, m.support(0));
        assertEquals(4, m.support(1));
        assertEquals(0, m.support(2));
        assertEquals(2, m.support(3));
        assertEquals(8, m.predictedCount(0));
        assertEquals(3, m.predictedCount(1));
        assertEquals(1, m.predictedCount(2));
        assertEquals(0, m.predictedCount(3));
    }

    @Test
    void weightedAccuracyIsCorrectOverTotal() {
        // 5 + 2 + 0 + 0 correct of 12.
        assertEquals(7.0 / 12.0, example().accuracy(), EPS);
    }

    @Test
    void unweightedRecallAveragesOnlyClassesWithSupportAndDiffersFromAccuracy() {
        // Recalls 5/6, 2/4, 0/2 over neutral, happy, sad; angry has no support and is left out.
        assertEquals((5.0 / 6.0 + 0.5 + 0.0) / 3.0, example().unweightedRecall(), EPS);
        assertEquals(4.0 / 9.0, example().unweightedRecall(), EPS);
    }

    @Test
    void perClassRecallPrecisionAndF1MatchHandComputedValues() {
        ConfusionMatrix m = example();
        assertEquals(5.0 / 6.0, m.recall(0), EPS);
        assertEquals(5.0 / 8.0, m.precision(0), EPS);
        assertEquals(5.0 / 7.0, m.f1(0), EPS); // 2*5 / (2*5 + 3 FP + 1 FN)
        assertEquals(0.5, m.recall(1), EPS);
        assertEquals(2.0 / 3.0, m.precision(1), EPS);
        assertEquals(4.0 / 7.0, m.f1(1), EPS); // 2*2 / (2*2 + 1 FP + 2 FN)
    }

    @Test
    void classWithoutSupportHasZeroRecallAndPrecisionFromItsFalsePositives() {
        ConfusionMatrix m = example();
        assertEquals(0.0, m.recall(2), EPS);
        assertEquals(0.0, m.precision(2), EPS); // predicted once, wrongly
        assertEquals(0.0, m.f1(2), EPS);
    }

    @Test
    void classNeverPredictedHasZeroPrecisionAndF1() {
        ConfusionMatrix m = example();
        assertEquals(0.0, m.precision(3), EPS);
        assertEquals(0.0, m.recall(3), EPS);
        assertEquals(0.0, m.f1(3), EPS);
    }

    @Test
    void macroF1AveragesOnlyClassesWithSupport() {
        // (5/7 + 4/7 + 0) / 3 over neutral, happy, sad.
        assertEquals(3.0 / 7.0, example().macroF1(), EPS);
    }

    @Test
    void perfectPredictionsGiveOneEverywhere() {
        ConfusionMatrix m = ConfusionMatrix.from(new int[] {0, 1, 1, 2}, new int[] {0, 1, 1, 2}, 3);
        assertEquals(1.0, m.accuracy(), EPS);
        assertEquals(1.0, m.unweightedRecall(), EPS);
        assertEquals(1.0, m.macroF1(), EPS);
    }

    @Test
    void mergeAddsCountsCellByCell() {
        ConfusionMatrix a = ConfusionMatrix.from(new int[] {0, 1}, new int[] {0, 0}, 2);
        ConfusionMatrix b = ConfusionMatrix.from(new int[] {1, 1, 0}, new int[] {1, 0, 1}, 2);
        ConfusionMatrix merged = a.merge(b);
        assertEquals(ConfusionMatrix.ofCounts(new long[][] {{1, 1}, {2, 1}}), merged);
        assertEquals(2.0 / 5.0, merged.accuracy(), EPS);
        assertEquals(a, a.merge(ConfusionMatrix.empty(2)));
    }

    @Test
    void mergeLeavesBothOperandsUnchanged() {
        ConfusionMatrix a = ConfusionMatrix.from(new int[] {0}, new int[] {0}, 2);
        a.merge(a);
        assertEquals(1, a.total());
    }

    @Test
    void countsReturnsACopy() {
        ConfusionMatrix m = example();
        m.counts()[0][0] = 100;
        assertEquals(5, m.count(0, 0));
    }

    @Test
    void rejectsMergingDifferentClassCounts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.empty(2).merge(ConfusionMatrix.empty(4)));
        assertEquals("cannot merge a 2-class matrix with a 4-class matrix", e.getMessage());
    }

    @Test
    void rejectsLabelArraysOfDifferentLengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.from(new int[] {0, 1, 2}, new int[] {0, 1}, 4));
        assertEquals("trueLabels has 3 entries but predicted has 2", e.getMessage());
    }

    @Test
    void rejectsTrueLabelOutOfRangeNamingIndexAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.from(new int[] {0, -1}, new int[] {0, 0}, 4));
        assertEquals("trueLabels[1] = -1 is outside [0, 4)", e.getMessage());
    }

    @Test
    void rejectsPredictedLabelOutOfRangeNamingIndexAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.from(new int[] {0, 1, 2}, new int[] {0, 1, 4}, 4));
        assertEquals("predicted[2] = 4 is outside [0, 4)", e.getMessage());
    }

    @Test
    void rejectsNonSquareOrNegativeCounts() {
        IllegalArgumentException notSquare = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.ofCounts(new long[][] {{1, 2}, {3}}));
        assertEquals("counts must be square: row 1 has 1 entries, expected 2", notSquare.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.ofCounts(new long[][] {{1, 2}, {-3, 0}}));
        assertEquals("counts[1][0] = -3 is negative", negative.getMessage());
    }

    @Test
    void rejectsClassCountBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.from(new int[0], new int[0], 0));
    }

    @Test
    void metricsOfAnEmptyMatrixFailInsteadOfReturningNaN() {
        ConfusionMatrix empty = ConfusionMatrix.from(new int[0], new int[0], 4);
        assertEquals(0, empty.total());
        assertThrows(IllegalStateException.class, empty::accuracy);
        assertThrows(IllegalStateException.class, empty::unweightedRecall);
        assertThrows(IllegalStateException.class, empty::macroF1);
    }
}
