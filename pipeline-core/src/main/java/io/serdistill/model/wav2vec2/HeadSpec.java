package io.serdistill.model.wav2vec2;

/**
 * Shape of an utterance classification head over frozen wav2vec2 hidden states (Hugging Face's
 * Wav2Vec2ForSequenceClassification: projector, pooling, linear classifier, no non-linearity in between).
 *
 * @param hiddenSize    width H of each hidden state (768 for base)
 * @param numLayers     how many hidden states the input holds per utterance (13 for base with every layer; 1 for
 *                      a single chosen layer)
 * @param layerWeighting a learnable softmax-weighted sum of the {@code numLayers} states (SUPERB style); when false
 *                      {@code numLayers} must be 1
 * @param pooling       how frames become one vector
 * @param prePooled     the input is already masked-mean pooled per layer, [B, numLayers, H] with no mask (MEAN only;
 *                      exact, because mean pooling and the layer sum commute, and far smaller to store)
 * @param attentionDim  bottleneck of the attentive-statistics attention (ignored for MEAN)
 * @param projectorDim  projector output width (256 in the paper)
 */
public record HeadSpec(int hiddenSize, int numLayers, boolean layerWeighting, Pooling pooling, boolean prePooled,
        int attentionDim, int projectorDim, int numClasses) implements java.io.Serializable {

    /** Frame pooling. */
    public enum Pooling {
        /** Mean over the real frames only. */
        MEAN("mean"),
        /** Attention-weighted mean and standard deviation over the real frames, concatenated (2 H values). */
        ATTENTIVE_STATS("attentive-statistics");

        private final String label;

        Pooling(String label) {
            this.label = label;
        }

        /** The config spelling (ser.features.wav2vec2.pooling). */
        public String label() {
            return label;
        }
    }

    public HeadSpec {
        if (hiddenSize <= 0 || numLayers <= 0 || projectorDim <= 0 || numClasses < 2) {
            throw new IllegalArgumentException("hiddenSize, numLayers, projectorDim must be > 0 and numClasses >= 2, got "
                    + hiddenSize + ", " + numLayers + ", " + projectorDim + ", " + numClasses);
        }
        if (!layerWeighting && numLayers != 1) {
            throw new IllegalArgumentException("numLayers must be 1 without layer weighting, got " + numLayers);
        }
        if (prePooled && pooling != Pooling.MEAN) {
            throw new IllegalArgumentException("prePooled input needs MEAN pooling, got " + pooling);
        }
        if (pooling == Pooling.ATTENTIVE_STATS && attentionDim <= 0) {
            throw new IllegalArgumentException("attentionDim must be > 0 for attentive statistics, got " + attentionDim);
        }
    }

    /** The paper's head: every layer of wav2vec2-base weighted, mean pooled, 768 -> 256 -> 4. */
    public static HeadSpec paper(int numClasses) {
        return new HeadSpec(768, 13, true, Pooling.MEAN, true, 0, 256, numClasses);
    }

    int pooledDim() {
        return pooling == Pooling.ATTENTIVE_STATS ? 2 * hiddenSize : hiddenSize;
    }
}
