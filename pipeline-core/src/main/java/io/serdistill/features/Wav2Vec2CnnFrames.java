package io.serdistill.features;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The frozen conv feature encoder's output, the input of wav2vec2 fine-tuning
 * ({@link io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel}): the matrix is [frames, conv_dim[-1]] (512 for
 * released models), one frame per 20 ms ({@link io.serdistill.model.wav2vec2.Wav2Vec2Config#frames}), so 2 KB of
 * float32 per 20 ms of audio. The CNN never trains, so this is computed once at extraction, not every epoch. The
 * pooled vector is the frames' mean over time (for inspection; the fine-tuned models read the frames).
 */
public final class Wav2Vec2CnnFrames implements UtteranceFeatures {
    private final Wav2Vec2Model model;
    private final boolean normalize;

    /** @param normalize zero-mean unit-variance waveform first (the checkpoint's do_normalize) */
    public Wav2Vec2CnnFrames(Wav2Vec2Model model, boolean normalize) {
        this.model = model;
        this.normalize = normalize;
    }

    /** Loads (once per JVM, shared with {@link Wav2Vec2Features}) the Hugging Face directory; errors name it. */
    public static Wav2Vec2CnnFrames load(String modelDir, boolean normalize) {
        return new Wav2Vec2CnnFrames(Wav2Vec2Features.shared(modelDir), normalize);
    }

    @Override
    public String kind() {
        return "wav2vec2-cnn";
    }

    /** @param samples [-1, 1] floats at 16 kHz */
    @Override
    public Extracted extract(float[] samples) throws AudioFormatException {
        float[] input = Wav2Vec2Features.encoderInput(model, samples, normalize);
        INDArray frames = model.featureEncoder(List.of(input)).get(0);
        int n = (int) frames.rows();
        int dim = (int) frames.columns();
        float[] pooled = frames.mean(0).toFloatVector();
        return new Extracted(new FeatureMatrix(n, dim, frames.dup('c').data().asFloat()), pooled);
    }
}
