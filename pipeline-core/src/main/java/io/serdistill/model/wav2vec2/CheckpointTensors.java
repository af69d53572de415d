package io.serdistill.model.wav2vec2;

import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Tensors of a Hugging Face checkpoint looked up by Wav2Vec2Model parameter name, with or without the
 * {@code wav2vec2.} prefix that task models (Wav2Vec2ForSequenceClassification, ...ForCTC) put in front.
 * Errors name the source file, the tensor, and the expected shape.
 */
final class CheckpointTensors {
    static final String PREFIX = "wav2vec2.";

    private final Map<String, SafeTensors.Tensor> tensors;
    private final String source;

    CheckpointTensors(Map<String, SafeTensors.Tensor> tensors, String source) {
        this.tensors = tensors;
        this.source = source;
    }

    boolean has(String name) {
        return tensors.containsKey(name) || tensors.containsKey(PREFIX + name);
    }

    /** The tensor {@code name}, checked to have {@code shape}. */
    INDArray get(String name, long... shape) throws IOException {
        SafeTensors.Tensor t = tensors.get(name);
        if (t == null) {
            t = tensors.get(PREFIX + name);
        }
        if (t == null) {
            throw new IOException(source + ": tensor '" + name + "' (or '" + PREFIX + name + "') is missing; the file"
                    + " holds " + tensors.size() + " tensors");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IOException(source + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return Nd4j.create(t.values(), shape, 'c');
    }
}
