package io.serdistill.model;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An utterance classifier trained by an optimiser outside its graph ({@code io.serdistill.train.TrainingLoop}), with
 * the loss of {@link DistillationLossGraph}. {@code X} is one utterance's input: a pooled vector ({@code float[]},
 * {@link MlpClassifier}) or a frame sequence [frames, dim] of any length ({@link INDArray}, the wav2vec2 models;
 * they pad each batch to its longest utterance and mask, so padding never changes an utterance's logits).
 * Not thread-safe: one instance per thread (Spark task).
 */
public interface Classifier<X> extends SafeTensorsWritable {

    /**
     * Loss and gradients of one batch, gradient arrays keyed as {@link #parameters()}. With {@code callerOwned} the
     * arrays are the caller's (it may free them); otherwise they are the model's, reused and overwritten by its next
     * step (copy them to keep them).
     */
    record Step(double loss, Map<String, INDArray> gradients, boolean callerOwned) {
        /** Gradients the caller owns (SameDiff hands its gradient arrays over). */
        public Step(double loss, Map<String, INDArray> gradients) {
            this(loss, gradients, true);
        }
    }

    /**
     * Adds the loss to the graph; call once before {@link #step}.
     *
     * @param alpha       weight of the label cross-entropy; 1 means no distillation targets
     * @param temperature distillation temperature T
     */
    void prepareTraining(double alpha, double temperature);

    /**
     * Called by the training loop before each epoch's steps (epochs count from 1). A model whose training steps draw
     * random numbers (augmentation) seeds them from its seed and {@code epoch} here, so a run resumed from an
     * end-of-epoch checkpoint draws exactly what an uninterrupted one does. Does nothing by default.
     */
    default void startEpoch(int epoch) {}

    /** As the four-argument form with label smoothing 0. */
    default void prepareTraining(double alpha, double temperature, KlReduction klReduction) {
        prepareTraining(alpha, temperature, klReduction, 0);
    }

    /** As the four-argument form with the KL reduced by {@link KlReduction#BATCHMEAN}. */
    default void prepareTraining(double alpha, double temperature, double labelSmoothing) {
        prepareTraining(alpha, temperature, KlReduction.BATCHMEAN, labelSmoothing);
    }

    /**
     * As {@link #prepareTraining(double, double)} with the distillation term's KL reduced over the batch as
     * {@code klReduction} says and the label cross-entropy's target smoothed to (1 - labelSmoothing) one-hot +
     * labelSmoothing / classes ({@link DistillationLossGraph}). A model that does not override this supports only
     * {@link KlReduction#BATCHMEAN} and no smoothing, and refuses anything else.
     */
    default void prepareTraining(double alpha, double temperature, KlReduction klReduction, double labelSmoothing) {
        if (klReduction != KlReduction.BATCHMEAN) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " supports only kl-reduction "
                    + KlReduction.BATCHMEAN.label() + ", not " + klReduction.label());
        }
        if (labelSmoothing != 0) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " does not support label smoothing");
        }
        prepareTraining(alpha, temperature);
    }

    /** Logits [n][classes], no update. */
    float[][] logits(List<X> inputs);

    /**
     * Loss and gradients of one batch, no update.
     *
     * @param targets      distillation targets [n][classes]; may be null when alpha = 1
     * @param classWeights per-class weights of the cross-entropy [classes]; null = all 1
     */
    Step step(List<X> batch, int[] labels, List<float[]> targets, float[] classWeights);

    /**
     * As {@link #step(List, int[], List, float[])}, with {@code noiseSeed} seeding whatever the model draws at random
     * in training (dropout masks, input noise), so a batch's step is a function of its inputs and this seed. Models
     * without training-time randomness ignore it.
     */
    default Step step(List<X> batch, int[] labels, List<float[]> targets, float[] classWeights, long noiseSeed) {
        return step(batch, labels, targets, classWeights);
    }

    /**
     * Whether weight decay and the L2 penalty apply to the named parameter (one of {@link #parameters()}'s keys).
     * All by default; models exclude biases and similar offsets.
     */
    default boolean decayed(String parameter) {
        return true;
    }

    /**
     * The engine this model's steps run on: {@link TrainingEngine#FUSED} for a model whose fused path is in use,
     * {@link TrainingEngine#SAMEDIFF} (the default) for graph-computed steps.
     */
    default TrainingEngine trainingEngine() {
        return TrainingEngine.SAMEDIFF;
    }

    /** The live trainable arrays by name (updating them in place updates the model). */
    Map<String, INDArray> parameters();

}
