package io.serdistill.jobs.report;

import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.ConfusionMatrix;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Whether one model's UA differs from another's on the same test utterances: a paired percentile bootstrap that
 * draws the same utterances for both models in every resample, so the interval reflects the difference between
 * the models, not the spread of two independent samples. Plain arrays in, no Spark.
 */
public final class PairedDifference {
    private PairedDifference() {}

    /**
     * UA(a) − UA(b) on all utterances, with the 2.5th and 97.5th percentiles of that difference over
     * {@code resamples} paired resamples (interpolated as {@link ConfidenceInterval#bootstrap95} does). The same
     * arguments and seed give the same interval.
     *
     * @param y true classes, one per utterance
     * @param a model a's predictions, aligned with {@code y}
     * @param b model b's predictions of the same utterances
     */
    public static ConfidenceInterval.Interval ua(int[] y, int[] a, int[] b, int classes, int resamples, long seed) {
        if (y.length == 0 || a.length != y.length || b.length != y.length) {
            throw new IllegalArgumentException("need the same utterances for both models, got " + y.length + ", "
                    + a.length + ", " + b.length);
        }
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
        }
        double full = ConfusionMatrix.from(y, a, classes).unweightedRecall() - ConfusionMatrix.from(y, b, classes).unweightedRecall();
        SplittableRandom random = new SplittableRandom(seed);
        double[] estimates = new double[resamples];
        long[][] ca = new long[classes][classes];
        long[][] cb = new long[classes][classes];
        for (int r = 0; r < resamples; r++) {
            for (int c = 0; c < classes; c++) {
                Arrays.fill(ca[c], 0L);
                Arrays.fill(cb[c], 0L);
            }
            for (int i = 0; i < y.length; i++) {
                int pick = random.nextInt(y.length);
                ca[y[pick]][a[pick]]++;
                cb[y[pick]][b[pick]]++;
            }
            estimates[r] = ConfusionMatrix.ofCounts(ca).unweightedRecall() - ConfusionMatrix.ofCounts(cb).unweightedRecall();
        }
        Arrays.sort(estimates);
        return new ConfidenceInterval.Interval(full, percentile(estimates, 0.025), percentile(estimates, 0.975), y.length);
    }

    /**
     * The plain-language reading of a difference of {@code a} minus {@code b}, in UA points: e.g. "+3.1 UA,
     * interval −1.2…+7.4: not distinguishable" when the interval holds 0, else which model is better.
     */
    public static String verdict(String a, String b, ConfidenceInterval.Interval d) {
        String numbers = String.format("%s UA, interval %s…%s", points(d.mean()), points(d.low()), points(d.high()));
        String reading = d.low() > 0 ? a + " is better" : d.high() < 0 ? b + " is better" : "not distinguishable";
        return numbers + ": " + reading;
    }

    /** A signed difference in UA points with one decimal, using a real minus sign. */
    static String points(double fraction) {
        String s = String.format("%+.1f", 100 * fraction);
        return s.equals("-0.0") ? "+0.0" : s.replace('-', '\u2212');
    }

    private static double percentile(double[] sorted, double p) {
        double rank = (sorted.length - 1) * p;
        int below = (int) Math.floor(rank);
        int above = (int) Math.ceil(rank);
        return sorted[below] + (rank - below) * (sorted[above] - sorted[below]);
    }
}
