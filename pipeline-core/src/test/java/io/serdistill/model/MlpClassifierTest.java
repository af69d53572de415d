package io.serdistill.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MlpClassifierTest {
    private static final ClassifierSpec SPEC = MlpClassifierTestSupport.SPEC;

    private static MlpClassifier model(long seed) {
        return MlpClassifierTestSupport.model(seed);
    }

    private static List<float[]> rows(int n, long seed) {
        return MlpClassifierTestSupport.rows(n, seed);
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
