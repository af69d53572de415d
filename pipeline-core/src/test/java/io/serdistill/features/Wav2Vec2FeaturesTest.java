package io.serdistill.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioProblem;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
import io.serdistill.model.wav2vec2.Wav2Vec2Output;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Wav2Vec2FeaturesTest {
    private static final String BASE = Path.of("src/test/resources/fixtures/wav2vec2/base").toAbsolutePath().toString();

    private static float[] noise(int n) {
        Random r = new Random(3);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.1 * r.nextGaussian());
        }
        return x;
    }

    @Test
    void storesEveryLayerMeanAndPoolsTheirAverageOrOneLayer() throws Exception {
        float[] x = noise(8000);
        UtteranceFeatures.Extracted all = Wav2Vec2Features.load(BASE, true, -1).extract(x);
        Wav2Vec2Model model = Wav2Vec2Model.load(Path.of(BASE));
        float[][] means = model.forward(List.of(Wav2Vec2Model.normalizeWaveform(x))).layerMeans(0);
        assertEquals(means.length, all.matrix().frames(), "one row per hidden state");
        assertEquals(means[0].length, all.matrix().dim());
        assertArrayEquals(means[2], all.matrix().row(2), 1e-6f);
        float[] avg = new float[means[0].length];
        for (float[] layer : means) {
            for (int j = 0; j < avg.length; j++) {
                avg[j] += layer[j] / means.length;
            }
        }
        assertArrayEquals(avg, all.pooled(), 1e-5f);
        assertArrayEquals(means[1], Wav2Vec2Features.load(BASE, true, 1).extract(x).pooled(), 1e-6f);
    }

    @Test
    void framesStoreOneHiddenStateOrTheirAverageFrameByFrame() throws Exception {
        float[] x = noise(8000);
        Wav2Vec2Model model = Wav2Vec2Model.load(Path.of(BASE));
        Wav2Vec2Output out = model.forward(List.of(Wav2Vec2Model.normalizeWaveform(x)));
        int states = model.config().numHiddenLayers() + 1;
        int n = model.config().frames(x.length);
        UtteranceFeatures.Extracted one = Wav2Vec2Features.loadFrames(BASE, true, 1).extract(x);
        assertEquals(n, one.matrix().frames(), "one row per 20 ms frame");
        assertEquals(model.config().hiddenSize(), one.matrix().dim());
        float[][] layer1 = out.hiddenState(1, 0);
        for (int t = 0; t < n; t++) {
            assertArrayEquals(layer1[t], one.matrix().row(t), 1e-6f, "frame " + t);
        }
        assertArrayEquals(out.layerMeans(0)[1], one.pooled(), 1e-5f, "pooled = the frames' time-mean");

        UtteranceFeatures.Extracted avg = Wav2Vec2Features.loadFrames(BASE, true, -1).extract(x);
        float[] expected = new float[model.config().hiddenSize()];
        for (int l = 0; l < states; l++) {
            float[] row = out.hiddenState(l, 0)[n - 1];
            for (int j = 0; j < expected.length; j++) {
                expected[j] += row[j] / states;
            }
        }
        assertArrayEquals(expected, avg.matrix().row(n - 1), 1e-5f, "last frame averaged over every hidden state");
        assertArrayEquals(Wav2Vec2Features.load(BASE, true, -1).extract(x).pooled(), avg.pooled(), 1e-5f,
                "same pooled vector as the layer-means store");
        assertThrows(IllegalArgumentException.class, () -> Wav2Vec2Features.loadFrames(BASE, true, states));
    }

    @Test
    void tooShortClipIsAnAudioProblem() {
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> Wav2Vec2Features.load(BASE, true, -1).extract(noise(100)));
        assertEquals(AudioProblem.TOO_SHORT, e.problem());
    }

    @Test
    void missingModelDirectoryIsNamed() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> Wav2Vec2Features.load("/no/such/model", true, -1));
        assertTrue(e.getMessage().contains("/no/such/model"), e.getMessage());
    }

    @Test
    void layerOutsideTheModelIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Wav2Vec2Features.load(BASE, true, 99));
    }
}
