package io.serdistill.features;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioProblem;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
import io.serdistill.model.wav2vec2.Wav2Vec2Output;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Frozen wav2vec2 features, in one of two stores (ser.features.wav2vec2.store):
 * <ul>
 * <li>layer means: the matrix holds every hidden state's mean over time, [hidden states][hidden size] (exact input
 *     for mean-pooling heads, with or without layer weighting); the pooled vector is one hidden state's mean, or the
 *     average over all of them.</li>
 * <li>frames: the matrix is [frames, hidden size] (one frame per 20 ms,
 *     {@link io.serdistill.model.wav2vec2.Wav2Vec2Config#frames}; 768 floats = 3 KB per frame for base, ~154 KB per
 *     second of audio), holding hidden state {@code layer}, or with {@code layer} -1 the average of all hidden states
 *     frame by frame: the input of heads that pool frames ({@link io.serdistill.model.wav2vec2.FrameHeadClassifier}).
 *     The pooled vector is the frames' mean over time, the same vector as with layer means.</li>
 * </ul>
 */
public final class Wav2Vec2Features implements UtteranceFeatures {
    /** One model per directory per JVM: the encoder is immutable and thread-safe, and loading it is the costly part. */
    private static final Map<String, Wav2Vec2Model> MODELS = new ConcurrentHashMap<>();

    private final Wav2Vec2Model model;
    private final boolean normalize;
    private final int layer;
    private final boolean framewise;

    /**
     * @param normalize zero-mean unit-variance waveform first (the checkpoint's do_normalize)
     * @param layer     -1 for the average of all hidden states, else the hidden state index
     * @param framewise store the chosen hidden state frame by frame instead of every hidden state's mean
     */
    public Wav2Vec2Features(Wav2Vec2Model model, boolean normalize, int layer, boolean framewise) {
        int states = model.config().numHiddenLayers() + 1;
        if (layer < -1 || layer >= states) {
            throw new IllegalArgumentException("layer " + layer + " is outside [-1, " + states + ") for this model");
        }
        this.model = model;
        this.normalize = normalize;
        this.layer = layer;
        this.framewise = framewise;
    }

    /** Layer means from {@code modelDir}, loaded once per JVM; errors name the directory. */
    public static Wav2Vec2Features load(String modelDir, boolean normalize, int layer) {
        return new Wav2Vec2Features(shared(modelDir), normalize, layer, false);
    }

    /** Hidden-state frames from {@code modelDir}, loaded once per JVM; errors name the directory. */
    public static Wav2Vec2Features loadFrames(String modelDir, boolean normalize, int layer) {
        return new Wav2Vec2Features(shared(modelDir), normalize, layer, true);
    }

    /** The model in {@code modelDir}, loaded once per JVM; errors name the directory. */
    static Wav2Vec2Model shared(String modelDir) {
        return MODELS.computeIfAbsent(modelDir, dir -> {
            try {
                return Wav2Vec2Model.load(Path.of(dir));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the wav2vec2 model in " + dir + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * The waveform the encoder takes: {@code samples}, zero-mean unit-variance when {@code normalize}.
     *
     * @throws AudioFormatException TOO_SHORT when the clip is shorter than one frame's receptive field
     */
    static float[] encoderInput(Wav2Vec2Model model, float[] samples, boolean normalize) throws AudioFormatException {
        if (samples.length < model.minimumSamples()) {
            throw new AudioFormatException(AudioProblem.TOO_SHORT, samples.length + " samples are fewer than the "
                    + model.minimumSamples() + " the wav2vec2 feature encoder needs for one frame");
        }
        return normalize ? Wav2Vec2Model.normalizeWaveform(samples) : samples;
    }

    @Override
    public String kind() {
        return framewise ? "wav2vec2-frames" : "wav2vec2";
    }

    /** @param samples [-1, 1] floats at 16 kHz */
    @Override
    public Extracted extract(float[] samples) throws AudioFormatException {
        Wav2Vec2Output out = model.forward(List.of(encoderInput(model, samples, normalize)));
        return framewise ? frames(out) : layerMeans(out);
    }

    private Extracted frames(Wav2Vec2Output out) {
        int n = out.frames()[0];
        List<INDArray> states = out.hiddenStates();
        INDArray frames;
        if (layer >= 0) {
            frames = realFrames(states.get(layer), n).dup('c');
        } else {
            frames = realFrames(states.get(0), n).dup('c');
            for (int l = 1; l < states.size(); l++) {
                frames.addi(realFrames(states.get(l), n));
            }
            frames.divi(states.size());
        }
        return new Extracted(new FeatureMatrix(n, (int) frames.columns(), frames.data().asFloat()),
                frames.mean(0).toFloatVector());
    }

    /** The first utterance's real frames of one hidden state [B, T, H]: [n, H]. */
    private static INDArray realFrames(INDArray state, int n) {
        return state.slice(0).get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
    }

    private Extracted layerMeans(Wav2Vec2Output out) {
        float[][] means = out.layerMeans(0);
        int states = means.length;
        int hidden = means[0].length;
        float[] flat = new float[states * hidden];
        float[] pooled = new float[hidden];
        for (int l = 0; l < states; l++) {
            System.arraycopy(means[l], 0, flat, l * hidden, hidden);
            if (layer == -1 || layer == l) {
                for (int j = 0; j < hidden; j++) {
                    pooled[j] += means[l][j];
                }
            }
        }
        if (layer == -1) {
            for (int j = 0; j < hidden; j++) {
                pooled[j] /= states;
            }
        }
        return new Extracted(new FeatureMatrix(states, hidden, flat), pooled);
    }
}
