package io.serdistill.eval;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * 95% confidence intervals for the metrics we report: across folds (Student t) and across utterances of one
 * test set (percentile bootstrap).
 */
public final class ConfidenceInterval {

    private static final double LOWER_TAIL = 0.025;
    private static final double UPPER_TAIL = 0.975;

    private ConfidenceInterval() {
    }

    /**
     * A point estimate with a two-sided interval.
     *
     * @param mean point estimate: the mean over folds for {@link #studentT95}, the metric on the full sample
     *     for {@link #bootstrap95}
     * @param low lower bound
     * @param high upper bound
     * @param n number of folds ({@link #studentT95}) or of utterances ({@link #bootstrap95}) behind it
     */
    public record Interval(double mean, double low, double high, int n) {

        /** Half the interval's width; symmetric around the mean only for the t-interval. */
        public double halfWidth() {
            return (high - low) / 2.0;
        }

        /** Whether {@code value} lies in {@code [low, high]}. */
        public boolean contains(double value) {
            return value >= low && value <= high;
        }
    }

    /**
     * Mean of per-fold values with a 95% Student-t interval: {@code mean ± t(0.975, n-1) · s / sqrt(n)} with
     * {@code s} the sample standard deviation (n-1 denominator).
     *
     * <p>With a single value there is no spread to estimate, so the interval collapses to
     * {@code low = high = mean} rather than being infinite or NaN; read it as "no interval", not as certainty.
     *
     * @param values one metric value per fold, all finite, at least one
     */
    public static Interval studentT95(double[] values) {
        Objects.requireNonNull(values, "values");
        if (values.length == 0) {
            throw new IllegalArgumentException("values is empty: need at least one fold");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("values[" + i + "] = " + values[i] + " is not finite");
            }
        }
        int n = values.length;
        double mean = Arrays.stream(values).sum() / n;
        if (n == 1) {
            return new Interval(mean, mean, mean, 1);
        }
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double standardError = Math.sqrt(squares / (n - 1)) / Math.sqrt(n);
        double t = new TDistribution(n - 1).inverseCumulativeProbability(UPPER_TAIL);
        double halfWidth = t * standardError;
        return new Interval(mean, mean - halfWidth, mean + halfWidth, n);
    }

    /**
     * Percentile bootstrap over utterances: draws {@code resamples} samples of {@code y.length} utterances
     * with replacement, computes {@code metric} on each, and takes the 2.5th and 97.5th percentiles (linear
     * interpolation between order statistics). The point estimate is the metric on the full sample. A
     * resample that misses a class simply leaves it out of UA and macro-F1, as {@link ConfusionMatrix} does.
     * The same arguments and seed always give the same interval.
     *
     * @param y true class indices, in {@code [0, numClasses)}
     * @param yhat predicted class indices, same length as {@code y}, at least one utterance
     * @param numClasses number of classes
     * @param metric which metric to resample
     * @param resamples number of bootstrap samples, at least 1 (1000 or more for a stable interval)
     * @param seed seed of the resampling generator
     */
    public static Interval bootstrap95(int[] y, int[] yhat, int numClasses, Metric metric, int resamples,
            long seed) {
        Objects.requireNonNull(metric, "metric");
        // Validates lengths and label ranges once, so the resampling loop can trust the labels.
        ConfusionMatrix full = ConfusionMatrix.from(y, yhat, numClasses);
        if (y.length == 0) {
            throw new IllegalArgumentException("y is empty: need at least one utterance to bootstrap");
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] estimates = new double[resamples];
        long[][] counts = new long[numClasses][numClasses];
        for (int r = 0; r < resamples; r++) {
            for (long[] row : counts) {
                Arrays.fill(row, 0L);
            }
            for (int i = 0; i < y.length; i++) {
                int pick = random.nextInt(y.length);
                counts[y[pick]][yhat[pick]]++;
            }
            estimates[r] = metric.of(ConfusionMatrix.ofCounts(counts));
        }
        Arrays.sort(estimates);
        return new Interval(metric.of(full), percentile(estimates, LOWER_TAIL), percentile(estimates, UPPER_TAIL),
                y.length);
    }

    /**
     * The {@code p}-quantile of ascending {@code sorted} values, interpolating linearly between the order
     * statistics at rank {@code (length - 1) · p} (Hyndman and Fan type 7, R's and NumPy's default).
     */
    static double percentile(double[] sorted, double p) {
        double rank = (sorted.length - 1) * p;
        int below = (int) Math.floor(rank);
        int above = (int) Math.ceil(rank);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
