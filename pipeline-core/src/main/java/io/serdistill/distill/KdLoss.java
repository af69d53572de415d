package io.serdistill.distill;

/**
 * Reference (plain Java, double precision) value of the distillation loss for one utterance:
 * alpha * CE(label, softmax(z)) + (1 - alpha) * T^2 * KL(target || softmax(z / T)),
 * where target is the (already mixed) teacher distribution at temperature T.
 * The SameDiff training graph computes the same quantity batched; tests hold the two together.
 *
 * <p>Why KL of the mix rather than the paper's sum of per-teacher KLs: the two differ by a term that depends only
 * on the teachers, so their gradients with respect to the student are identical.
 */
public final class KdLoss {
    private KdLoss() {}

    public static double crossEntropy(float[] studentLogits, int label) {
        return -logSoftmax(studentLogits, 1.0)[label];
    }

    /** KL(target || softmax(z / T)); terms with target 0 contribute 0. */
    public static double kl(float[] target, float[] studentLogits, double temperature) {
        double[] logQ = logSoftmax(studentLogits, temperature);
        double kl = 0;
        for (int c = 0; c < target.length; c++) {
            if (target[c] > 0) {
                kl += target[c] * (Math.log(target[c]) - logQ[c]);
            }
        }
        return kl;
    }

    public static double loss(float[] studentLogits, int label, float[] target, double alpha, double temperature) {
        double ce = crossEntropy(studentLogits, label);
        if (alpha >= 1) {
            return ce;
        }
        return alpha * ce + (1 - alpha) * temperature * temperature * kl(target, studentLogits, temperature);
    }

    static double[] logSoftmax(float[] z, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v / temperature);
        }
        double sum = 0;
        for (float v : z) {
            sum += Math.exp(v / temperature - max);
        }
        double logSum = max + Math.log(sum);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] / temperature - logSum;
        }
        return out;
    }
}
