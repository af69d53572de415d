package io.serdistill.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The training loss as SameDiff ops, for any graph that ends in logits z [batch, classes]:
 * alpha * CE(y, softmax(z)) + (1 - alpha) * T^2 * KL(target || softmax(z / T)), averaged over the batch; the same
 * quantity as {@link io.serdistill.distill.KdLoss} computes for one utterance.
 *
 * <p>Same formula as {@link EmotionClassifier#prepareTraining}; that class predates this one and can call it.
 */
public final class DistillationLossGraph {
    private DistillationLossGraph() {
    }

    /**
     * @param labels  one-hot labels [batch, classes]
     * @param targets teacher distributions [batch, classes]; ignored (may be null) when alpha = 1
     * @return the scalar loss (not yet named or registered as the loss variable)
     */
    public static SDVariable build(SDVariable logits, SDVariable labels, SDVariable targets, double alpha, double temperature) {
        SameDiff sd = logits.getSameDiff();
        SDVariable ce = labels.mul(logSoftmax(logits)).sum(1).mean().neg();
        if (alpha >= 1) {
            return ce.mul(1.0);
        }
        SDVariable logTarget = sd.math.log(targets.add(1e-12));
        SDVariable kl = targets.mul(logTarget.sub(logSoftmax(logits.div(temperature)))).sum(1).mean();
        return ce.mul(alpha).add(kl.mul((1 - alpha) * temperature * temperature));
    }

    /** Log-softmax over dim 1 from exp/sum/log with max subtraction: sd.nn.logSoftmax has no working gradient in M2.1. */
    public static SDVariable logSoftmax(SDVariable z) {
        SDVariable shifted = z.sub(z.max(true, 1));
        SameDiff g = z.getSameDiff();
        return shifted.sub(g.math.log(g.math.exp(shifted).sum(true, 1)));
    }
}
