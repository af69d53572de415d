package io.serdistill.audio;

import static io.serdistill.audio.Sines.sine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResamplerTest {

    /**
     * Amplitude of the component at {@code hz} in y[from, to), by least squares on sin and cos at that frequency
     * (exact for a pure tone, and insensitive to tones at other frequencies over many periods).
     */
    private static double amplitudeAt(float[] y, int rate, double hz, int from, int to) {
        double ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
        for (int i = from; i < to; i++) {
            double s = Math.sin(2 * Math.PI * hz * i / rate);
            double c = Math.cos(2 * Math.PI * hz * i / rate);
            ss += s * s;
            cc += c * c;
            sc += s * c;
            ys += y[i] * s;
            yc += y[i] * c;
        }
        double det = ss * cc - sc * sc;
        double a = (ys * cc - yc * sc) / det;
        double b = (yc * ss - ys * sc) / det;
        return Math.hypot(a, b);
    }

    private static double rms(float[] y, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += y[i] * (double) y[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    @Test
    void keepsA1kHzSineWhenDownsampling44100To16000() {
        float[] y = new Resampler(44100, 16000).resample(sine(1000, 0.5, 44100, 44100));
        assertEquals(16000, y.length);
        // Away from the zero-padded edges the output is the ideal 16 kHz sine, phase included.
        float[] ideal = sine(1000, 0.5, 16000, 16000);
        double maxError = 0;
        for (int i = 200; i < 15800; i++) {
            maxError = Math.max(maxError, Math.abs(y[i] - ideal[i]));
        }
        assertTrue(maxError < 1e-3, "max error " + maxError);
        assertEquals(0.5, amplitudeAt(y, 16000, 1000, 200, 15800), 1e-3);
    }

    @Test
    void rejectsAToneAboveTheNewNyquistWhenDownsampling48000To16000() {
        Resampler r = new Resampler(48000, 16000);
        for (double hz : new double[] {8500, 9000, 12000, 20000}) {
            float[] y = r.resample(sine(hz, 0.5, 48000, 48000));
            double attenuationDb = 20 * Math.log10(rms(y, 200, 15800) / (0.5 / Math.sqrt(2)));
            assertTrue(attenuationDb < -60, hz + " Hz attenuated only " + attenuationDb + " dB");
        }
    }

    @Test
    void passesA7kHzToneJustBelowTheTransitionBand() {
        float[] y = new Resampler(48000, 16000).resample(sine(7000, 0.5, 48000, 48000));
        assertEquals(0.5, amplitudeAt(y, 16000, 7000, 200, 15800), 0.5 * 0.01);
    }

    @Test
    void upsamplesA440HzSineFrom8000To16000() {
        float[] y = new Resampler(8000, 16000).resample(sine(440, 0.8, 8000, 8000));
        assertEquals(16000, y.length);
        float[] ideal = sine(440, 0.8, 16000, 16000);
        for (int i = 200; i < 15800; i++) {
            assertEquals(ideal[i], y[i], 1e-3, "frame " + i);
        }
    }

    @Test
    void keepsDcLevelAwayFromTheEdges() {
        float[] x = new float[22050];
        java.util.Arrays.fill(x, 0.3f);
        float[] y = new Resampler(22050, 16000).resample(x);
        for (int i = 200; i < y.length - 200; i++) {
            assertEquals(0.3, y[i], 1e-4, "frame " + i);
        }
    }

    @Test
    void outputLengthIsTheCeilingOfTheScaledInputLength() {
        Resampler r = new Resampler(44100, 16000);
        assertEquals(363, r.outputLength(1000)); // 362.81...
        assertEquals(363, r.resample(new float[1000]).length);
        assertEquals(160, r.outputLength(441));
        assertEquals(1, r.outputLength(1));
        assertEquals(0, r.resample(new float[0]).length);
        assertEquals(3, new Resampler(8000, 16000).resample(new float[] {1, 0}).length - 1);
        assertEquals(16000 * 3600, new Resampler(48000, 16000).outputLength(48000 * 3600));
    }

    @Test
    void isAnIdentityCopyWhenRatesAreEqual() {
        float[] x = {0.1f, -0.2f, 0.3f};
        float[] y = new Resampler(16000, 16000).resample(x);
        assertArrayEquals(x, y);
        assertNotSame(x, y);
    }

    @Test
    void convertsClipsAndRefusesOnesAtAnotherRate() {
        Resampler r = new Resampler(32000, 16000);
        AudioClip out = r.resample(new AudioClip(new float[64], 32000));
        assertEquals(16000, out.sampleRate());
        assertEquals(32, out.samples().length);
        assertThrows(IllegalArgumentException.class, () -> r.resample(new AudioClip(new float[64], 44100)));
    }
}
