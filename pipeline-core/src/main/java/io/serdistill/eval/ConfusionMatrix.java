package io.serdistill.eval;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntToDoubleFunction;

/**
 * Counts of (true class, predicted class) pairs for single-label classification: {@code count(t, p)} is the
 * number of utterances whose true class index is {@code t} and predicted class index is {@code p}. Rows are
 * true classes, columns predicted classes; shape {@code numClasses x numClasses}. Instances are immutable.
 *
 * <p>Conventions for undefined ratios (the same as scikit-learn's {@code zero_division=0}):
 * {@link #recall(int)} is 0 for a class with no support, {@link #precision(int)} is 0 for a class that is never
 * predicted, and {@link #f1(int)} is 0 when precision and recall are both 0. The class averages
 * {@link #unweightedRecall()} and {@link #macroF1()} skip classes with zero support: a fold or corpus that
 * lacks a class (CaFE folds, small speaker folds of FESC) would otherwise be charged a recall of 0 for a class
 * it could never get right, and UA would depend on which classes a test split happens to hold.
 */
public final class ConfusionMatrix {

    private final long[][] counts;

    /** Takes ownership of {@code counts}; callers have validated it and keep no reference. */
    private ConfusionMatrix(long[][] counts) {
        this.counts = counts;
    }

    /**
     * Builds the matrix from parallel label arrays.
     *
     * @param trueLabels class index of each utterance, each in {@code [0, numClasses)}
     * @param predicted predicted class index of each utterance, same length as {@code trueLabels}
     * @param numClasses number of classes, at least 1
     * @throws IllegalArgumentException when the lengths differ or a label is out of range (the message names the
     *     array, the index and the value)
     */
    public static ConfusionMatrix from(int[] trueLabels, int[] predicted, int numClasses) {
        Objects.requireNonNull(trueLabels, "trueLabels");
        Objects.requireNonNull(predicted, "predicted");
        requirePositiveClassCount(numClasses);
        if (trueLabels.length != predicted.length) {
            throw new IllegalArgumentException("trueLabels has " + trueLabels.length
                    + " entries but predicted has " + predicted.length);
        }
        requireLabelsInRange("trueLabels", trueLabels, numClasses);
        requireLabelsInRange("predicted", predicted, numClasses);
        long[][] counts = new long[numClasses][numClasses];
        for (int i = 0; i < trueLabels.length; i++) {
            counts[trueLabels[i]][predicted[i]]++;
        }
        return new ConfusionMatrix(counts);
    }

    /**
     * Wraps existing counts (copied), e.g. read back from a metrics table.
     *
     * @param counts square {@code [true][predicted]} array of non-negative counts
     */
    public static ConfusionMatrix ofCounts(long[][] counts) {
        Objects.requireNonNull(counts, "counts");
        requirePositiveClassCount(counts.length);
        long[][] copy = new long[counts.length][];
        for (int t = 0; t < counts.length; t++) {
            if (counts[t] == null || counts[t].length != counts.length) {
                throw new IllegalArgumentException("counts must be square: row " + t + " has "
                        + (counts[t] == null ? "no" : String.valueOf(counts[t].length)) + " entries, expected "
                        + counts.length);
            }
            for (int p = 0; p < counts.length; p++) {
                if (counts[t][p] < 0) {
                    throw new IllegalArgumentException("counts[" + t + "][" + p + "] = " + counts[t][p]
                            + " is negative");
                }
            }
            copy[t] = counts[t].clone();
        }
        return new ConfusionMatrix(copy);
    }

    /** A matrix with no utterances; the identity of {@link #merge(ConfusionMatrix)}. */
    public static ConfusionMatrix empty(int numClasses) {
        requirePositiveClassCount(numClasses);
        return new ConfusionMatrix(new long[numClasses][numClasses]);
    }

    /**
     * Sums two matrices, e.g. the folds of a leave-one-session-out run (pooled metrics) or the partitions of
     * a distributed evaluation.
     */
    public ConfusionMatrix merge(ConfusionMatrix other) {
        Objects.requireNonNull(other, "other");
        if (other.numClasses() != numClasses()) {
            throw new IllegalArgumentException("cannot merge a " + numClasses() + "-class matrix with a "
                    + other.numClasses() + "-class matrix");
        }
        long[][] sum = new long[numClasses()][numClasses()];
        for (int t = 0; t < sum.length; t++) {
            for (int p = 0; p < sum.length; p++) {
                sum[t][p] = Math.addExact(counts[t][p], other.counts[t][p]);
            }
        }
        return new ConfusionMatrix(sum);
    }

