package io.serdistill.model.tdnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.SafeTensors;
import io.serdistill.model.TrainingEngine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The TDNN over fbank-like frames (12 bins), on random utterances of different lengths, on both engines. */
class TdnnClassifierTest {
    private static final int F = 12;
    private static final TdnnSpec SPEC = new TdnnSpec(F, List.of(8, 6), List.of(5, 3), List.of(1, 2), 4, true, 4);

    private static INDArray utterance(Random r, int frames) {
        float[] x = new float[frames * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2 - 5);
        }
        return Nd4j.create(x, new long[] {frames, F}, 'c');
    }

    private static float[] constant(float v) {
        float[] a = new float[F];
        Arrays.fill(a, v);
        return a;
    }

    private static TdnnClassifier model(SpecAugment augment, long seed) {
        return model(augment, seed, TrainingEngine.SAMEDIFF);
    }

    private static TdnnClassifier model(SpecAugment augment, long seed, TrainingEngine engine) {
        TdnnClassifier m = TdnnClassifier.initialise(SPEC, constant(-5f), constant(2f), augment, seed);
        m.setTrainingEngine(engine);
        return m;
    }

    private static void assertClose(float[][] expected, float[][] actual, double tol, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], (float) tol, what + " " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TrainingEngine.class, names = {"SAMEDIFF", "FUSED"})
    void paddingNeverChangesAnUtterancesLogitsOrPooledStatistics(TrainingEngine engine) {
        Random r = new Random(1);
        // The short ones are padded by up to 38 frames, more than the stack's receptive field (9 frames each side).
        List<INDArray> batch = List.of(utterance(r, 2), utterance(r, 40), utterance(r, 13), utterance(r, 7));
        TdnnClassifier m = model(SpecAugment.NONE, 3, engine);
        float[][] together = m.logits(batch);
        float[][] pooledTogether = m.pooled(batch);
        for (int i = 0; i < batch.size(); i++) {
            assertArrayEquals(m.logits(List.of(batch.get(i)))[0], together[i], 1e-5f, "logits of utterance " + i);
            assertArrayEquals(m.pooled(List.of(batch.get(i)))[0], pooledTogether[i], 1e-5f, "pooled " + i);
        }
        assertEquals(2 * 6, pooledTogether[0].length, "mean and std of the last layer's 6 channels");
        assertNotEquals(together[0][0], together[1][0]);
    }

    @ParameterizedTest
    @EnumSource(value = TrainingEngine.class, names = {"SAMEDIFF", "FUSED"})
    void specAugmentChangesTrainingStepsOnlyAndIsDeterministicGivenTheSeed(TrainingEngine engine) {
        Random r = new Random(2);
        List<INDArray> batch = List.of(utterance(r, 30), utterance(r, 25), utterance(r, 40));
        int[] labels = {0, 1, 2};
        SpecAugment augment = new SpecAugment(2, 8, 2, 4);
        TdnnClassifier plain = model(SpecAugment.NONE, 5, engine);
        TdnnClassifier augmented = model(augment, 5, engine);
        TdnnClassifier again = model(augment, 5, engine);
        assertClose(plain.logits(batch), augmented.logits(batch), 0, "scoring never augments");
        plain.prepareTraining(1, 1);
        augmented.prepareTraining(1, 1);
        again.prepareTraining(1, 1);
        augmented.startEpoch(1);
        again.startEpoch(1);
        double clean = plain.step(batch, labels, null, null).loss();
        double masked = augmented.step(batch, labels, null, null).loss();
        assertNotEquals(clean, masked, 1e-6, "training steps see masked frames");
        assertEquals(masked, again.step(batch, labels, null, null).loss(), 0, "same seed and epoch, same masks");
        again.startEpoch(2);
        augmented.startEpoch(2);
        double epoch2 = augmented.step(batch, labels, null, null).loss();
        assertEquals(epoch2, again.step(batch, labels, null, null).loss(), 0);
        assertNotEquals(masked, epoch2, 1e-6, "another epoch draws other masks");
        assertClose(plain.logits(batch), augmented.logits(batch), 0, "still no augmentation when scoring");
    }

    @Test
    void specAugmentMasksSpansOfFramesAndBandsOfBinsWithinTheUtterance() {
        int frames = 20;
        float[] x = new float[3 + frames * F];
        Arrays.fill(x, 1f);
        new SpecAugment(1, 5, 0, 0).apply(x, 3, frames, F, new SplittableRandom(4));
        assertEquals(1f, x[0]);
        assertEquals(1f, x[2], "values before the offset are not the utterance's");
        int maskedFrames = 0;
        for (int t = 0; t < frames; t++) {
            float[] row = Arrays.copyOfRange(x, 3 + t * F, 3 + (t + 1) * F);
            boolean zero = row[0] == 0f;
            for (float v : row) {
                assertEquals(zero ? 0f : 1f, v, "a time mask covers whole frames");
            }
            maskedFrames += zero ? 1 : 0;
        }
        assertTrue(maskedFrames <= 5, "at most the mask width: " + maskedFrames);
        float[] y = new float[frames * F];
        Arrays.fill(y, 1f);
        new SpecAugment(0, 0, 1, 4).apply(y, 0, frames, F, new SplittableRandom(9));
        for (int j = 0; j < F; j++) {
            for (int t = 1; t < frames; t++) {
                assertEquals(y[j], y[t * F + j], "a frequency mask covers a bin in every frame");
            }
        }
        // A mask wider than the utterance stays within it: the values after it are untouched.
        float[] z = new float[frames * F + 1];
        Arrays.fill(z, 1f);
        new SpecAugment(3, 200, 3, 200).apply(z, 0, frames, F, new SplittableRandom(1));
        assertEquals(1f, z[frames * F]);
        assertFalse(SpecAugment.NONE.active());
        assertTrue(new SpecAugment(0, 0, 1, 1).active());
    }

    @ParameterizedTest
    @EnumSource(value = TrainingEngine.class, names = {"SAMEDIFF", "FUSED"})
    void saveAndLoadGiveIdenticalLogits(TrainingEngine engine) throws IOException {
        Random r = new Random(3);
        List<INDArray> utts = new ArrayList<>();
        for (int n : new int[] {5, 17, 33}) {
            utts.add(utterance(r, n));
        }
        TdnnClassifier m = model(new SpecAugment(1, 3, 1, 2), 11, engine);
        // Perturb the weights so the round trip is not of the initialisation only.
        m.parameters().values().forEach(a -> a.addi(0.01));
        byte[] bytes = m.toSafeTensors(Map.of("ser.model", "t"));
        TdnnClassifier loaded = TdnnClassifier.fromSafeTensors(bytes, "t.safetensors");
        assertEquals(TrainingEngine.SAMEDIFF, loaded.trainingEngine(), "a loaded model scores on the graph");
        loaded.setTrainingEngine(engine);
        assertEquals(SPEC, loaded.spec());
        assertClose(m.logits(utts), loaded.logits(utts), 0, "identical logits");
        SafeTensors st = SafeTensors.parse(bytes, "t");
        assertEquals("t", st.metadata().get("ser.model"));
        assertArrayEquals(new long[] {5, F, 8}, st.require("conv0_w").shape(), "[kernel, in, out]");
        assertArrayEquals(constant(2f), st.require("input_std").values());
        IOException e = assertThrows(IOException.class, () -> TdnnClassifier.fromSafeTensors(
                new SafeTensors(Map.of(), Map.of(TdnnClassifier.SPEC_KEY, st.metadata().get(TdnnClassifier.SPEC_KEY)))
                        .toBytes(), "empty.safetensors"));
        assertTrue(e.getMessage().contains("empty.safetensors"), e.getMessage());
    }

    @Test
    void rejectsFramesOfAnotherWidth() {
        TdnnClassifier m = model(SpecAugment.NONE, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.logits(List.of(Nd4j.zeros(4, F + 1))));
        assertTrue(e.getMessage().contains("expected [frames >= 1, " + F + "]"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = TrainingEngine.class, names = {"SAMEDIFF", "FUSED"})
    void theFlattenedViewIsTheSameModel(TrainingEngine engine) {
        Random r = new Random(6);
        List<INDArray> batch = List.of(utterance(r, 9), utterance(r, 30), utterance(r, 4));
        List<float[]> flat = batch.stream().map(a -> a.dup('c').data().asFloat()).toList();
        int[] labels = {2, 0, 1};
        TdnnClassifier arrays = model(new SpecAugment(1, 4, 1, 2), 8, engine);
        TdnnClassifier flattened = model(new SpecAugment(1, 4, 1, 2), 8, engine);
        assertEquals(engine, flattened.flattened().trainingEngine());
        assertEquals(flattened.parameters().keySet(), flattened.flattened().parameters().keySet());
        assertClose(arrays.logits(batch), flattened.flattened().logits(flat), 0, "logits");
        arrays.prepareTraining(1, 1);
        flattened.flattened().prepareTraining(1, 1);
        arrays.startEpoch(2);
        flattened.flattened().startEpoch(2);
        var a = arrays.step(batch, labels, null, null);
        var f = flattened.flattened().step(flat, labels, null, null);
        assertEquals(a.loss(), f.loss(), 0, "the same augmentation and loss");
        for (String n : a.gradients().keySet()) {
            assertArrayEquals(a.gradients().get(n).dup('c').data().asFloat(),
                    f.gradients().get(n).dup('c').data().asFloat(), 0f, n);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> flattened.flattened().logits(List.of(new float[F + 1])));
        assertTrue(e.getMessage().contains("expected frames >= 1 of " + F), e.getMessage());
    }
}
