package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Head;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Models' training steps driven by the loop's optimiser ({@link AdamW} applying {@code step} gradients), outside
 * the loop: what the learned layer weights and the heads' losses do.
 */
class ModelTrainingStepsTest {

    @Test
    void layerWeightingStartsUniformAndLearnsWhichLayerCarriesTheSignal() throws IOException {
        // 3 stacked layers of width 2; only layer 2 separates the classes, layers 0 and 1 are noise.
        ClassifierSpec spec = new ClassifierSpec(6, List.of(8), 4, 3);
        MlpClassifier m = MlpClassifier.initialise(spec, new float[6], new float[] {1, 1, 1, 1, 1, 1}, 2);
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, m.layerWeights(), 1e-9);
        Random r = new Random(4);
        List<float[]> x = new ArrayList<>();
        int[] y = new int[64];
        for (int i = 0; i < 64; i++) {
            y[i] = i % 4;
            x.add(new float[] {(float) r.nextGaussian() * 3, (float) r.nextGaussian() * 3, (float) r.nextGaussian() * 3,
                    (float) r.nextGaussian() * 3, (y[i] & 1) * 2f - 1, (y[i] >> 1) * 2f - 1});
        }
        m.prepareTraining(1.0, 1.0);
        AdamW opt = new AdamW(0, 0);
        for (int step = 0; step < 150; step++) {
            opt.apply(m.parameters(), m.step(x, y, null, null).gradients(), 0.03);
        }
        double[] w = m.layerWeights();
        assertEquals(1.0, w[0] + w[1] + w[2], 1e-9);
        assertTrue(w[2] > 0.6 && w[2] > w[0] && w[2] > w[1], java.util.Arrays.toString(w));
        MlpClassifier back = MlpClassifier.fromSafeTensors(m.toSafeTensors(Map.of()), "mem");
        assertArrayEquals(w, back.layerWeights(), 1e-6);
        assertArrayEquals(m.logits(x.subList(0, 2))[1], back.logits(x.subList(0, 2))[1], 1e-5f);
    }

    @Test
    void layerWeightsStartUniformAndStayNormalisedWhileTraining() {
        HeadSpec spec = new HeadSpec(4, 3, true, HeadSpec.Pooling.ATTENTIVE_STATS, false, 3, 8, 2);
        Wav2Vec2Head head = Wav2Vec2Head.initialise(spec, 3);
        assertArrayEquals(new float[] {1 / 3f, 1 / 3f, 1 / 3f}, head.layerWeights(), 1e-6f);
        // Only layer 2 carries the label: training should move weight towards it.
        SplittableRandom rng = new SplittableRandom(5);
        int n = 16;
        int frames = 5;
        INDArray hidden = Nd4j.create(DataType.FLOAT, n, 3, frames, 4);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int l = 0; l < 3; l++) {
                for (int t = 0; t < frames; t++) {
                    for (int d = 0; d < 4; d++) {
                        double signal = l == 2 ? (labels[i] == 1 ? 1.5 : -1.5) : 0;
                        hidden.putScalar(new long[] {i, l, t, d}, signal + rng.nextGaussian());
                    }
                }
            }
        }
        INDArray mask = Nd4j.ones(DataType.FLOAT, n, frames);
        mask.get(NDArrayIndex.interval(0, 4), NDArrayIndex.interval(3, 5)).assign(0);
        head.prepareTraining(1.0, 1.0);
        AdamW opt = new AdamW(0.0, 0);
        double before = head.loss(hidden, mask, labels, null, null);
        for (int step = 0; step < 60; step++) {
            opt.apply(head.parameters(), head.step(hidden, mask, labels, null, null).gradients(), 0.05);
        }
        double after = head.loss(hidden, mask, labels, null, null);
        float[] w = head.layerWeights();
        assertEquals(1.0, w[0] + w[1] + w[2], 1e-6);
        assertTrue(after < before * 0.5, "loss " + before + " -> " + after);
        assertTrue(w[2] > w[0] && w[2] > w[1], java.util.Arrays.toString(w));
    }

    @Test
    void distillationLossTrainsWithTeacherTargets() {
        HeadSpec spec = new HeadSpec(4, 2, true, HeadSpec.Pooling.MEAN, true, 0, 8, 2);
        Wav2Vec2Head head = Wav2Vec2Head.initialise(spec, 11);
        INDArray hidden = Nd4j.rand(DataType.FLOAT, 6, 2, 4);
        int[] labels = {0, 1, 0, 1, 0, 1};
        List<float[]> targets = List.of(new float[] {.9f, .1f}, new float[] {.2f, .8f}, new float[] {.7f, .3f},
                new float[] {.4f, .6f}, new float[] {.6f, .4f}, new float[] {.1f, .9f});
        head.prepareTraining(0.25, 5.0);
        AdamW opt = new AdamW(0.01, 0);
        double before = head.loss(hidden, null, labels, targets, null);
        for (int step = 0; step < 30; step++) {
            opt.apply(head.parameters(), head.step(hidden, null, labels, targets, null).gradients(), 0.05);
        }
        assertTrue(head.loss(hidden, null, labels, targets, null) < before);
    }
}
