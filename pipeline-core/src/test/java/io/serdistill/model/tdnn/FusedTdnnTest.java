package io.serdistill.model.tdnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.Classifier;
import io.serdistill.model.KlReduction;
import io.serdistill.model.TrainingEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused TDNN path against the SameDiff graph: loss, every parameter's gradient, logits and pooled statistics on
 * small random TDNNs and padded batches of different lengths, with augmentation, distillation targets, class weights
 * and label smoothing.
 */
class FusedTdnnTest {
    private static final int F = 12;
    private static final int CLASSES = 4;

    private static TdnnSpec spec(boolean layerNorm) {
        return new TdnnSpec(F, List.of(8, 7, 6), List.of(5, 3, 3), List.of(1, 2, 3), 5, layerNorm, CLASSES);
    }

    private static INDArray utterance(Random r, int frames) {
        float[] x = new float[frames * F];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2 - 5);
        }
        return Nd4j.create(x, new long[] {frames, F}, 'c');
    }

    /**
     * A model whose weights are its initialisation moved by seeded noise (so biases, gains and norm offsets are not
     * their initial 0 and 1), on {@code engine}, prepared for the KD loss with label smoothing.
     */
    private static TdnnClassifier model(TdnnSpec spec, TrainingEngine engine, SpecAugment augment, double alpha,
                                        KlReduction klReduction, double smoothing) {
        float[] mean = new float[F];
        float[] std = new float[F];
        java.util.Arrays.fill(mean, -5f);
        java.util.Arrays.fill(std, 2f);
        TdnnClassifier m = TdnnClassifier.initialise(spec, mean, std, augment, 7);
        Random r = new Random(99);
        for (INDArray p : m.parameters().values()) {
            float[] v = p.dup('c').data().asFloat();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (0.2 * r.nextGaussian());
            }
            p.assign(Nd4j.create(v, p.shape(), 'c'));
        }
        m.setTrainingEngine(engine);
        assertEquals(engine, m.trainingEngine());
        m.prepareTraining(alpha, 2.0, klReduction, smoothing);
        return m;
    }

    private static List<float[]> targets(Random r, int n) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] q = new float[CLASSES];
            double s = 0;
            for (int c = 0; c < CLASSES; c++) {
                q[c] = (float) Math.exp(r.nextGaussian());
                s += q[c];
            }
            for (int c = 0; c < CLASSES; c++) {
                q[c] /= (float) s;
            }
            out.add(q);
        }
        return out;
    }

    /** max |actual - expected| / max |expected| over one gradient. */
    private static double relativeError(INDArray expected, INDArray actual) {
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        assertEquals(e.length, a.length);
        double scale = 0;
        double err = 0;
        for (int i = 0; i < e.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            err = Math.max(err, Math.abs(a[i] - e[i]));
        }
        assertTrue(scale > 0, "a gradient that is all zeros tests nothing");
        return err / scale;
    }

    private static Map<String, INDArray> copy(Classifier.Step step) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        step.gradients().forEach((n, g) -> out.put(n, g.dup('c')));
        return out;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyGradientAndTheLossMatchTheGraph(boolean layerNorm) {
        TdnnSpec spec = spec(layerNorm);
        Random r = new Random(3);
        // Lengths from below the stack's receptive field (2 frames) to the longest; the short ones padded by far more.
        List<INDArray> batch = List.of(utterance(r, 2), utterance(r, 41), utterance(r, 13), utterance(r, 7),
                utterance(r, 30));
        int[] labels = {0, 3, 1, 2, 3};
        List<float[]> targets = targets(r, batch.size());
        float[] classWeights = {1f, 2f, 0.5f, 1.5f};
        SpecAugment augment = new SpecAugment(2, 6, 2, 3);
        for (KlReduction kl : KlReduction.values()) {
            TdnnClassifier graph = model(spec, TrainingEngine.SAMEDIFF, augment, 0.6, kl, 0.1);
            TdnnClassifier fused = model(spec, TrainingEngine.FUSED, augment, 0.6, kl, 0.1);
            graph.startEpoch(1);
            fused.startEpoch(1);
            Classifier.Step expected = graph.step(batch, labels, targets, classWeights);
            Classifier.Step actual = fused.step(batch, labels, targets, classWeights);
            assertFalse(actual.callerOwned(), "the fused path reuses its gradient arrays");
            assertEquals(expected.loss(), actual.loss(), 1e-5 * Math.abs(expected.loss()), "loss, " + kl);
            assertEquals(graph.parameters().keySet(), actual.gradients().keySet());
            for (String n : graph.parameters().keySet()) {
                double err = relativeError(expected.gradients().get(n), actual.gradients().get(n));
                assertTrue(err <= 1e-4, n + " (" + kl + ", layer norm " + layerNorm + "): relative error " + err);
            }
            // The tolerance tells batches apart: the graph's gradients on the next epoch's masks are far off.
            graph.startEpoch(2);
            Map<String, INDArray> otherMasks = copy(graph.step(batch, labels, targets, classWeights));
            assertTrue(relativeError(otherMasks.get("conv0_w"), actual.gradients().get("conv0_w")) > 1e-2,
                    "other SpecAugment masks, other gradients");
        }
    }

    @Test
    void aBatchOfOneAndPlainCrossEntropyMatchTheGraph() {
        TdnnSpec spec = spec(true);
        Random r = new Random(5);
        for (List<INDArray> batch : List.of(List.of(utterance(r, 19)), List.of(utterance(r, 9), utterance(r, 3)))) {
            int[] labels = batch.size() == 1 ? new int[] {2} : new int[] {1, 0};
            // Augmented: the graph's batch of one (its utterance twice) draws one utterance's masks, as fused does.
            SpecAugment augment = new SpecAugment(2, 4, 1, 3);
            TdnnClassifier graph = model(spec, TrainingEngine.SAMEDIFF, augment, 1, KlReduction.BATCHMEAN, 0);
            TdnnClassifier fused = model(spec, TrainingEngine.FUSED, augment, 1, KlReduction.BATCHMEAN, 0);
            graph.startEpoch(3);
            fused.startEpoch(3);
            Classifier.Step expected = graph.step(batch, labels, null, null);
            Classifier.Step actual = fused.step(batch, labels, null, null);
            assertEquals(expected.loss(), actual.loss(), 1e-5 * Math.abs(expected.loss()));
            for (String n : graph.parameters().keySet()) {
                double err = relativeError(expected.gradients().get(n), actual.gradients().get(n));
                assertTrue(err <= 1e-4, n + " (batch of " + batch.size() + "): relative error " + err);
            }
        }
    }

    @Test
    void pointwiseLayersWithoutPaddingMatchTheGraph() {
        TdnnSpec spec = new TdnnSpec(F, List.of(5, 3), List.of(1, 1), List.of(1, 4), 2, true, CLASSES);
        Random r = new Random(8);
        List<INDArray> batch = List.of(utterance(r, 6), utterance(r, 1), utterance(r, 11));
        int[] labels = {3, 1, 0};
        TdnnClassifier graph = model(spec, TrainingEngine.SAMEDIFF, SpecAugment.NONE, 1, KlReduction.BATCHMEAN, 0.2);
        TdnnClassifier fused = model(spec, TrainingEngine.FUSED, SpecAugment.NONE, 1, KlReduction.BATCHMEAN, 0.2);
        Classifier.Step expected = graph.step(batch, labels, null, new float[] {1f, 3f, 1f, 0.5f});
        Classifier.Step actual = fused.step(batch, labels, null, new float[] {1f, 3f, 1f, 0.5f});
        assertEquals(expected.loss(), actual.loss(), 1e-5 * Math.abs(expected.loss()));
        for (String n : graph.parameters().keySet()) {
            double err = relativeError(expected.gradients().get(n), actual.gradients().get(n));
            assertTrue(err <= 1e-4, n + " (kernels of 1): relative error " + err);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void logitsAndPooledStatisticsMatchTheGraphAndDoNotDependOnTheBatch(boolean layerNorm) {
        TdnnSpec spec = spec(layerNorm);
        Random r = new Random(4);
        List<INDArray> batch = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            batch.add(utterance(r, 1 + r.nextInt(50)));
        }
        TdnnClassifier graph = model(spec, TrainingEngine.SAMEDIFF, SpecAugment.NONE, 1, KlReduction.BATCHMEAN, 0);
        TdnnClassifier fused = model(spec, TrainingEngine.FUSED, SpecAugment.NONE, 1, KlReduction.BATCHMEAN, 0);
        float[][] zg = graph.logits(batch);
        float[][] zf = fused.logits(batch);
        float[][] pg = graph.pooled(batch);
        float[][] pf = fused.pooled(batch);
        for (int i = 0; i < batch.size(); i++) {
            assertArrayEquals(zg[i], zf[i], 1e-4f, "logits of utterance " + i);
            assertArrayEquals(pg[i], pf[i], 1e-4f, "pooled statistics of utterance " + i);
            assertArrayEquals(zf[i], fused.logits(List.of(batch.get(i)))[0], 1e-5f, "alone: utterance " + i);
        }
    }

    @Test
    void theEngineIsChosenBeforeTraining() {
        TdnnClassifier m = TdnnClassifier.initialise(spec(false), new float[F], onesF(), SpecAugment.NONE, 1);
        assertEquals(TrainingEngine.SAMEDIFF, m.trainingEngine(), "the graph by default");
        m.setTrainingEngine(TrainingEngine.AUTO);
        assertEquals(TrainingEngine.FUSED, m.trainingEngine(), "auto is fused on the CPU backend");
        m.setTrainingEngine(TrainingEngine.SAMEDIFF);
        assertEquals(TrainingEngine.SAMEDIFF, m.trainingEngine());
        m.prepareTraining(1, 1);
        assertThrows(IllegalStateException.class, () -> m.setTrainingEngine(TrainingEngine.FUSED));
    }

    private static float[] onesF() {
        float[] a = new float[F];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
