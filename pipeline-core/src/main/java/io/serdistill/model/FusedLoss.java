package io.serdistill.model;

import java.util.List;

/**
 * {@link DistillationLossGraph}'s loss and its gradient with respect to the logits, in plain Java, for the fused
 * training paths ({@link TrainingEngine#FUSED}). Per example i of n, class weights w_i of its label, W their sum,
 * label target t_i = (1 - eps) onehot + eps / C, soft target q_i, p = softmax(z), p^T = softmax(z / T):
 * CE = -sum_i w_i t_i . log p_i / W with dCE/dz_i = w_i (p_i sum(t_i) - t_i) / W, and
 * KL = mean_i q_i . (log(q_i + 1e-12) - log p^T_i) with dKL/dz_i = (p^T_i sum(q_i) - q_i) / (n T); the loss is
 * alpha CE + (1 - alpha) T^2 f KL (f the {@link KlReduction} factor), or CE alone without soft targets.
 *
 * @param klFactor    {@link KlReduction#factor} for the number of classes
 * @param withTargets whether the loss has the distillation term (alpha < 1)
 */
public record FusedLoss(double alpha, double temperature, double klFactor, double labelSmoothing, boolean withTargets) {

    /** The loss {@link DistillationLossGraph#add} builds for these arguments. */
    public static FusedLoss of(double alpha, double temperature, KlReduction klReduction, double labelSmoothing,
                               int numClasses) {
        return new FusedLoss(alpha, temperature, klReduction.factor(numClasses), labelSmoothing, alpha < 1);
    }

    /**
     * The loss of logits z [n * c] (row-major), writing d loss / dz into {@code dz} [n * c].
     *
     * @param targets      soft targets [n][c] when {@link #withTargets}, else ignored
     * @param classWeights per-class weights [c]; null = all 1
     */
    public double lossAndDelta(float[] z, int n, int c, int[] labels, List<float[]> targets, float[] classWeights,
                               float[] dz) {
        if (withTargets && (targets == null || targets.size() != n)) {
            throw new IllegalArgumentException("distillation needs one target distribution per utterance");
        }
        if (classWeights != null && classWeights.length != c) {
            throw new IllegalArgumentException("need " + c + " class weights, got " + classWeights.length);
        }
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " examples but " + labels.length + " labels");
        }
        double eps = labelSmoothing;
        double t = temperature;
        double weightSum = 0;
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            if (y < 0 || y >= c) {
                throw new IllegalArgumentException("label " + y + " outside [0, " + c + ")");
            }
            weightSum += classWeights == null ? 1 : classWeights[y];
        }
        double kdScale = withTargets ? (1 - alpha) * t * t * klFactor : 0;
        double ceScale = withTargets ? alpha : 1;
        double ce = 0;
        double kl = 0;
        double[] logp = new double[c];
        double[] logpT = new double[c];
        double[] tgt = new double[c];
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            logSoftmax(z, i * c, c, 1, logp);
            double w = classWeights == null ? 1 : classWeights[y];
            double tSum = 0;
            double ceI = 0;
            for (int k = 0; k < c; k++) {
                tgt[k] = (k == y ? 1 - eps : 0) + eps / c;
                tSum += tgt[k];
                ceI -= tgt[k] * logp[k];
            }
            ce += w * ceI;
            for (int k = 0; k < c; k++) {
                dz[i * c + k] = (float) (ceScale * w * (Math.exp(logp[k]) * tSum - tgt[k]) / weightSum);
            }
            if (withTargets) {
                float[] q = targets.get(i);
                if (q.length != c) {
                    throw new IllegalArgumentException("target " + i + " has " + q.length + " values, expected " + c);
                }
                logSoftmax(z, i * c, c, t, logpT);
                double qSum = 0;
                for (int k = 0; k < c; k++) {
                    qSum += q[k];
                    kl += q[k] * (Math.log(q[k] + 1e-12) - logpT[k]);
                }
                for (int k = 0; k < c; k++) {
                    dz[i * c + k] += (float) (kdScale * (Math.exp(logpT[k]) * qSum - q[k]) / (n * t));
                }
            }
        }
        ce /= weightSum;
        return withTargets ? alpha * ce + kdScale * kl / n : ce;
    }

    /** log softmax(z[from .. from + c) / t) into {@code out}. */
    private static void logSoftmax(float[] z, int from, int c, double t, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < c; k++) {
            out[k] = z[from + k] / t;
            max = Math.max(max, out[k]);
        }
        double sum = 0;
        for (int k = 0; k < c; k++) {
            sum += Math.exp(out[k] - max);
        }
        double lse = max + Math.log(sum);
        for (int k = 0; k < c; k++) {
            out[k] -= lse;
        }
    }
}
