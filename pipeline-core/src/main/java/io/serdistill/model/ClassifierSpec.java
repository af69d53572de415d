package io.serdistill.model;

import java.util.List;

/**
 * Shape of an utterance-level emotion classifier: an MLP from a pooled feature vector of {@code inputDim}
 * values through {@code hidden} ReLU layers to {@code numClasses} logits. With {@code inputLayers} L &gt; 1 the input
 * is L stacked vectors of inputDim / L values (e.g. every wav2vec2 hidden state's mean over time), combined by
 * learnable softmax weights before the MLP (SUPERB-style layer weighting).
 */
public record ClassifierSpec(int inputDim, List<Integer> hidden, int numClasses, int inputLayers)
        implements java.io.Serializable {
    public ClassifierSpec {
        if (inputLayers == 0) {
            inputLayers = 1; // specs written before layer weighting existed
        }
        if (inputDim <= 0 || numClasses < 2 || inputLayers < 1 || inputDim % inputLayers != 0) {
            throw new IllegalArgumentException("need inputDim > 0 divisible by inputLayers >= 1 and numClasses >= 2, got "
                    + inputDim + ", " + inputLayers + ", " + numClasses);
        }
        hidden = List.copyOf(hidden);
    }

    public ClassifierSpec(int inputDim, List<Integer> hidden, int numClasses) {
        this(inputDim, hidden, numClasses, 1);
    }

    /** Width of the vector the MLP sees (after layer weighting). */
    int mlpInput() {
        return inputDim / inputLayers;
    }

    /** Width of layer i's input (i = 0 .. hidden.size()). */
    int fanIn(int layer) {
        return layer == 0 ? mlpInput() : hidden.get(layer - 1);
    }

    /** Width of layer i's output. */
    int fanOut(int layer) {
        return layer == hidden.size() ? numClasses : hidden.get(layer);
    }

    int layers() {
        return hidden.size() + 1;
    }
}
