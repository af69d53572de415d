package io.serdistill.features;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
import io.serdistill.model.wav2vec2.Wav2Vec2Output;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Frozen wav2vec2 hidden states frame by frame (ser.features.wav2vec2.store = frames), the input of heads that pool
 * frames ({@link io.serdistill.model.wav2vec2.FrameHeadClassifier}): the matrix is [frames, hidden] (one frame per
 * 20 ms, {@link io.serdistill.model.wav2vec2.Wav2Vec2Config#frames}; 768 floats = 3 KB per frame for base, ~154 KB
 * per second of audio), holding hidden state {@code layer}, or with {@code layer} -1 the average of all hidden states
 * frame by frame. The pooled vector is the frames' mean over time (equal to {@link Wav2Vec2Features}'s pooled vector).
 */
public final class Wav2Vec2HiddenFrames implements UtteranceFeatures {
    private final Wav2Vec2Model model;
    private final boolean normalize;
    private final int layer;

    /**
     * @param normalize zero-mean unit-variance waveform first (the checkpoint's do_normalize)
     * @param layer     -1 for the frame-by-frame average of all hidden states, else the hidden state index
     */
    public Wav2Vec2HiddenFrames(Wav2Vec2Model model, boolean normalize, int layer) {
        int states = model.config().numHiddenLayers() + 1;
        if (layer < -1 || layer >= states) {
            throw new IllegalArgumentException("layer " + layer + " is outside [-1, " + states + ") for this model");
        }
        this.model = model;
        this.normalize = normalize;
        this.layer = layer;
    }

    /** Loads (once per JVM, shared with {@link Wav2Vec2Features}) the Hugging Face directory; errors name it. */
    public static Wav2Vec2HiddenFrames load(String modelDir, boolean normalize, int layer) {
        return new Wav2Vec2HiddenFrames(Wav2Vec2Features.shared(modelDir), normalize, layer);
    }

    @Override
    public String kind() {
        return "wav2vec2-frames";
    }

    /** @param samples [-1, 1] floats at 16 kHz */
    @Override
    public Extracted extract(float[] samples) throws AudioFormatException {
        Wav2Vec2Output out = model.forward(List.of(Wav2Vec2Features.encoderInput(model, samples, normalize)));
        int n = out.frames()[0];
        List<INDArray> states = out.hiddenStates();
        INDArray frames;
        if (layer >= 0) {
            frames = real(states.get(layer), n).dup('c');
        } else {
            frames = real(states.get(0), n).dup('c');
            for (int l = 1; l < states.size(); l++) {
                frames.addi(real(states.get(l), n));
            }
            frames.divi(states.size());
        }
        return new Extracted(new FeatureMatrix(n, (int) frames.columns(), frames.data().asFloat()),
                frames.mean(0).toFloatVector());
    }

    /** The first utterance's real frames of one hidden state [B, T, H]: [n, H]. */
    private static INDArray real(INDArray state, int n) {
        return state.slice(0).get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
    }
}
