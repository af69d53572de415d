package io.serdistill.model.wav2vec2;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An utterance classifier over frame sequences of any lengths, trained by an optimiser outside its graph
 * ({@code io.serdistill.train.Wav2Vec2FineTuner}): each utterance is [frames, dim] (CNN frames for
 * {@link Wav2Vec2FineTuneModel}, frozen hidden states for {@link FrameHeadClassifier}); batches are padded to their
 * longest utterance and masked, so padding never changes an utterance's logits. Not thread-safe.
 */
public interface FrameClassifier {

    /** Loss and gradients of one batch (no update), gradients keyed as {@link #parameters()}. */
    record Step(double loss, Map<String, INDArray> gradients) {}

    /**
     * Adds the loss (label cross-entropy mixed with distillation); call once before {@link #step} and {@link #loss}.
     *
     * @param alpha weight of the label cross-entropy; 1 means no distillation targets
     */
    void prepareTraining(double alpha, double temperature);

    /** Logits [n][classes], no update. */
    float[][] logits(List<INDArray> frames);

    /** @param targets distillation targets [B][classes]; may be null when alpha = 1 */
    Step step(List<INDArray> frames, int[] labels, List<float[]> targets);

    /** The live trainable arrays by name (updating them in place updates the model). */
    Map<String, INDArray> parameters();

    /** One self-contained safetensors file with {@code provenance} in its metadata. */
    byte[] toSafeTensors(Map<String, String> provenance);
}
