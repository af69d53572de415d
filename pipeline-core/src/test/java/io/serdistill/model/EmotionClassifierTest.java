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

class EmotionClassifierTest {
    private static final ClassifierSpec SPEC = new ClassifierSpec(6, List.of(8), 4);

    private static EmotionClassifier model(long seed) {
        return EmotionClassifier.initialise(SPEC, new float[] {0, 1, 0, 0, 0, 0.5f}, new float[] {1, 2, 1, 1, 1, 0.5f}, seed);
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
        EmotionClassifier m = model(3);
        m.prepareTraining(0.25, 5.0, 1e-3, 0);
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
        assertEquals(expected, m.loss(x, y, targets), 1e-4);
    }

    @Test
    void plainFineTuningLossIsCrossEntropy() {
        EmotionClassifier m = model(4);
        m.prepareTraining(1.0, 5.0, 1e-3, 0);
        List<float[]> x = rows(3, 2);
        int[] y = {3, 0, 2};
        float[][] logits = m.logits(x);
        double expected = 0;
        for (int i = 0; i < 3; i++) {
            expected += KdLoss.crossEntropy(logits[i], y[i]) / 3;
        }
        assertEquals(expected, m.loss(x, y, null), 1e-5);
    }

    @Test
    void trainingStepsReduceLoss() {
        EmotionClassifier m = model(5);
        m.prepareTraining(1.0, 1.0, 0.01, 0);
        List<float[]> x = rows(32, 3);
        int[] y = new int[32];
        for (int i = 0; i < 32; i++) {
            y[i] = x.get(i)[0] > 0 ? (x.get(i)[1] > 0 ? 1 : 2) : (x.get(i)[1] > 0 ? 3 : 0);
        }
        double before = m.loss(x, y, null);
        for (int step = 0; step < 50; step++) {
            m.fitBatch(x, y, null);
        }
        double after = m.loss(x, y, null);
        assertTrue(after < before * 0.5, "loss went from " + before + " to " + after);
    }

    @Test
    void safetensorsRoundTripKeepsPredictionsAndProvenance() throws IOException {
        EmotionClassifier m = model(6);
        List<float[]> x = rows(4, 4);
        byte[] bytes = m.toSafeTensors(Map.of("ser.model", "teacher-en", "ser.seed", "6"));
        EmotionClassifier back = EmotionClassifier.fromSafeTensors(bytes, "mem");
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
        byte[] bad = new SafeTensors(tensors, Map.of("ser.spec", new com.google.gson.Gson().toJson(SPEC))).toBytes();
        IOException e = assertThrows(IOException.class, () -> EmotionClassifier.fromSafeTensors(bad, "bad.safetensors"));
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("'w0'")
                && e.getMessage().contains("[5, 8]"), e.getMessage());
    }
}
