package io.serdistill.model;

import java.util.List;

/**
 * Shape of an utterance-level emotion classifier: an MLP from a pooled feature vector of {@code inputDim}
 * values through {@code hidden} ReLU layers to {@code numClasses} logits.
 */
public record ClassifierSpec(int inputDim, List<Integer> hidden, int numClasses) implements java.io.Serializable {
    public ClassifierSpec {
        if (inputDim <= 0 || numClasses < 2) {
            throw new IllegalArgumentException("inputDim must be > 0 and numClasses >= 2, got " + inputDim + ", " + numClasses);
        }
        hidden = List.copyOf(hidden);
    }

    /** Width of layer i's input (i = 0 .. hidden.size()). */
    int fanIn(int layer) {
        return layer == 0 ? inputDim : hidden.get(layer - 1);
    }

    /** Width of layer i's output. */
    int fanOut(int layer) {
        return layer == hidden.size() ? numClasses : hidden.get(layer);
    }

    int layers() {
        return hidden.size() + 1;
    }
}
