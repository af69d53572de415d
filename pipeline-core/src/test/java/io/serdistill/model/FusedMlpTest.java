package io.serdistill.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The fused training path of {@link MlpClassifier} against its SameDiff graph: the same loss, gradients and logits
 * for every loss form (label smoothing, distillation at a temperature, class weights, kl-reduction), with and without
 * hidden layers, with layer weighting, and under training noise (both engines draw the same masks).
 */
class FusedMlpTest {

    private static MlpClassifier model(ClassifierSpec spec, TrainingEngine engine, MlpClassifier.TrainingNoise noise,
                                       long seed) {
        float[] mean = new float[spec.inputDim()];
        float[] std = new float[spec.inputDim()];
        for (int j = 0; j < mean.length; j++) {
            mean[j] = 0.1f * j;
            std[j] = 1 + 0.05f * j;
        }
        MlpClassifier m = MlpClassifier.initialise(spec, mean, std, seed);
        m.setTrainingNoise(noise);
        m.setTrainingEngine(engine);
        return m;
    }

    private static List<float[]> rows(int n, int dim, long seed) {
        Random r = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[dim];
            for (int j = 0; j < dim; j++) {
                x[j] = (float) (r.nextGaussian() * 2);
            }
            out.add(x);
        }
        return out;
    }

    private static List<float[]> targets(int n, long seed) {
        Random r = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] t = new float[4];
            float s = 0;
            for (int k = 0; k < 4; k++) {
                t[k] = (float) Math.exp(r.nextGaussian());
                s += t[k];
            }
            for (int k = 0; k < 4; k++) {
                t[k] /= s;
            }
            out.add(t);
        }
        return out;
    }

    /** Largest |a - b| over every parameter's gradient, relative to the largest |b| of that parameter. */
    private static void assertSameGradients(Map<String, INDArray> expected, Map<String, INDArray> actual, double tol,
                                            String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (String n : expected.keySet()) {
            float[] e = expected.get(n).dup('c').data().asFloat();
            float[] a = actual.get(n).dup('c').data().asFloat();
            assertEquals(e.length, a.length, what + " " + n);
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < e.length; i++) {
                scale = Math.max(scale, Math.abs(e[i]));
                diff = Math.max(diff, Math.abs(e[i] - a[i]));
            }
            assertTrue(diff <= tol * Math.max(scale, 1e-6), what + ": gradient of " + n + " differs by " + diff
                    + " at scale " + scale);
        }
    }

    private record Case(String name, ClassifierSpec spec, double alpha, double temperature, KlReduction kl,
                        double smoothing, boolean classWeights, MlpClassifier.TrainingNoise noise) {}

    private static final List<Case> CASES = List.of(
            new Case("linear, labels", new ClassifierSpec(6, List.of(), 4), 1, 1, KlReduction.BATCHMEAN, 0, false,
                    MlpClassifier.TrainingNoise.NONE),
            new Case("mlp, kd T=2, smoothing", new ClassifierSpec(6, List.of(8), 4), 0.3, 2, KlReduction.BATCHMEAN,
                    0.1, false, MlpClassifier.TrainingNoise.NONE),
            new Case("deep mlp, kd mean, class weights", new ClassifierSpec(6, List.of(8, 5), 4), 0.6, 3,
                    KlReduction.MEAN, 0.05, true, MlpClassifier.TrainingNoise.NONE),
            new Case("mlp, dropout and noise", new ClassifierSpec(6, List.of(8, 5), 4), 0.5, 2, KlReduction.BATCHMEAN,
                    0, true, new MlpClassifier.TrainingNoise(0.2, 0.3, 0.1)),
            new Case("layer weighting", new ClassifierSpec(9, List.of(7), 4, 3), 0.5, 2, KlReduction.BATCHMEAN, 0.1,
                    false, MlpClassifier.TrainingNoise.NONE));

    @Test
    void fusedStepsMatchTheSameDiffGraph() {
        for (Case c : CASES) {
            MlpClassifier ref = model(c.spec(), TrainingEngine.SAMEDIFF, c.noise(), 11);
            MlpClassifier fused = model(c.spec(), TrainingEngine.FUSED, c.noise(), 11);
            assertEquals(TrainingEngine.FUSED, fused.trainingEngine());
            ref.prepareTraining(c.alpha(), c.temperature(), c.kl(), c.smoothing());
            fused.prepareTraining(c.alpha(), c.temperature(), c.kl(), c.smoothing());
            if (c.spec().inputLayers() > 1) {
                // Non-uniform layer weights, so their gradient is not trivially symmetric.
                for (MlpClassifier m : List.of(ref, fused)) {
                    m.parameters().get(MlpClassifier.LAYER_LOGITS).assign(
                            org.nd4j.linalg.factory.Nd4j.createFromArray(0.3f, -0.2f, 0.5f));
                }
            }
            List<float[]> x = rows(5, c.spec().inputDim(), 3);
            int[] y = {0, 1, 2, 3, 1};
            List<float[]> t = c.alpha() < 1 ? targets(5, 4) : null;
            float[] cw = c.classWeights() ? new float[] {1f, 2f, 0.5f, 1.5f} : null;
            Classifier.Step expected = ref.step(x, y, t, cw, 99);
            Classifier.Step actual = fused.step(x, y, t, cw, 99);
            assertEquals(expected.loss(), actual.loss(), 1e-5 * Math.max(1, Math.abs(expected.loss())), c.name());
            assertSameGradients(expected.gradients(), actual.gradients(), 1e-4, c.name());
            float[][] a = ref.logits(x);
            float[][] b = fused.logits(x);
            for (int i = 0; i < a.length; i++) {
                for (int k = 0; k < a[i].length; k++) {
                    assertEquals(a[i][k], b[i][k], 1e-5, c.name() + " logits");
                }
            }
        }
    }

    @Test
    void aOneRowBatchIsItsOwnBatch() {
        ClassifierSpec spec = new ClassifierSpec(6, List.of(8), 4);
        MlpClassifier ref = model(spec, TrainingEngine.SAMEDIFF, MlpClassifier.TrainingNoise.NONE, 2);
        MlpClassifier fused = model(spec, TrainingEngine.FUSED, MlpClassifier.TrainingNoise.NONE, 2);
        ref.prepareTraining(0.5, 2, KlReduction.BATCHMEAN, 0.1);
        fused.prepareTraining(0.5, 2, KlReduction.BATCHMEAN, 0.1);
        List<float[]> x = rows(1, 6, 8);
        List<float[]> t = targets(1, 9);
        Classifier.Step expected = ref.step(x, new int[] {2}, t, null);
        Classifier.Step actual = fused.step(x, new int[] {2}, t, null);
        assertEquals(expected.loss(), actual.loss(), 1e-5);
        assertSameGradients(expected.gradients(), actual.gradients(), 1e-4, "one row");
    }

    @Test
    void fusedGradientsAreTheModelsAndReusedWhileSameDiffsAreHandedOver() {
        ClassifierSpec spec = new ClassifierSpec(6, List.of(8), 4);
        MlpClassifier fused = model(spec, TrainingEngine.FUSED, MlpClassifier.TrainingNoise.NONE, 2);
        MlpClassifier ref = model(spec, TrainingEngine.SAMEDIFF, MlpClassifier.TrainingNoise.NONE, 2);
        fused.prepareTraining(1, 1);
        ref.prepareTraining(1, 1);
        Classifier.Step first = fused.step(rows(4, 6, 1), new int[] {0, 1, 2, 3}, null, null);
        float before = first.gradients().get("w0").getFloat(0);
        Classifier.Step second = fused.step(rows(4, 6, 2), new int[] {3, 2, 1, 0}, null, null);
        assertEquals(false, first.callerOwned());
        assertTrue(first.gradients().get("w0") == second.gradients().get("w0"), "one array, overwritten");
        assertNotEquals(before, second.gradients().get("w0").getFloat(0));
        assertTrue(ref.step(rows(4, 6, 1), new int[] {0, 1, 2, 3}, null, null).callerOwned());
    }

    @Test
    void theEngineIsChosenBeforeTraining() {
        MlpClassifier m = model(new ClassifierSpec(6, List.of(8), 4), TrainingEngine.AUTO,
                MlpClassifier.TrainingNoise.NONE, 1);
        // The tests run on ND4J's CPU backend.
        assertEquals(TrainingEngine.FUSED, m.trainingEngine());
        m.prepareTraining(1, 1);
        assertThrows(IllegalStateException.class, () -> m.setTrainingEngine(TrainingEngine.SAMEDIFF));
        assertEquals(TrainingEngine.SAMEDIFF, MlpClassifierTestSupport.model(1).trainingEngine());
    }
}
