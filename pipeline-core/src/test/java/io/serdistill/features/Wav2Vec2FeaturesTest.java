package io.serdistill.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.data.RejectReason;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
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
    void tooShortClipIsARejectReason() {
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> Wav2Vec2Features.load(BASE, true, -1).extract(noise(100)));
        assertEquals(RejectReason.TOO_SHORT, e.reason());
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
