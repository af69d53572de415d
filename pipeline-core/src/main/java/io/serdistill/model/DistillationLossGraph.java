package io.serdistill.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training loss of every classifier, as SameDiff ops on a graph that ends in logits z [batch, classes]:
 * alpha * CE_w(y, softmax(z)) + (1 - alpha) * T^2 * KL(target || softmax(z / T)). The label term is cross-entropy
 * weighted per example by its class's weight and normalised by the batch's summed weights (PyTorch's convention;
 * weights all 1 give the plain batch mean); the distillation term is averaged over the batch. With label smoothing
 * epsilon the label term's target is (1 - epsilon) onehot(y) + epsilon / classes, so an example's cross-entropy is
 * (1 - epsilon) (-log p_y) + epsilon * mean_c(-log p_c), still weighted by its own class's weight. The same quantity as
 * {@code io.serdistill.distill.KdLoss#batchLoss}, the plain-Java reference the tests hold it to.
 *
 * <p>{@link #add} puts the loss and its placeholders ({@link #LABELS}, {@link #CLASS_WEIGHTS} and, when distilling,
 * {@link #TARGETS}) into the graph; {@link #placeholders} fills them for one batch.
 */
public final class DistillationLossGraph {
    public static final String LABELS = "y";
    public static final String TARGETS = "soft";
    public static final String CLASS_WEIGHTS = "class_weights";
    public static final String LOSS = "loss";

    private final int numClasses;
    private final DataType dtype;
    private final boolean withTargets;

    private DistillationLossGraph(int numClasses, DataType dtype, boolean withTargets) {
        this.numClasses = numClasses;
        this.dtype = dtype;
        this.withTargets = withTargets;
    }

    /**
     * Adds the loss to {@code logits}' graph as {@link #LOSS}, the graph's loss variable.
     *
     * @param logits      [batch, numClasses] in {@code dtype}
     * @param alpha       weight of the label cross-entropy; 1 means no distillation term (and no targets needed)
     * @param temperature distillation temperature T
     */
    public static DistillationLossGraph add(SDVariable logits, int numClasses, DataType dtype, double alpha,
                                            double temperature) {
        return add(logits, numClasses, dtype, alpha, temperature, KlReduction.BATCHMEAN, 0);
    }

    /** As above with the distillation term's KL reduced over the batch as {@code klReduction} says. */
    public static DistillationLossGraph add(SDVariable logits, int numClasses, DataType dtype, double alpha,
                                            double temperature, KlReduction klReduction) {
        return add(logits, numClasses, dtype, alpha, temperature, klReduction, 0);
    }

    /** As the five-argument form with the label term's target smoothed by {@code labelSmoothing}. */
    public static DistillationLossGraph add(SDVariable logits, int numClasses, DataType dtype, double alpha,
                                            double temperature, double labelSmoothing) {
        return add(logits, numClasses, dtype, alpha, temperature, KlReduction.BATCHMEAN, labelSmoothing);
    }

    /**
     * The full form: the distillation term's KL reduced over the batch as {@code klReduction} says, and the label
     * term's target smoothed by {@code labelSmoothing} (epsilon, within [0, 1)).
     */
    public static DistillationLossGraph add(SDVariable logits, int numClasses, DataType dtype, double alpha,
                                            double temperature, KlReduction klReduction, double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label smoothing must be within [0, 1), got " + labelSmoothing);
        }
        SameDiff sd = logits.getSameDiff();
        if (sd.hasVariable(LOSS)) {
            throw new IllegalStateException("the graph already has a loss");
        }
        SDVariable y = sd.placeHolder(LABELS, dtype, -1, numClasses);
        SDVariable classWeights = sd.placeHolder(CLASS_WEIGHTS, dtype, numClasses);
        SDVariable exampleWeights = y.mul(classWeights).sum(1);
        SDVariable labelTarget = labelSmoothing == 0 ? y : y.mul(1 - labelSmoothing).add(labelSmoothing / numClasses);
        SDVariable ce = labelTarget.mul(logSoftmax(logits)).sum(1).mul(exampleWeights).sum().div(exampleWeights.sum()).neg();
        SDVariable loss;
        boolean withTargets = alpha < 1;
        if (withTargets) {
            SDVariable target = sd.placeHolder(TARGETS, dtype, -1, numClasses);
            SDVariable logTarget = sd.math.log(target.add(1e-12));
            SDVariable kl = target.mul(logTarget.sub(logSoftmax(logits.div(temperature)))).sum(1).mean();
            loss = ce.mul(alpha).add(kl.mul((1 - alpha) * temperature * temperature * klReduction.factor(numClasses)));
        } else {
            loss = ce.mul(1.0);
        }
        loss.rename(LOSS);
        sd.setLossVariables(LOSS);
        return new DistillationLossGraph(numClasses, dtype, withTargets);
    }

    /**
     * The loss's placeholders for one batch.
     *
     * @param labels       class index per example
     * @param targets      distillation targets [n][classes]; may be null when alpha = 1
     * @param classWeights per-class weights of the cross-entropy [classes]; null = all 1
     */
    public Map<String, INDArray> placeholders(int[] labels, List<float[]> targets, float[] classWeights) {
        int c = numClasses;
        float[] oneHot = new float[labels.length * c];
        for (int i = 0; i < labels.length; i++) {
            oneHot[i * c + labels[i]] = 1f;
        }
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(LABELS, array(oneHot, labels.length, c));
        float[] cw = classWeights;
        if (cw == null) {
            cw = new float[c];
            Arrays.fill(cw, 1f);
        } else if (cw.length != c) {
            throw new IllegalArgumentException("need " + c + " class weights, got " + cw.length);
        }
        ph.put(CLASS_WEIGHTS, array(cw, c));
        if (withTargets) {
            if (targets == null || targets.size() != labels.length) {
                throw new IllegalArgumentException("distillation needs one target distribution per utterance");
            }
            float[] soft = new float[labels.length * c];
            for (int i = 0; i < labels.length; i++) {
                System.arraycopy(targets.get(i), 0, soft, i * c, c);
            }
            ph.put(TARGETS, array(soft, labels.length, c));
        }
        return ph;
    }

    private INDArray array(float[] values, long... shape) {
        INDArray a = Nd4j.create(values, shape, 'c');
        return dtype == DataType.FLOAT ? a : a.castTo(dtype);
    }

    /**
     * Log-softmax over dim 1 from exp/sum/log with max subtraction, the one way graphs here take it:
     * sd.nn.logSoftmax has no working gradient in M2.1.
     */
    public static SDVariable logSoftmax(SDVariable z) {
        SDVariable shifted = z.sub(z.max(true, 1));
        SameDiff g = z.getSameDiff();
        return shifted.sub(g.math.log(g.math.exp(shifted).sum(true, 1)));
    }
}
