package io.serdistill.features;

/**
 * Statistics pooling of a frame sequence into one utterance vector: per-dimension mean followed by
 * per-dimension (population) standard deviation, [2 * dim]. Only real frames are pooled (there is no padding here).
 */
public final class UtterancePooling {
    private UtterancePooling() {}

    public static float[] meanStd(FeatureMatrix m) {
        if (m.frames() == 0) {
            throw new IllegalArgumentException("cannot pool zero frames");
        }
        GlobalStats stats = GlobalStats.of(m);
        double[] mean = stats.mean();
        double[] var = stats.variance();
        int d = m.dim();
        float[] out = new float[2 * d];
        for (int j = 0; j < d; j++) {
            out[j] = (float) mean[j];
            out[d + j] = (float) Math.sqrt(var[j]);
        }
        return out;
    }
}
