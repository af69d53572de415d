package io.serdistill.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KaldiFbankTest {
    private static final String FIXTURES = "/fixtures/fbank/";
    /**
     * The contract with torchaudio, on log values. Observed max abs error: 4.6e-4 (chirp_noise, default), the same
     * as torchaudio's own float32-vs-float64 difference on that clip; the other cases are below 2e-4.
     */
    private static final double TOLERANCE = 1e-3;
    private static final float LOG_EPSILON = (float) Math.log(Math.ulp(1.0f)); // -15.942385

    // ---- torchaudio fixtures (tools/make_fbank_fixtures.py) ----

    static Stream<Arguments> fixtureCases() {
        Properties p = fixtureProperties();
        List<Arguments> cases = new ArrayList<>();
        for (String clip : p.getProperty("clips").split(",")) {
            for (String variant : p.getProperty("variants").split(",")) {
                cases.add(Arguments.of(clip, variant));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("fixtureCases")
    void matchesTorchaudioKaldiFbankWithinOneThousandth(String clip, String variant) {
        Properties p = fixtureProperties();
        float[] pcm16 = readPcm16Wav(FIXTURES + clip + ".wav");
        assertEquals(Integer.parseInt(p.getProperty("clip." + clip + ".samples")), pcm16.length);
        int frames = Integer.parseInt(p.getProperty("ref." + clip + "." + variant + ".frames"));
        int dim = Integer.parseInt(p.getProperty("ref." + clip + "." + variant + ".dim"));
        float[] expected = readFloat32(FIXTURES + clip + "." + variant + ".f32", frames * dim);

        FeatureMatrix actual = new KaldiFbank(optionsOf(p, variant)).compute(pcm16);

        assertEquals(frames, actual.frames(), "frames");
        assertEquals(dim, actual.dim(), "dim");
        double maxAbs = 0;
        int worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual.data()[i]);
            if (err > maxAbs) {
                maxAbs = err;
                worst = i;
            }
        }
        System.out.printf("fbank %s %s: max abs error vs torchaudio %.3g at frame %d col %d%n",
                clip, variant, maxAbs, worst / dim, worst % dim);
        assertTrue(maxAbs <= TOLERANCE, String.format("max abs error %.3g at frame %d col %d (%f vs %f)",
                maxAbs, worst / dim, worst % dim, actual.data()[worst], expected[worst]));
    }

    @Test
    void unitRangeInputGivesTheSameFeaturesAsPcm16ScaledInput() {
        float[] pcm16 = readPcm16Wav(FIXTURES + "harmonic_odd.wav");
        float[] unit = new float[pcm16.length];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = pcm16[i] / KaldiFbank.PCM16_SCALE;
        }
        KaldiFbank fbank = new KaldiFbank(FbankOptions.defaults());

        // Dividing by a power of two is exact, so the two paths see identical doubles.
        assertEquals(fbank.compute(pcm16), fbank.computeFromUnitRange(unit));
    }

    @Test
    void reusingOneInstanceAcrossUtterancesGivesTheSameFeaturesAsFreshInstances() {
        float[] a = readPcm16Wav(FIXTURES + "chirp_noise.wav");
        float[] b = readPcm16Wav(FIXTURES + "quiet_noise.wav");
        FbankOptions options = FbankOptions.defaults().toBuilder().snipEdges(false).useEnergy(true).build();
        KaldiFbank reused = new KaldiFbank(options);

        reused.compute(a);
        FeatureMatrix bAfterA = reused.compute(b);

        assertEquals(new KaldiFbank(options).compute(b), bAfterA);
    }

    // ---- frame count rules ----

    @Test
    void snipEdgesKeepsOnlyWholeWindows() {
        KaldiFbank fbank = new KaldiFbank(FbankOptions.defaults()); // 400-sample window, 160 shift
        assertEquals(0, fbank.numFrames(0));
        assertEquals(0, fbank.numFrames(399));
        assertEquals(1, fbank.numFrames(400));
        assertEquals(1, fbank.numFrames(559));
        assertEquals(2, fbank.numFrames(560));
        assertEquals(98, fbank.numFrames(16000));
        assertEquals(0, fbank.compute(new float[399]).frames());
        assertEquals(98, fbank.compute(new float[16000]).frames());
    }

    @Test
    void withoutSnipEdgesFrameCountDependsOnlyOnTheShift() {
        KaldiFbank fbank = new KaldiFbank(FbankOptions.defaults().toBuilder().snipEdges(false).build());
        assertEquals(0, fbank.numFrames(79));
        assertEquals(1, fbank.numFrames(80));
        assertEquals(1, fbank.numFrames(239));
        assertEquals(2, fbank.numFrames(240));
        assertEquals(100, fbank.numFrames(16000));
        // Shorter than one window: the edges are reflected, so a 100-sample clip still gives one frame.
        FeatureMatrix shortClip = fbank.compute(sine(100, 440, 1000));
        assertEquals(1, shortClip.frames());
        assertTrue(shortClip.get(0, 10) > LOG_EPSILON + 1, "reflected short clip has energy");
    }

    @Test
    void windowAndShiftFollowTorchaudioRounding() {
        FbankOptions options = FbankOptions.defaults();
        assertEquals(400, options.windowSize());
        assertEquals(160, options.windowShift());
        assertEquals(512, options.paddedWindowSize());
        assertEquals(400, options.toBuilder().roundToPowerOfTwo(false).build().paddedWindowSize());
        assertEquals(8000.0, options.resolvedHighFreq());
        assertEquals(7600.0, options.toBuilder().highFreq(-400).build().resolvedHighFreq());
    }

    // ---- known behaviours ----

    @Test
    void silenceGivesLogEpsilonBinsAndTheEnergyFloor() {
        float[] silence = new float[16000];
        FbankOptions withEnergy = FbankOptions.defaults().toBuilder().useEnergy(true).build();

        FeatureMatrix floored = new KaldiFbank(withEnergy).compute(silence);
        FeatureMatrix unfloored = new KaldiFbank(withEnergy.toBuilder().energyFloor(0).build()).compute(silence);

        assertEquals(81, floored.dim());
        for (int t = 0; t < floored.frames(); t++) {
            assertEquals(0.0f, floored.get(t, 0), "log(energyFloor 1.0) = 0");
            assertEquals(LOG_EPSILON, unfloored.get(t, 0), "no floor: log(float epsilon)");
            for (int c = 1; c < 81; c++) {
                assertEquals(LOG_EPSILON, floored.get(t, c));
            }
        }
    }

    @Test
    void ditherIsReproducibleFromItsSeedAndLiftsSilenceAboveTheFloor() {
        float[] silence = new float[4000];
        FbankOptions dithered = FbankOptions.defaults().toBuilder().dither(1.0).ditherSeed(7).build();

        FeatureMatrix first = new KaldiFbank(dithered).compute(silence);
        FeatureMatrix again = new KaldiFbank(dithered).compute(silence);
        FeatureMatrix otherSeed = new KaldiFbank(dithered.toBuilder().ditherSeed(8).build()).compute(silence);

        assertEquals(first, again);
        assertNotEquals(first, otherSeed);
        // Unit-variance white noise lifts every mel bin far above the float-epsilon floor (ln ≈ -15.9); the lowest
        // bins stay small because pre-emphasis nearly cancels frequencies near DC.
        for (float v : first.data()) {
            assertTrue(v > LOG_EPSILON + 5, "dithered bin " + v);
        }
    }

    @Test
    void pureToneEnergyPeaksInTheMelBinCentredNearestItsFrequency() {
        FbankOptions options = FbankOptions.defaults();
        FeatureMatrix features = new KaldiFbank(options).compute(sine(8000, 1000, 10000));
        double melLow = MelFilterbank.mel(options.lowFreq());
        double delta = (MelFilterbank.mel(8000) - melLow) / 81;
        int expected = (int) Math.round((MelFilterbank.mel(1000) - melLow) / delta) - 1;

        for (int t = 0; t < features.frames(); t++) {
            float[] row = features.row(t);
            int argmax = 0;
            for (int c = 1; c < row.length; c++) {
                argmax = row[c] > row[argmax] ? c : argmax;
            }
            assertEquals(expected, argmax, "frame " + t);
        }
    }

    @Test
    void melFiltersAreTrianglesThatSumToOneBetweenTheFirstAndLastCentre() {
        FbankOptions options = FbankOptions.defaults();
        MelFilterbank banks = MelFilterbank.of(options);
        assertEquals(80, banks.numBins());
        assertEquals(256, banks.numFftBins());
        double binHz = 16000.0 / 512;
        double melLow = MelFilterbank.mel(20);
        double delta = (MelFilterbank.mel(8000) - melLow) / 81;

        for (int k = 0; k < banks.numFftBins(); k++) {
            double m = MelFilterbank.mel(k * binHz);
            double total = 0;
            for (int b = 0; b < banks.numBins(); b++) {
                double w = banks.weight(b, k);
                assertTrue(w >= 0 && w <= 1, "weight in [0, 1]");
                total += w;
            }
            if (m > melLow + delta && m < melLow + 80 * delta) {
                assertEquals(1.0, total, 1e-12, "FFT bin " + k);
            }
            if (k * binHz <= 20) {
                assertEquals(0.0, total, "below lowFreq, FFT bin " + k);
            }
        }
        // Filter 0 spans 20..65.7 Hz: FFT bins 1 and 2 (31.25, 62.5 Hz). High filters are wide.
        assertEquals(1, banks.firstBin(0));
        assertEquals(2, banks.width(0));
        assertTrue(banks.width(79) > 10, "width of the top filter " + banks.width(79));
    }

    @Test
    void fastRealFftMatchesADirectDft() {
        Random random = new Random(3);
        double[] frame = new double[512];
        for (int i = 0; i < 400; i++) {
            frame[i] = random.nextGaussian() * 1000;
        }
        double[] fast = new double[256];
        new RealSpectrum(512).compute(frame, fast, true);

        for (int k = 0; k < 256; k++) {
            double re = 0;
            double im = 0;
            for (int j = 0; j < 512; j++) {
                re += frame[j] * Math.cos(2 * Math.PI * k * j / 512);
                im -= frame[j] * Math.sin(2 * Math.PI * k * j / 512);
            }
            double direct = re * re + im * im;
            assertEquals(direct, fast[k], 1e-9 * direct + 1e-6, "bin " + k);
        }
    }

    @Test
    void rejectedOptionsNameTheirField() {
        FbankOptions.Builder b = FbankOptions.defaults().toBuilder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.numMelBins(3).build());
        assertTrue(e.getMessage().contains("numMelBins"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FbankOptions.defaults().toBuilder().highFreq(9000).build());
        assertTrue(e.getMessage().contains("highFreq"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FbankOptions.defaults().toBuilder().lowFreq(8000).build());
        assertTrue(e.getMessage().contains("lowFreq"), e.getMessage());
    }

    @Test
    void featureMatrixExposesRowsAndTheTwoDimensionalView() {
        FeatureMatrix m = new FeatureMatrix(2, 3, new float[] {1, 2, 3, 4, 5, 6});
        assertEquals(6f, m.get(1, 2));
        assertArrayEquals(new float[] {4, 5, 6}, m.row(1));
        assertArrayEquals(new float[] {1, 2, 3}, m.toArray2d()[0]);
        assertThrows(IllegalArgumentException.class, () -> new FeatureMatrix(2, 3, new float[5]));
    }

    // ---- helpers ----

    /** A sine at PCM16 scale. */
    static float[] sine(int n, double hz, double amplitude) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / 16000));
        }
        return x;
    }

    private static FbankOptions optionsOf(Properties p, String variant) {
        FbankOptions.Builder b = FbankOptions.defaults().toBuilder();
        String prefix = "variant." + variant + ".";
        for (String key : p.stringPropertyNames()) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            String v = p.getProperty(key);
            switch (key.substring(prefix.length())) {
                case "num_mel_bins" -> b.numMelBins(Integer.parseInt(v));
                case "window_type" -> b.windowType(FbankOptions.WindowType.valueOf(v.toUpperCase()));
                case "use_energy" -> b.useEnergy(Boolean.parseBoolean(v));
                case "raw_energy" -> b.rawEnergy(Boolean.parseBoolean(v));
                case "energy_floor" -> b.energyFloor(Double.parseDouble(v));
                case "low_freq" -> b.lowFreq(Double.parseDouble(v));
                case "high_freq" -> b.highFreq(Double.parseDouble(v));
                case "snip_edges" -> b.snipEdges(Boolean.parseBoolean(v));
                case "round_to_power_of_two" -> b.roundToPowerOfTwo(Boolean.parseBoolean(v));
                case "use_power" -> b.usePower(Boolean.parseBoolean(v));
                case "remove_dc_offset" -> b.removeDcOffset(Boolean.parseBoolean(v));
                default -> throw new IllegalArgumentException("fixture option not mapped: " + key);
            }
        }
        return b.build();
    }

    private static Properties fixtureProperties() {
        Properties p = new Properties();
        try (InputStream in = resource(FIXTURES + "fixtures.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static float[] readFloat32(String name, int count) {
        ByteBuffer buf = ByteBuffer.wrap(readAll(name)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(count * 4, buf.remaining(), name + " size");
        float[] out = new float[count];
        buf.asFloatBuffer().get(out);
        return out;
    }

    /** Minimal RIFF reader for the mono PCM16 fixtures; samples returned at PCM16 scale. */
    static float[] readPcm16Wav(String name) {
        ByteBuffer buf = ByteBuffer.wrap(readAll(name)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x46464952, buf.getInt(0), "RIFF"); // "RIFF" little-endian
        buf.position(12);
        while (buf.remaining() >= 8) {
            int id = buf.getInt();
            int size = buf.getInt();
            if (id == 0x20746d66) { // "fmt "
                assertEquals(1, buf.getShort(buf.position()), "PCM format");
                assertEquals(1, buf.getShort(buf.position() + 2), "mono");
                assertEquals(16, buf.getShort(buf.position() + 14), "16-bit");
            } else if (id == 0x61746164) { // "data"
                float[] out = new float[size / 2];
                for (int i = 0; i < out.length; i++) {
                    out[i] = buf.getShort();
                }
                return out;
            }
            buf.position(buf.position() + size + (size & 1));
        }
        throw new AssertionError("no data chunk in " + name);
    }

    private static byte[] readAll(String name) {
        try (InputStream in = resource(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = KaldiFbankTest.class.getResourceAsStream(name);
        if (in == null) {
            throw new AssertionError("missing test resource " + name);
        }
        return in;
    }
}
