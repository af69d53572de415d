package io.serdistill.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.distill.KdLoss;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MlpClassifierTest {
    private static final ClassifierSpec SPEC = new ClassifierSpec(6, List.of(8), 4);

    private static MlpClassifier model(long seed) {
        return MlpClassifier.initialise(SPEC, new float[] {0, 1, 0, 0, 0, 0.5f}, new float[] {1, 2, 1, 1, 1, 0.5f}, seed);
    }

    private static List<float[]> rows(int n, long seed) {
        Random r = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[6];
            for (int j = 0; j < 6; j++) {
                x[j] = (float) r.nextGaussian();
            }
            out.add(x);
        }
        return out;
    }

    @Test
    void graphLossEqualsReferenceKdLossAveragedOverBatch() {
        MlpClassifier m = model(3);
        m.prepareTraining(0.25, 5.0);
        List<float[]> x = rows(5, 1);
        int[] y = {0, 1, 2, 3, 1};
        List<float[]> targets = List.of(
                new float[] {0.7f, 0.1f, 0.1f, 0.1f}, new float[] {0.25f, 0.25f, 0.25f, 0.25f},
                new float[] {0f, 0f, 1f, 0f}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new float[] {0.4f, 0.4f, 0.1f, 0.1f});
        float[][] logits = m.logits(x);
        double expected = 0;
        for (int i = 0; i < 5; i++) {
            expected += KdLoss.loss(logits[i], y[i], targets.get(i), 0.25, 5.0) / 5;
        }
        assertEquals(expected, m.loss(x, y, targets, null), 1e-4);
        assertEquals(expected, m.step(x, y, targets, null).loss(), 1e-4, "step reports the same loss");
    }

    @Test
    void plainFineTuningLossIsCrossEntropy() {
        MlpClassifier m = model(4);
        m.prepareTraining(1.0, 5.0);
        List<float[]> x = rows(3, 2);
        int[] y = {3, 0, 2};
        float[][] logits = m.logits(x);
        double expected = 0;
        for (int i = 0; i < 3; i++) {
            expected += KdLoss.crossEntropy(logits[i], y[i]) / 3;
        }
        assertEquals(expected, m.loss(x, y, null, null), 1e-5);
        // Class weights: sum_i w_{y_i} ce_i / sum_i w_{y_i}
        float[] cw = {2f, 1f, 0.5f, 3f};
        double num = 0;
        double den = 0;
        for (int i = 0; i < 3; i++) {
            num += cw[y[i]] * KdLoss.crossEntropy(logits[i], y[i]);
            den += cw[y[i]];
        }
        assertEquals(num / den, m.loss(x, y, null, cw), 1e-5);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        MlpClassifier m = model(5);
        m.prepareTraining(0.5, 2.0);
        List<float[]> x = rows(4, 3);
        int[] y = {0, 1, 2, 3};
        List<float[]> t = List.of(new float[] {0.7f, 0.1f, 0.1f, 0.1f}, new float[] {0.25f, 0.25f, 0.25f, 0.25f},
                new float[] {0.1f, 0.1f, 0.7f, 0.1f}, new float[] {0.1f, 0.2f, 0.3f, 0.4f});
        float[] cw = {1f, 2f, 1f, 0.5f};
        MlpClassifier.Step step = m.step(x, y, t, cw);
        org.nd4j.linalg.api.ndarray.INDArray w = m.parameters().get("w1");
        double eps = 1e-2;
        for (int idx : new int[] {0, 5, 17}) {
            float orig = w.getFloat(idx);
            w.putScalar(idx, orig + eps);
            double up = m.loss(x, y, t, cw);
            w.putScalar(idx, orig - eps);
            double down = m.loss(x, y, t, cw);
            w.putScalar(idx, orig);
            assertEquals((up - down) / (2 * eps), step.gradients().get("w1").getDouble(idx), 2e-3, "dL/dw1[" + idx + "]");
        }
    }

    @Test
    void safetensorsRoundTripKeepsPredictionsAndProvenance() throws IOException {
        MlpClassifier m = model(6);
        List<float[]> x = rows(4, 4);
        byte[] bytes = m.toSafeTensors(Map.of("ser.model", "teacher-en", "ser.seed", "6"));
        MlpClassifier back = MlpClassifier.fromSafeTensors(bytes, "mem");
        float[][] a = m.logits(x);
        float[][] b = back.logits(x);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], 1e-6f);
        }
        assertEquals("teacher-en", SafeTensors.parse(bytes, "mem").metadata().get("ser.model"));
        assertEquals(SPEC, back.spec());
    }

    @Test
    void sameSeedGivesSameInitialModel() {
        List<float[]> x = rows(2, 5);
        assertArrayEquals(model(9).logits(x)[1], model(9).logits(x)[1]);
        assertTrue(model(9).logits(x)[1][0] != model(10).logits(x)[1][0]);
    }

    @Test
    void loadingRejectsWrongShapesNamingTheTensor() {
        Map<String, SafeTensors.Tensor> tensors = new java.util.LinkedHashMap<>(
                SafeTensorsTestSupport.tensorsOf(model(1).toSafeTensors(Map.of())));
        tensors.put("w0", new SafeTensors.Tensor(new long[] {5, 8}, new float[40]));
        byte[] bad = new SafeTensors(tensors, Map.of("ser.spec", io.serdistill.json.Json.compact(SPEC))).toBytes();
        IOException e = assertThrows(IOException.class, () -> MlpClassifier.fromSafeTensors(bad, "bad.safetensors"));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("'w0'")
                && e.getMessage().contains("[5, 8]"), e.getMessage());
    }
}
