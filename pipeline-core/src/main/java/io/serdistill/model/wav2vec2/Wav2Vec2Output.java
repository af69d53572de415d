package io.serdistill.model.wav2vec2;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What {@link Wav2Vec2Model#forward} returns for a padded batch of B utterances, T frames (20 ms each at 16 kHz
 * with the standard conv strides).
 *
 * @param hiddenStates num_hidden_layers + 1 arrays [B, T, hidden], Hugging Face's {@code output_hidden_states}:
 *                     element 0 is the input of the first transformer layer (after the positional conv, and after
 *                     the encoder LayerNorm for post-LN models), element i the output of layer i - 1; for pre-LN
 *                     ("stable layer norm") models the last element is taken after the final encoder LayerNorm
 * @param features     the conv feature encoder's output [B, T, conv_dim[-1]], before the feature projection
 * @param frames       real (unpadded) frames of each utterance; frames beyond are padding and hold garbage values
 */
public record Wav2Vec2Output(List<INDArray> hiddenStates, INDArray features, int[] frames) {
    public Wav2Vec2Output {
        hiddenStates = List.copyOf(hiddenStates);
        frames = frames.clone();
    }

    public int batchSize() {
        return frames.length;
    }

    /** Padded frame count T. */
    public int paddedFrames() {
        return (int) features.size(1);
    }

    /** Hidden state {@code layer} (0 .. num_hidden_layers) of one utterance, its real frames only: [frames][hidden]. */
    public float[][] hiddenState(int layer, int utterance) {
        INDArray h = hiddenStates.get(layer).slice(utterance);
        float[][] out = new float[frames[utterance]][];
        for (int t = 0; t < out.length; t++) {
            out[t] = h.getRow(t).toFloatVector();
        }
        return out;
    }

    /**
     * Masked mean over the real frames of every hidden state of one utterance: [numLayers][hidden]. This is the
     * compact frozen-feature form that {@link HeadSpec#prePooled()} heads take.
     */
    public float[][] layerMeans(int utterance) {
        float[][] out = new float[hiddenStates.size()][];
        for (int layer = 0; layer < out.length; layer++) {
            INDArray real = hiddenStates.get(layer).slice(utterance)
                    .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, frames[utterance]), org.nd4j.linalg.indexing.NDArrayIndex.all());
            out[layer] = real.mean(0).toFloatVector();
        }
        return out;
    }

    /** 1 for real frames, 0 for padding: [B, T] as floats (the form the pooling heads take). */
    public float[][] frameMask() {
        float[][] mask = new float[frames.length][paddedFrames()];
        for (int b = 0; b < frames.length; b++) {
            java.util.Arrays.fill(mask[b], 0, frames[b], 1f);
        }
        return mask;
    }
}
