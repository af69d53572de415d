package io.serdistill.distill;

import io.serdistill.model.KlReduction;
import java.util.List;

/**
 * Reference (plain Java, double precision) value of the distillation loss for one utterance:
 * alpha * CE(label, softmax(z)) + (1 - alpha) * T^2 * KL(target || softmax(z / T)),
 * where target is the (already mixed) teacher distribution at temperature T, and its batch form
 * {@link #batchLoss}, which the SameDiff training graph ({@link io.serdistill.model.DistillationLossGraph})
 * computes; tests hold the two together.
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

    /**
     * The loss of a batch: alpha * CE_w + (1 - alpha) * T^2 * mean KL, the cross-entropy weighted by each example's
     * class weight and normalised by the summed weights, the KL averaged over the batch.
     *
     * @param logits       [n][classes]
     * @param targets      teacher mixes [n][classes], or null for plain fine-tuning (then only the cross-entropy counts)
     * @param classWeights per-class weights, or null for all 1
     */
    public static double batchLoss(float[][] logits, int[] labels, List<float[]> targets, float[] classWeights,
                                   double alpha, double temperature) {
        return batchLoss(logits, labels, targets, classWeights, alpha, temperature, KlReduction.BATCHMEAN, 0);
    }

    /** As above with the KL term reduced as {@code reduction} says (batchmean: the mean KL above). */
    public static double batchLoss(float[][] logits, int[] labels, List<float[]> targets, float[] classWeights,
                                   double alpha, double temperature, KlReduction reduction) {
        return batchLoss(logits, labels, targets, classWeights, alpha, temperature, reduction, 0);
    }

    /** As the six-argument form with the label term's target smoothed (see the full form). */
    public static double batchLoss(float[][] logits, int[] labels, List<float[]> targets, float[] classWeights,
                                   double alpha, double temperature, double labelSmoothing) {
        return batchLoss(logits, labels, targets, classWeights, alpha, temperature, KlReduction.BATCHMEAN,
                labelSmoothing);
    }

    /**
     * The full form: the KL term reduced as {@code reduction} says, and the label term's target smoothed:
     * (1 - labelSmoothing) onehot(y) + labelSmoothing / classes, so each example's cross-entropy is
     * (1 - eps) CE(y) + eps * mean over classes of CE(c), weighted by its class's weight.
     */
    public static double batchLoss(float[][] logits, int[] labels, List<float[]> targets, float[] classWeights,
                                   double alpha, double temperature, KlReduction reduction, double labelSmoothing) {
        double ce = 0;
        double weights = 0;
        double kl = 0;
        for (int i = 0; i < logits.length; i++) {
            int y = labels[i];
            double w = classWeights == null ? 1 : classWeights[y];
            double ceI = crossEntropy(logits[i], y);
            if (labelSmoothing != 0) {
                double[] logP = logSoftmax(logits[i], 1.0);
                double uniform = 0;
                for (double lp : logP) {
                    uniform -= lp;
                }
                ceI = (1 - labelSmoothing) * ceI + labelSmoothing * uniform / logP.length;
            }
            ce += w * ceI;
            weights += w;
            if (targets != null) {
                kl += kl(targets.get(i), logits[i], temperature);
            }
        }
        double loss = ce / weights;
        if (targets == null) {
            return loss;
        }
        double t = temperature;
        return alpha * loss + (1 - alpha) * t * t * kl / logits.length * reduction.factor(logits[0].length);
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
