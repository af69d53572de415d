package io.serdistill.features;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Per-column first and second moments of feature frames, accumulated over any number of utterances and
 * mergeable, so Spark can aggregate it per partition and combine partitions ({@code aggregate(empty(dim),
 * GlobalStats::plus, GlobalStats::merge)}). Immutable: {@link #plus} and {@link #merge} return new instances
 * and never modify their inputs. Arrays are not copied; do not modify them.
 *
 * <p>Plain sums in double rather than Welford: merging is a component-wise add, and for log-mel values
 * (|x| ≲ 30, variance ≳ 0.01) the cancellation in Σx²/n − mean² costs ~1e-16·Σx²/n ≈ 1e-13 even over
 * 10⁹ frames, far below anything that matters.
 *
 * @param count number of frames
 * @param sum   Σ x per column, length dim
 * @param sumSq Σ x² per column, length dim
 */
public record GlobalStats(long count, double[] sum, double[] sumSq) implements Serializable {

    public GlobalStats {
        if (count < 0) {
            throw new IllegalArgumentException("count = " + count + ": must be >= 0");
        }
        if (sum.length != sumSq.length || sum.length == 0) {
            throw new IllegalArgumentException("sum length " + sum.length + " and sumSq length " + sumSq.length
                    + ": must be equal and > 0");
        }
    }

    /** No frames yet, {@code dim} columns. */
    public static GlobalStats empty(int dim) {
        return new GlobalStats(0, new double[dim], new double[dim]);
    }

    /** Moments of the frames of one utterance. */
    public static GlobalStats of(FeatureMatrix features) {
        int dim = features.dim();
        double[] sum = new double[dim];
        double[] sumSq = new double[dim];
        float[] data = features.data();
        for (int t = 0, row = 0; t < features.frames(); t++, row += dim) {
            for (int c = 0; c < dim; c++) {
                double x = data[row + c];
                sum[c] += x;
                sumSq[c] += x * x;
            }
        }
        return new GlobalStats(features.frames(), sum, sumSq);
    }

    public int dim() {
        return sum.length;
    }

    /** These stats plus the frames of {@code features}. */
    public GlobalStats plus(FeatureMatrix features) {
        return merge(of(features));
    }

    /** Stats over the union of the frames behind {@code this} and {@code other}. */
    public GlobalStats merge(GlobalStats other) {
        if (other.dim() != dim()) {
            throw new IllegalArgumentException("cannot merge stats of dim " + other.dim() + " into dim " + dim());
        }
        double[] s = new double[dim()];
        double[] q = new double[dim()];
        for (int c = 0; c < s.length; c++) {
            s[c] = sum[c] + other.sum[c];
            q[c] = sumSq[c] + other.sumSq[c];
        }
        return new GlobalStats(count + other.count, s, q);
    }

    /** Per-column mean; requires count &gt; 0. */
    public double[] mean() {
        requireFrames();
        double[] mean = new double[dim()];
        for (int c = 0; c < mean.length; c++) {
            mean[c] = sum[c] / count;
        }
        return mean;
    }

    /** Per-column population variance (divided by count, as Kaldi's CMVN), clamped at 0; requires count &gt; 0. */
    public double[] variance() {
        double[] mean = mean();
        double[] var = new double[dim()];
        for (int c = 0; c < var.length; c++) {
            var[c] = Math.max(0.0, sumSq[c] / count - mean[c] * mean[c]);
        }
        return var;
    }

    /** A normalizer subtracting these means and, with {@code normalizeVariance}, dividing by these deviations. */
    public FeatureNormalizer toNormalizer(boolean normalizeVariance) {
        return normalizeVariance ? FeatureNormalizer.meanAndVariance(mean(), variance())
                : FeatureNormalizer.meanOnly(mean());
    }

    private void requireFrames() {
        if (count == 0) {
            throw new IllegalStateException("no frames accumulated: mean and variance are undefined");
        }
    }

    // Records compare arrays by reference; stats are compared by value.
    @Override
    public boolean equals(Object o) {
        return o instanceof GlobalStats g && g.count == count && Arrays.equals(g.sum, sum)
                && Arrays.equals(g.sumSq, sumSq);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Long.hashCode(count) + Arrays.hashCode(sum)) + Arrays.hashCode(sumSq);
    }

    @Override
    public String toString() {
        return "GlobalStats[count=" + count + ", dim=" + dim() + "]";
    }

    /**
     * Per-column mean and population standard deviation of {@code rows} (all of one length ≥ 1), the deviation floored
     * at {@code stdFloor} so constant columns (e.g. a silent mel bin) never divide by zero; as float32 {mean, std}.
     */
    public static float[][] standardisation(float[][] rows, double stdFloor) {
        int dim = rows[0].length;
        float[] flat = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * dim, dim);
        }
        GlobalStats stats = of(new FeatureMatrix(rows.length, dim, flat));
        double[] m = stats.mean();
        double[] var = stats.variance();
        float[] mean = new float[dim];
        float[] std = new float[dim];
        for (int j = 0; j < dim; j++) {
            mean[j] = (float) m[j];
            std[j] = (float) Math.max(Math.sqrt(var[j]), stdFloor);
        }
        return new float[][] {mean, std};
    }
}
