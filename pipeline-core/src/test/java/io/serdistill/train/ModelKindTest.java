package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioProblem;
import io.serdistill.features.UtteranceFeatures;
import io.serdistill.features.Wav2Vec2CnnFrames;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Fine-tuning's inputs are the stored CNN frames, flattened and restored. */
class ModelKindTest {

    private static Path fixture() {
        try {
            return Path.of(ModelKindTest.class.getResource("/fixtures/wav2vec2/base/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void cnnFramesAreTheFeatureEncodersOutputAndRoundTripFlattened() throws Exception {
        Wav2Vec2Model model = Wav2Vec2Model.load(fixture());
        float[] wave = new float[4000];
        for (int n = 0; n < wave.length; n++) {
            wave[n] = (float) Math.sin(2 * Math.PI * 300 * n / 16000);
        }
        UtteranceFeatures.Extracted e = new Wav2Vec2CnnFrames(model, true).extract(wave);
        INDArray expected = model.featureEncoder(List.of(Wav2Vec2Model.normalizeWaveform(wave))).get(0);
        assertEquals(model.config().frames(wave.length), e.matrix().frames());
        assertEquals(model.config().featureDim(), e.matrix().dim());
        assertEquals(model.config().featureDim(), e.pooled().length);
        INDArray restored = Wav2Vec2FineTuneKind.frames(e.matrix().data(), e.matrix().dim(), "u");
        assertArrayEquals(expected.shape(), restored.shape());
        assertEquals(0.0, restored.sub(expected).amaxNumber().doubleValue(), 0.0);

        AudioFormatException tooShort = assertThrows(AudioFormatException.class,
                () -> new Wav2Vec2CnnFrames(model, true).extract(new float[model.minimumSamples() - 1]));
        assertEquals(AudioProblem.TOO_SHORT, tooShort.problem());
        IllegalArgumentException notFrames = assertThrows(IllegalArgumentException.class,
                () -> Wav2Vec2FineTuneKind.frames(new float[45], 32, "utt7"));
        assertTrue(notFrames.getMessage().contains("utt7") && notFrames.getMessage().contains("wav2vec2 mode finetune")
                        && notFrames.getMessage().contains("tdnn: fbank frames"),
                notFrames.getMessage());
    }
}
