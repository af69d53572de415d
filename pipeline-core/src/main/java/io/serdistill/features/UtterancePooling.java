package io.serdistill.features;

import java.util.List;

/**
 * Statistics pooling of a frame sequence into one utterance vector: the {@link PoolingStat} blocks in the order
 * given, each [dim] values ({@link #meanStd}: per-dimension mean followed by per-dimension population standard
 * deviation, [2 * dim]). Only real frames are pooled (there is no padding here).
 */
public final class UtterancePooling {
    /** Frames each side of the delta regression window (Kaldi's and torchaudio's default, window length 5). */
    public static final int DELTA_WINDOW = 2;

    private UtterancePooling() {}

    public static float[] meanStd(FeatureMatrix m) {
        return pool(m, List.of(PoolingStat.MEAN, PoolingStat.STD));
    }

    /** The blocks of {@code stats}, concatenated in that order: [stats.size() * dim]. */
    public static float[] pool(FeatureMatrix m, List<PoolingStat> stats) {
        if (m.frames() == 0) {
            throw new IllegalArgumentException("cannot pool zero frames");
        }
        if (stats.isEmpty()) {
            throw new IllegalArgumentException("no pooling statistics");
        }
        int d = m.dim();
        float[] out = new float[stats.size() * d];
        GlobalStats statics = null;
        GlobalStats deltas = null;
        GlobalStats deltaDeltas = null;
        for (int b = 0; b < stats.size(); b++) {
            double[] block;
            switch (stats.get(b)) {
                case MEAN -> block = (statics = statics == null ? GlobalStats.of(m) : statics).mean();
                case STD -> block = sqrt((statics = statics == null ? GlobalStats.of(m) : statics).variance());
                case DELTA_STD -> block = sqrt((deltas = deltas == null ? GlobalStats.of(deltas(m)) : deltas).variance());
                case DELTA_DELTA_STD -> block = sqrt((deltaDeltas = deltaDeltas == null
                        ? GlobalStats.of(deltas(deltas(m))) : deltaDeltas).variance());
                default -> throw new IllegalStateException(stats.get(b).toString());
            }
            for (int j = 0; j < d; j++) {
                out[b * d + j] = (float) block[j];
            }
        }
        return out;
    }

    /**
     * First temporal differences by regression over ±{@link #DELTA_WINDOW} frames, edges replicated:
     * d_t = Σ_{n=1..N} n (c_{t+n} − c_{t−n}) / (2 Σ n²).
     */
    public static FeatureMatrix deltas(FeatureMatrix m) {
        int t = m.frames();
        int d = m.dim();
        float[] x = m.data();
        float[] out = new float[t * d];
        double denominator = 0;
        for (int n = 1; n <= DELTA_WINDOW; n++) {
            denominator += 2.0 * n * n;
        }
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int n = 1; n <= DELTA_WINDOW; n++) {
                    int ahead = Math.min(t - 1, i + n);
                    int behind = Math.max(0, i - n);
                    sum += n * ((double) x[ahead * d + j] - x[behind * d + j]);
                }
                out[i * d + j] = (float) (sum / denominator);
            }
        }
        return new FeatureMatrix(t, d, out);
    }

    private static double[] sqrt(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.sqrt(v[i]);
        }
        return out;
    }
}
