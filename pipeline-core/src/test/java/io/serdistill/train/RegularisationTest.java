package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.data.Emotion;
import io.serdistill.distill.TeacherWeighting;
import io.serdistill.model.Classifier;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight decay, the L2 penalty, dropout, input noise and label smoothing as the training loop applies them: each
 * changes training as its formula says, none changes inference, and all are functions of the seed.
 */
class RegularisationTest {
    private static final int DIM = 6;
    private static final ClassifierSpec SPEC = new ClassifierSpec(DIM, List.of(8), Emotion.COUNT);

    private static List<TrainingExample> examples(int n, long seed) {
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            float[] x = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                x[j] = (float) (r.nextGaussian() + (j == c ? 2 : 0));
            }
            float[][] teachers = {{c == 0 ? 3f : 0f, c == 1 ? 3f : 0f, c == 2 ? 3f : 0f, c == 3 ? 3f : 0f}};
            out.add(new TrainingExample("u" + i, "en", "s" + (i % 3), c, x, teachers));
        }
        return out;
    }

    private static MlpClassifier model(long seed) {
        float[] mean = new float[DIM];
        float[] std = new float[DIM];
        Arrays.fill(std, 1f);
        return MlpClassifier.initialise(SPEC, mean, std, seed);
    }

    private static Optimisation oneStep(double learningRate, double weightDecay, int batch) {
        return new Optimisation(1, batch, learningRate, weightDecay, 0, LearningRateSchedule.Shape.CONSTANT, 0, 0, false);
    }

    private static List<float[]> inputs(List<TrainingExample> examples) {
        return examples.stream().map(TrainingExample::input).toList();
    }

    private static int[] labels(List<TrainingExample> examples) {
        return examples.stream().mapToInt(TrainingExample::label).toArray();
    }

    @Test
    void weightDecayMultipliesEveryWeightMatrixByOneMinusLrTimesDecayAndLeavesBiases() {
        // One full-batch step at a constant rate from the same start: the decayed model differs from the undecayed
        // one by exactly lr * wd * w0 in every weight matrix (w1 = w0 (1 - lr wd) - lr u, u the same Adam update) and
        // not at all in the biases.
        List<TrainingExample> train = examples(12, 1);
        double lr = 0.01;
        double wd = 0.5;
        Map<String, float[]> start = model(3).weights();
        Map<String, float[]> plain = trainOnce(new TrainingOptions(oneStep(lr, 0, 12), Objective.labels(), 5), train);
        Map<String, float[]> decayed = trainOnce(new TrainingOptions(oneStep(lr, wd, 12), Objective.labels(), 5), train);
        for (String name : start.keySet()) {
            float[] w0 = start.get(name);
            for (int i = 0; i < w0.length; i++) {
                double expected = name.startsWith("w") ? lr * wd * w0[i] : 0;
                assertEquals(expected, plain.get(name)[i] - decayed.get(name)[i], 1e-6, name + "[" + i + "]");
            }
        }
        assertTrue(model(3).decayed("w0") && model(3).decayed("w1"));
        assertFalse(model(3).decayed("b0") || model(3).decayed("b1"));
    }

    /** The weights after training model(3) with {@code opts} (no dev split: the last epoch's weights). */
    private static Map<String, float[]> trainOnce(TrainingOptions opts, List<TrainingExample> train) {
        MlpClassifier m = model(3);
        Regularisation r = opts.regularisation();
        m.setTrainingNoise(new MlpClassifier.TrainingNoise(r.inputDropout(), r.dropout(), r.inputNoise()));
        return TrainingLoop.run(m, train, List.of(), TrainingExample::input, opts, List.of()).model().weights();
    }

    @Test
    void l2PenaltyAddsL2TimesTheWeightToTheClippedGradientOfDecayedParametersOnly() {
        double l2 = 0.1;
        double clip = 0.1;
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("w", Nd4j.createFromArray(1.0f, -2.0f));
        params.put("b", Nd4j.createFromArray(1.0f, -2.0f));
        Map<String, INDArray> grads = Map.of("w", Nd4j.createFromArray(0.05f, 0.1f), "b", Nd4j.createFromArray(0.05f, 0.1f));
        AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0, l2, clip, "w"::equals);
        double norm = opt.apply(params, grads, 0.01);
        double scale = clip / norm;
        // First moments: (1 - beta1) g'; g' = scale g + l2 w for w, scale g for b.
        assertEquals(0.1 * (scale * 0.05 + l2 * 1.0), opt.firstMoments().get("w").getDouble(0), 1e-7);
        assertEquals(0.1 * (scale * 0.1 + l2 * -2.0), opt.firstMoments().get("w").getDouble(1), 1e-7);
        assertEquals(0.1 * scale * 0.05, opt.firstMoments().get("b").getDouble(0), 1e-7);
        // Step 1 moves by lr * sign(g'): the penalty flips w[1]'s direction (g' = 0.0447 - 0.2 < 0), not b[1]'s.
        assertEquals(1.0 - 0.01, params.get("w").getDouble(0), 1e-6);
        assertEquals(-2.0 + 0.01, params.get("w").getDouble(1), 1e-6);
        assertEquals(-2.0 - 0.01, params.get("b").getDouble(1), 1e-6);
        assertEquals(0.05f, grads.get("w").getFloat(0), "the caller's gradient is left as it was");
    }

    @Test
    void trainingNoiseNeverTouchesInference() {
        List<float[]> x = inputs(examples(10, 2));
        MlpClassifier plain = model(4);
        plain.prepareTraining(1.0, 1.0);
        MlpClassifier noisy = model(4);
        noisy.setTrainingNoise(new MlpClassifier.TrainingNoise(0.3, 0.5, 1.0));
        noisy.prepareTraining(1.0, 1.0, 0.1);
        float[][] expected = plain.logits(x);
        assertArrayEquals(expected, noisy.logits(x));
        assertArrayEquals(expected, noisy.logits(x), "inference is deterministic");
        int[] y = labels(examples(10, 2));
        assertEquals(plain.loss(x, y, null, null), noisy.loss(x, y, null, null) - 0.1 * (cleanSmoothingGap(noisy, x, y)),
                1e-6, "loss() is the noise-free loss");
        assertThrows(IllegalStateException.class, () -> noisy.setTrainingNoise(MlpClassifier.TrainingNoise.NONE));
    }

    /** (CE_0.1 - CE_0) / 0.1 for the clean logits: mean over examples of mean_c(-log p_c) - (-log p_y). */
    private static double cleanSmoothingGap(MlpClassifier m, List<float[]> x, int[] y) {
        float[][] z = m.logits(x);
        return (io.serdistill.distill.KdLoss.batchLoss(z, y, null, null, 1, 1, 0.1)
                - io.serdistill.distill.KdLoss.batchLoss(z, y, null, null, 1, 1, 0)) / 0.1;
    }

    @Test
    void dropoutAndInputNoiseChangeTheStepAsAFunctionOfTheNoiseSeed() {
        List<TrainingExample> ex = examples(10, 3);
        for (MlpClassifier.TrainingNoise noise : List.of(new MlpClassifier.TrainingNoise(0, 0.5, 0),
                new MlpClassifier.TrainingNoise(0.3, 0, 0), new MlpClassifier.TrainingNoise(0, 0, 0.5))) {
            MlpClassifier plain = model(5);
            plain.prepareTraining(1.0, 1.0);
            MlpClassifier noisy = model(5);
            noisy.setTrainingNoise(noise);
            noisy.prepareTraining(1.0, 1.0);
            Classifier.Step clean = plain.step(inputs(ex), labels(ex), null, null, 7);
            Classifier.Step a = noisy.step(inputs(ex), labels(ex), null, null, 7);
            Classifier.Step b = noisy.step(inputs(ex), labels(ex), null, null, 7);
            Classifier.Step other = noisy.step(inputs(ex), labels(ex), null, null, 8);
            assertEquals(a.loss(), b.loss(), noise + ": the same seed draws the same noise");
            assertArrayEquals(a.gradients().get("w0").dup().data().asFloat(), b.gradients().get("w0").dup().data().asFloat());
            assertNotEquals(a.loss(), other.loss(), noise + ": another seed draws other noise");
            assertNotEquals(clean.loss(), a.loss(), noise + " changes the training loss");
            assertEquals(clean.loss(), plain.step(inputs(ex), labels(ex), null, null, 8).loss(),
                    "without noise the seed is not read");
        }
    }

    @Test
    void hiddenDropoutZeroesAShareOfUnitsAndScalesTheRest() {
        // A linear read-out of one hidden layer whose ReLU outputs are all 1 (zero first-layer weights, bias 1) and
        // a batch of two equal rows: the read-out's gradient is the batch mean of (p - y) h^T, so with dropout each
        // unit's entry is k / 2 * 1 / (1 - p) times the undropped one, k the number of rows that kept the unit.
        int width = 400;
        double p = 0.25;
        ClassifierSpec spec = new ClassifierSpec(2, List.of(width), Emotion.COUNT);
        MlpClassifier m = MlpClassifier.initialise(spec, new float[2], new float[] {1, 1}, 1);
        MlpClassifier reference = MlpClassifier.initialise(spec, new float[2], new float[] {1, 1}, 1);
        for (MlpClassifier c : List.of(m, reference)) {
            c.parameters().get("w0").assign(0);
            c.parameters().get("b0").assign(1);
            c.parameters().get("w1").assign(0);
        }
        m.setTrainingNoise(new MlpClassifier.TrainingNoise(0, p, 0));
        m.prepareTraining(1.0, 1.0);
        reference.prepareTraining(1.0, 1.0);
        List<float[]> x = List.of(new float[] {0.5f, -1f}, new float[] {0.5f, -1f});
        INDArray g = m.step(x, new int[] {2, 2}, null, null, 11).gradients().get("w1");
        INDArray g0 = reference.step(x, new int[] {2, 2}, null, null, 11).gradients().get("w1");
        int kept = 0;
        for (int u = 0; u < width; u++) {
            double k = 2 * (1 - p) * g.getDouble(u, 2) / g0.getDouble(u, 2);
            assertEquals(Math.rint(k), k, 1e-5, "unit " + u + " is kept by a whole number of rows");
            assertTrue(k > -0.5 && k < 2.5, "unit " + u + ": " + k);
            kept += (int) Math.rint(k);
        }
        // 600 of 800 expected, binomial sd ~12
        assertTrue(kept > 550 && kept < 650, kept + " of " + 2 * width + " unit activations kept at p = " + p);
    }

    @Test
    void aBatchOfOneRowTrainsAsTwoCopiesOfIt() {
        // SameDiff cannot take the backward pass of a one-row batch; the model feeds two copies, whose batch means
        // are the row's own loss and gradients.
        List<TrainingExample> ex = examples(3, 8);
        MlpClassifier m = model(6);
        m.prepareTraining(0.5, 2.0);
        List<float[]> one = List.of(ex.get(0).input());
        List<float[]> target = List.of(new float[] {0.7f, 0.1f, 0.1f, 0.1f});
        Classifier.Step single = m.step(one, new int[] {1}, target, null);
        Classifier.Step twice = m.step(List.of(one.get(0), one.get(0)), new int[] {1, 1}, List.of(target.get(0), target.get(0)), null);
        assertEquals(m.loss(one, new int[] {1}, target, null), single.loss(), 1e-6);
        assertEquals(twice.loss(), single.loss(), 1e-6);
        for (String name : twice.gradients().keySet()) {
            assertArrayEquals(twice.gradients().get(name).dup().data().asFloat(),
                    single.gradients().get(name).dup().data().asFloat(), 1e-6f, name);
        }
    }

    @Test
    void mlpTrainingWithRegularisationIsAFunctionOfTheSeedAndResumesExactly() {
        List<TrainingExample> train = examples(40, 6);
        List<TrainingExample> dev = examples(12, 7);
        Regularisation r = new Regularisation(0.1, 0.3, 0.2, 0.1, 0.01);
        TrainingOptions opts = new TrainingOptions(new Optimisation(6, 8, 0.01, 0.01, 0, LearningRateSchedule.Shape.COSINE,
                0.1, 5.0, false), r, new Objective(0.5, 2.0, TeacherWeighting.named("language", 0.8), List.of("en")), 9,
                CheckpointPolicy.EVERY_EPOCH);
        TrainedModel<MlpClassifier> first = MlpTrainer.train(train, dev, List.of(8), 1, opts, e -> {});
        TrainedModel<MlpClassifier> again = MlpTrainer.train(train, dev, List.of(8), 1, opts, e -> {});
        MlpTrainerTest.assertSameTraining(first, again);
        TrainedModel<MlpClassifier> unregularised = MlpTrainer.train(train, dev, List.of(8), 1,
                opts.withRegularisation(Regularisation.NONE), e -> {});
        assertFalse(Arrays.equals(first.model().weights().get("w0"), unregularised.model().weights().get("w0")));

        MlpTrainerTest.MemoryStore store = new MlpTrainerTest.MemoryStore();
        assertThrows(RuntimeException.class, () -> MlpTrainer.train(train, dev, List.of(8), 1, opts, store, e -> {
            if (e.epoch() == 3) {
                throw new RuntimeException("executor lost");
            }
        }));
        MlpTrainerTest.assertSameTraining(first, MlpTrainer.train(train, dev, List.of(8), 1, opts, store, e -> {}));
    }

    @Test
    void optionsOutsideTheirDomainNameTheOption() {
        assertEquals("dropout", assertThrows(InvalidOption.class, () -> new Regularisation(0, 1, 0, 0, 0)).option());
        assertEquals("input-dropout", assertThrows(InvalidOption.class, () -> new Regularisation(-0.1, 0, 0, 0, 0)).option());
        assertEquals("input-noise", assertThrows(InvalidOption.class, () -> new Regularisation(0, 0, Double.NaN, 0, 0)).option());
        assertEquals("label-smoothing", assertThrows(InvalidOption.class, () -> new Regularisation(0, 0, 0, 1, 0)).option());
        assertEquals("l2", assertThrows(InvalidOption.class, () -> new Regularisation(0, 0, 0, 0, -1)).option());
    }
}