    public int numClasses() {
        return counts.length;
    }

    /** Number of utterances of true class {@code trueClass} predicted as {@code predictedClass}. */
    public long count(int trueClass, int predictedClass) {
        checkClass(trueClass);
        checkClass(predictedClass);
        return counts[trueClass][predictedClass];
    }

    /** A copy of the counts, {@code [true][predicted]}. */
    public long[][] counts() {
        long[][] copy = new long[counts.length][];
        for (int t = 0; t < counts.length; t++) {
            copy[t] = counts[t].clone();
        }
        return copy;
    }

    /** Number of utterances counted. */
    public long total() {
        long total = 0;
        for (long[] row : counts) {
            for (long n : row) {
                total += n;
            }
        }
        return total;
    }

    /** Number of utterances whose true class is {@code c} (row sum). */
    public long support(int c) {
        checkClass(c);
        long support = 0;
        for (long n : counts[c]) {
            support += n;
        }
        return support;
    }

    /** Number of utterances predicted as {@code c} (column sum). */
    public long predictedCount(int c) {
        checkClass(c);
        long predictedCount = 0;
        for (long[] row : counts) {
            predictedCount += row[c];
        }
        return predictedCount;
    }

    /**
     * Weighted accuracy (WA, the paper's WR): correct predictions over all utterances, so each class weighs by
     * its support.
     *
     * @throws IllegalStateException when the matrix is empty (an evaluation over nothing is a bug upstream)
     */
    public double accuracy() {
        long total = requireNonEmpty();
        long correct = 0;
        for (int c = 0; c < counts.length; c++) {
            correct += counts[c][c];
        }
        return (double) correct / total;
    }

    /** Recall of class {@code c}: {@code count(c, c) / support(c)}; 0 when the class has no support. */
    public double recall(int c) {
        long support = support(c);
        return support == 0 ? 0.0 : (double) counts[c][c] / support;
    }

    /** Precision of class {@code c}: {@code count(c, c) / predictedCount(c)}; 0 when {@code c} is never predicted. */
    public double precision(int c) {
        long predictedCount = predictedCount(c);
        return predictedCount == 0 ? 0.0 : (double) counts[c][c] / predictedCount;
    }

    /** F1 of class {@code c}, the harmonic mean of precision and recall; 0 when both are 0. */
    public double f1(int c) {
        // 2TP / (2TP + FP + FN) equals the harmonic mean and needs no special case for precision = 0 alone.
        long truePositives = counts[c][c];
        long denominator = support(c) + predictedCount(c);
        return denominator == 0 ? 0.0 : 2.0 * truePositives / denominator;
    }

    /**
     * Unweighted accuracy (UA, the paper's UR): the mean of per-class recall over the classes with non-zero
     * support; classes absent from the truth are left out of the mean (see the class comment for why).
     *
     * @throws IllegalStateException when the matrix is empty
     */
    public double unweightedRecall() {
        requireNonEmpty();
        return meanOverSupportedClasses(this::recall);
    }

    /**
     * Macro-averaged F1 over the classes with non-zero support (same exclusion as {@link #unweightedRecall()}).
     *
     * @throws IllegalStateException when the matrix is empty
     */
    public double macroF1() {
        requireNonEmpty();
        return meanOverSupportedClasses(this::f1);
    }

    private double meanOverSupportedClasses(IntToDoubleFunction perClass) {
        double sum = 0;
        int supported = 0;
        for (int c = 0; c < counts.length; c++) {
            if (support(c) > 0) {
                sum += perClass.applyAsDouble(c);
                supported++;
            }
        }
        return sum / supported;
    }

    private long requireNonEmpty() {
        long total = total();
        if (total == 0) {
            throw new IllegalStateException("confusion matrix is empty: no utterances were evaluated");
        }
        return total;
    }

    private void checkClass(int c) {
        if (c < 0 || c >= counts.length) {
            throw new IllegalArgumentException("class index " + c + " is outside [0, " + counts.length + ")");
        }
    }

    private static void requirePositiveClassCount(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
        }
    }

    private static void requireLabelsInRange(String name, int[] labels, int numClasses) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(name + "[" + i + "] = " + labels[i] + " is outside [0, "
                        + numClasses + ")");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix other && Arrays.deepEquals(counts, other.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(counts);
    }

    @Override
    public String toString() {
        return "ConfusionMatrix" + Arrays.deepToString(counts);
    }
}
