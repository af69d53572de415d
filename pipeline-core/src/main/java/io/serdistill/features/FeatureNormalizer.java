package io.serdistill.features;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Cepstral mean and variance normalisation of feature columns: y = (x − mean) · scale, per column. Built from
 * {@link GlobalStats} over a training set (global CMVN, broadcast to executors) or from one utterance
 * ({@link #perUtterance}). Arrays are not copied; do not modify them.
 *
 * @param mean  per-column mean subtracted, length dim
 * @param scale per-column factor applied after it: 1/σ, or 1 for mean-only normalisation; length dim
 */
public record FeatureNormalizer(double[] mean, double[] scale) implements Serializable {
    /**
     * Variances below this (σ &lt; 1e-4, in log-energy units far below audibility) are raised to it, so a
     * constant column maps to 0 instead of NaN and rounding noise in a near-constant one is not blown up.
     */
    public static final double VARIANCE_FLOOR = 1e-8;

    public FeatureNormalizer {
        if (mean.length != scale.length || mean.length == 0) {
            throw new IllegalArgumentException("mean length " + mean.length + " and scale length " + scale.length
                    + ": must be equal and > 0");
        }
    }

    /** Subtracts {@code mean}; leaves the scale. */
    public static FeatureNormalizer meanOnly(double[] mean) {
        double[] ones = new double[mean.length];
        Arrays.fill(ones, 1.0);
        return new FeatureNormalizer(mean, ones);
    }

    /** Subtracts {@code mean} and divides by sqrt(max(variance, VARIANCE_FLOOR)). */
    public static FeatureNormalizer meanAndVariance(double[] mean, double[] variance) {
        if (variance.length != mean.length) {
            throw new IllegalArgumentException("variance length " + variance.length + " != mean length "
                    + mean.length);
        }
        double[] scale = new double[mean.length];
        for (int c = 0; c < scale.length; c++) {
            scale[c] = 1.0 / Math.sqrt(Math.max(variance[c], VARIANCE_FLOOR));
        }
        return new FeatureNormalizer(mean, scale);
    }

    /** Per-utterance CMVN: each column of {@code features} minus its own mean (and over its own σ). */
    public static FeatureMatrix perUtterance(FeatureMatrix features, boolean normalizeVariance) {
        if (features.frames() == 0) {
            return features;
        }
        return GlobalStats.of(features).toNormalizer(normalizeVariance).apply(features);
    }

    public int dim() {
        return mean.length;
    }

    /** A normalised copy of {@code features}, same shape. */
    public FeatureMatrix apply(FeatureMatrix features) {
        if (features.dim() != dim()) {
            throw new IllegalArgumentException("features have dim " + features.dim() + ", normalizer has " + dim());
        }
        float[] in = features.data();
        float[] out = new float[in.length];
        int dim = dim();
        for (int i = 0; i < in.length; i++) {
            int c = i % dim;
            out[i] = (float) ((in[i] - mean[c]) * scale[c]);
        }
        return new FeatureMatrix(features.frames(), dim, out);
    }

    // Records compare arrays by reference; normalizers are compared by value.
    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureNormalizer n && Arrays.equals(n.mean, mean) && Arrays.equals(n.scale, scale);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(scale);
    }

    @Override
    public String toString() {
        return "FeatureNormalizer[dim=" + dim() + "]";
    }
}
