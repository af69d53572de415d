package io.serdistill.distill;

/** Temperature softmax and teacher mixing on plain arrays (per utterance, over classes). */
public final class SoftTargets {
    private SoftTargets() {}

    /** softmax(logits / temperature), computed stably in double (exp of {@link KdLoss}'s log-softmax). */
    public static double[] softmax(float[] logits, double temperature) {
        double[] p = KdLoss.logSoftmax(logits, temperature);
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(p[i]);
        }
        return p;
    }

    /**
     * The distillation target of one utterance: sum over teachers k of weights[k] * softmax(teacherLogits[k] / T).
     *
     * @param teacherLogits [teachers][classes]
     * @param weights       [teachers], non-negative, summing to 1
     */
    public static float[] mix(float[][] teacherLogits, double[] weights, double temperature) {
        if (teacherLogits.length != weights.length) {
            throw new IllegalArgumentException(teacherLogits.length + " teachers but " + weights.length + " weights");
        }
        int classes = teacherLogits[0].length;
        double[] mixed = new double[classes];
        for (int k = 0; k < teacherLogits.length; k++) {
            if (weights[k] == 0) {
                continue;
            }
            double[] p = softmax(teacherLogits[k], temperature);
            for (int c = 0; c < classes; c++) {
                mixed[c] += weights[k] * p[c];
            }
        }
        float[] out = new float[classes];
        for (int c = 0; c < classes; c++) {
            out[c] = (float) mixed[c];
        }
        return out;
    }
}
