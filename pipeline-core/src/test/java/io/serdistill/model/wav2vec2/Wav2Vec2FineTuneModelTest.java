package io.serdistill.model.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The trainable graph against the frozen encoder ({@link Wav2Vec2Model}, itself matched to torchaudio) on the
 * committed fixtures. Errors are max |actual - expected| / max |expected| over the real frames.
 */
class Wav2Vec2FineTuneModelTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"base", "stable"})
    void hiddenStatesEqualTheFrozenEncoderForOneUtteranceAndAPaddedBatch(String variant) throws IOException {
        Properties p = Wav2Vec2ParityTest.properties();
        Wav2Vec2Model frozen = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir(variant));
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir(variant),
                Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), true, 8, 4), 1);
        int samples = Integer.parseInt(p.getProperty("input.samples"));
        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", samples);
        float[] both = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "batch.f32", 2 * samples);
        float[] second = java.util.Arrays.copyOfRange(both, samples, samples + 5600);

        // single utterance: the CNN frames from featureEncoder, through the graph
        Wav2Vec2Output single = frozen.forward(List.of(wave));
        List<INDArray> cnn = frozen.featureEncoder(List.of(wave));
        assertClose(variant + " cnn", single.features().slice(0), cnn.get(0), single.frames()[0]);
        List<INDArray> states = model.hiddenStates(model.batch(cnn));
        for (int i = 0; i < states.size(); i++) {
            assertClose(variant + " hidden." + i, single.hiddenStates().get(i).slice(0), states.get(i).slice(0), single.frames()[0]);
        }

        // padded batch: the frozen encoder's batch features (padding frames included) with the mask
        Wav2Vec2Output batch = frozen.forward(List.of(wave, second));
        INDArray mask = Nd4j.createFromArray(batch.frameMask());
        List<INDArray> batchStates = model.hiddenStates(new Wav2Vec2FineTuneModel.Batch(batch.features(), mask));
        for (int i = 0; i < batchStates.size(); i++) {
            for (int b = 0; b < 2; b++) {
                assertClose(variant + " batch.hidden." + i + "[" + b + "]", batch.hiddenStates().get(i).slice(b),
                        batchStates.get(i).slice(b), batch.frames()[b]);
            }
        }
        // and a padded batch built by the model from per-utterance frames: the short one is unaffected by padding
        List<INDArray> two = frozen.featureEncoder(List.of(wave, second));
        Wav2Vec2Output alone = frozen.forward(List.of(second));
        List<INDArray> padded = model.hiddenStates(model.batch(two));
        int last = padded.size() - 1;
        assertClose(variant + " padded short", alone.hiddenStates().get(last).slice(0), padded.get(last).slice(1), alone.frames()[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "stable"})
    void gradientsMatchFiniteDifferencesInDoublePrecision(String variant) throws IOException {
        Wav2Vec2Model frozen = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir(variant));
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir(variant),
                Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), true, 8, 4), 3, DataType.DOUBLE);
        model.prepareTraining(0.5, 2.0);
        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        // two utterances of different lengths: the gradient also flows through the padding masks
        Wav2Vec2FineTuneModel.Batch batch = model.batch(frozen.featureEncoder(
                List.of(java.util.Arrays.copyOf(wave, 6000), java.util.Arrays.copyOfRange(wave, 1000, 8000))));
        int[] labels = {1, 3};
        List<float[]> targets = List.of(new float[] {0.1f, 0.6f, 0.2f, 0.1f}, new float[] {0.25f, 0.25f, 0.1f, 0.4f});
        Map<String, INDArray> grads = model.step(batch, labels, targets, null).gradients();
        Map<String, INDArray> params = model.parameters();
        double worst = 0;
        for (String name : List.of("feature_projection.layer_norm.weight", "feature_projection.projection.weight",
                "encoder.pos_conv_embed.conv.weight_g", "encoder.pos_conv_embed.conv.weight_v",
                "encoder.pos_conv_embed.conv.bias", "encoder.layer_norm.bias", "encoder.layers.0.attention.q_proj.weight",
                "encoder.layers.0.attention.k_proj.weight", "encoder.layers.1.attention.v_proj.weight",
                "encoder.layers.1.feed_forward.intermediate_dense.weight", "encoder.layers.1.final_layer_norm.weight",
                "layer_logits", "proj_w", "cls_b")) {
            INDArray p = params.get(name).reshape(-1);
            INDArray g = grads.get(name).reshape(-1);
            for (long i : new long[] {0, p.length() / 3, p.length() - 1}) {
                double original = p.getDouble(i);
                double h = 1e-6;
                p.putScalar(i, original + h);
                double up = model.loss(batch, labels, targets, null);
                p.putScalar(i, original - h);
                double down = model.loss(batch, labels, targets, null);
                p.putScalar(i, original);
                double numeric = (up - down) / (2 * h);
                double analytic = g.getDouble(i);
                // floor: a few gradients are exactly 0 (e.g. the key bias: softmax ignores a shift shared by all keys)
                double err = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
                worst = Math.max(worst, err);
                assertTrue(err < 1e-5, variant + " " + name + "[" + i + "]: numeric " + numeric + " vs analytic " + analytic);
            }
        }
        System.out.printf("%s gradient check: worst relative error %.3g%n", variant, worst);
    }

    @org.junit.jupiter.api.Test
    void aBatchOfOneUtteranceTrains() throws IOException {
        Wav2Vec2Model frozen = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir("base"));
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir("base"),
                Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), true, 8, 4), 3);
        model.prepareTraining(1.0, 1.0);
        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        INDArray frames = frozen.featureEncoder(List.of(wave)).get(0);
        Wav2Vec2FineTuneModel.Step one = model.step(model.batch(List.of(frames)), new int[] {2}, null, null);
        Wav2Vec2FineTuneModel.Step two = model.step(model.batch(List.of(frames, frames)), new int[] {2, 2}, null, null);
        assertEquals(two.loss(), one.loss(), 1e-6);
        assertEquals(model.loss(model.batch(List.of(frames)), new int[] {2}, null, null), one.loss(), 1e-6);
        String q = "encoder.layers.1.attention.q_proj.weight";
        assertEquals(0, one.gradients().get(q).sub(two.gradients().get(q)).amaxNumber().doubleValue(), 1e-6);
    }

    static double relativeError(INDArray expected, INDArray actual, int frames) {
        INDArray e = expected.get(NDArrayIndex.interval(0, frames), NDArrayIndex.all()).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray a = actual.get(NDArrayIndex.interval(0, frames), NDArrayIndex.all()).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        return a.sub(e).amaxNumber().doubleValue() / e.amaxNumber().doubleValue();
    }

    static void assertClose(String what, INDArray expected, INDArray actual, int frames) {
        double rel = relativeError(expected, actual, frames);
        System.out.printf("%s: relative error %.3g%n", what, rel);
        assertTrue(rel <= TOLERANCE, what + ": relative error " + rel + " > " + TOLERANCE);
    }
}
