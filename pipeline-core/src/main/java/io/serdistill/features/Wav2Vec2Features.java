package io.serdistill.features;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.data.RejectReason;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Frozen wav2vec2 features: the matrix holds every hidden state's mean over time, [hidden states][hidden size]
 * (exact input for mean-pooling heads, with or without layer weighting); the pooled vector is one hidden state's
 * mean, or the average over all of them.
 */
public final class Wav2Vec2Features implements UtteranceFeatures {
    /** One model per directory per JVM: the encoder is immutable and thread-safe, and loading it is the costly part. */
    private static final Map<String, Wav2Vec2Model> MODELS = new ConcurrentHashMap<>();

    private final Wav2Vec2Model model;
    private final boolean normalize;
    private final int layer;

    /**
     * @param normalize zero-mean unit-variance waveform first (the checkpoint's do_normalize)
     * @param layer     -1 for the average of all hidden states, else the hidden state index
     */
    public Wav2Vec2Features(Wav2Vec2Model model, boolean normalize, int layer) {
        int states = model.config().numHiddenLayers() + 1;
        if (layer < -1 || layer >= states) {
            throw new IllegalArgumentException("layer " + layer + " is outside [-1, " + states + ") for this model");
        }
        this.model = model;
        this.normalize = normalize;
        this.layer = layer;
    }

    /** Loads (once per JVM) the Hugging Face directory; errors name the directory. */
    public static Wav2Vec2Features load(String modelDir, boolean normalize, int layer) {
        return new Wav2Vec2Features(shared(modelDir), normalize, layer);
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
            throw new AudioFormatException(RejectReason.TOO_SHORT, samples.length + " samples are fewer than the "
                    + model.minimumSamples() + " the wav2vec2 feature encoder needs for one frame");
        }
        return normalize ? Wav2Vec2Model.normalizeWaveform(samples) : samples;
    }

    @Override
    public String kind() {
        return "wav2vec2";
    }

    /** @param samples [-1, 1] floats at 16 kHz */
    @Override
    public Extracted extract(float[] samples) throws AudioFormatException {
        float[] input = encoderInput(model, samples, normalize);
        float[][] means = model.forward(List.of(input)).layerMeans(0);
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
