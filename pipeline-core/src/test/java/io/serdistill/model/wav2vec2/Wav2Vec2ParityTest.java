package io.serdistill.model.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity with torchaudio's wav2vec2 on tiny random models (tools/make_wav2vec2_fixtures.py): "base" is group norm +
 * post-LN with weight_g/weight_v names, "stable" is layer norm + pre-LN with "wav2vec2."-prefixed names and
 * parametrizations.* names. Errors are max |actual - expected| / max |expected| over the whole tensor.
 */
class Wav2Vec2ParityTest {
    static final String FIXTURES = "/fixtures/wav2vec2/";
    /** The contract. Observed when written: at most 1.2e-6 single utterance, 4.3e-6 padded batch (base). */
    private static final double TOLERANCE = 1e-4;

    /** Both forward paths: the fused CPU one ({@link CpuEncoder}, the default here) and plain ND4J ops. */
    @ParameterizedTest(name = "{0}, fused {1}")
    @CsvSource({"base, true", "base, false", "stable, true", "stable, false"})
    void singleUtteranceMatchesTorchaudioAtEveryLayer(String variant, boolean fused) throws IOException {
        Properties p = properties();
        Wav2Vec2Model model = Wav2Vec2Model.load(fixtureDir(variant));
        float[] wave = floats(FIXTURES + "input.f32", Integer.parseInt(p.getProperty("input.samples")));
        int frames = Integer.parseInt(p.getProperty(variant + ".frames"));
        int hidden = model.config().hiddenSize();

        Wav2Vec2Output out = model.forward(Nd4j.createFromArray(wave).reshape(1, wave.length), new int[] {wave.length}, fused);

        assertArrayEquals(new int[] {frames}, out.frames());
        assertEquals(model.config().numHiddenLayers() + 1, out.hiddenStates().size());
        assertRelativeError(variant + " features", floats(FIXTURES + variant + "/features.f32", frames * model.config().featureDim()),
                out.features());
        for (int i = 0; i < out.hiddenStates().size(); i++) {
            assertRelativeError(variant + (fused ? " fused" : "") + " hidden." + i, floats(FIXTURES + variant + "/hidden." + i + ".f32", frames * hidden),
                    out.hiddenStates().get(i));
        }
    }

    @ParameterizedTest(name = "{0}, fused {1}")
    @CsvSource({"base, true", "base, false", "stable, true", "stable, false"})
    void paddedBatchMatchesTorchaudioWithAttentionMask(String variant, boolean fused) throws IOException {
        Properties p = properties();
        Wav2Vec2Model model = Wav2Vec2Model.load(fixtureDir(variant));
        int[] lengths = ints(p.getProperty("batch.lengths"));
        int samples = Integer.parseInt(p.getProperty("input.samples"));
        INDArray batch = Nd4j.create(floats(FIXTURES + "batch.f32", 2 * samples), new long[] {2, samples}, 'c');
        int frames = Integer.parseInt(p.getProperty(variant + ".batch.frames"));
        int hidden = model.config().hiddenSize();

        Wav2Vec2Output out = model.forward(batch, lengths, fused);

        assertArrayEquals(ints(p.getProperty(variant + ".batch.lengths")), out.frames());
        for (int i = 0; i < out.hiddenStates().size(); i++) {
            assertRelativeError(variant + (fused ? " fused" : "") + " batch.hidden." + i,
                    floats(FIXTURES + variant + "/batch.hidden." + i + ".f32", 2 * frames * hidden), out.hiddenStates().get(i));
        }
    }

    /**
     * The featureEncoder (CNN frames for fine-tuning) equals the forward pass's features on one utterance, so the
     * fused conv stack it uses on the CPU backend is held to the same torchaudio fixtures.
     */
    @ParameterizedTest
    @ValueSource(strings = {"base", "stable"})
    void featureEncoderMatchesTorchaudio(String variant) throws IOException {
        Properties p = properties();
        Wav2Vec2Model model = Wav2Vec2Model.load(fixtureDir(variant));
        float[] wave = floats(FIXTURES + "input.f32", Integer.parseInt(p.getProperty("input.samples")));
        int frames = Integer.parseInt(p.getProperty(variant + ".frames"));

        INDArray cnn = model.featureEncoder(List.of(wave)).get(0);

        assertArrayEquals(new long[] {frames, model.config().featureDim()}, cnn.shape());
        assertRelativeError(variant + " featureEncoder", floats(FIXTURES + variant + "/features.f32",
                frames * model.config().featureDim()), cnn);
    }

    static void assertRelativeError(String what, float[] expected, INDArray actual) {
        float[] a = actual.dup('c').data().asFloat();
        assertEquals(expected.length, a.length, what + " size");
        double maxErr = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            maxErr = Math.max(maxErr, Math.abs(a[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        double rel = maxErr / scale;
        System.out.printf("%s: max abs error %.3g, scale %.3g, relative %.3g%n", what, maxErr, scale, rel);
        assertTrue(rel <= TOLERANCE, what + ": relative error " + rel + " > " + TOLERANCE);
    }

    static Path fixtureDir(String variant) {
        try {
            return Path.of(Wav2Vec2ParityTest.class.getResource(FIXTURES + variant + "/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Properties properties() {
        Properties p = new Properties();
        try (InputStream in = Wav2Vec2ParityTest.class.getResourceAsStream(FIXTURES + "fixtures.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static float[] floats(String resource, int count) {
        try (InputStream in = Wav2Vec2ParityTest.class.getResourceAsStream(resource)) {
            byte[] bytes = in.readAllBytes();
            assertEquals(4L * count, bytes.length, resource + " size");
            float[] out = new float[count];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(String csv) {
        String[] parts = csv.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i].trim());
        }
        return out;
    }
}
