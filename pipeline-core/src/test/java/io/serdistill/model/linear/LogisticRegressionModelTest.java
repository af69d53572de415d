package io.serdistill.model.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogisticRegressionModelTest {

    /** 2 inputs, 3 classes; class 2 was never trained (bias −∞). */
    private static LogisticRegressionModel model() {
        return new LogisticRegressionModel(new float[] {1, -2}, new float[] {2, 0.5f},
                new float[] {0.5f, -1, -0.5f, 1, 0, 0}, new float[] {0.25f, -0.25f, Float.NEGATIVE_INFINITY});
    }

    @Test
    void logitsStandardiseThenApplyWeightsAndBias() {
        // z = ((3 − 1) / 2, (−1 + 2) / 0.5) = (1, 2)
        double[] l = model().logits(new float[] {3, -1});
        assertEquals(0.25 + 0.5 - 2, l[0], 1e-12);
        assertEquals(-0.25 - 0.5 + 2, l[1], 1e-12);
        assertEquals(Double.NEGATIVE_INFINITY, l[2]);
        double[] p = model().probabilities(new float[] {3, -1});
        assertEquals(1 / (1 + Math.exp(-2.5)), p[1], 1e-12); // l1 − l0 = 2.5
        assertEquals(0.0, p[2]);
        assertEquals(1.0, p[0] + p[1] + p[2], 1e-15);
        assertEquals(1, model().predict(new float[] {3, -1}));
        assertEquals((float) l[0], model().logits(new float[][] {{3, -1}})[0][0]);
    }

    @Test
    void safetensorsRoundTripIsExact() throws IOException {
        LogisticRegressionModel m = model();
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("ser.linear.c", "0.316");
        byte[] bytes = m.toSafeTensors(provenance);
        LogisticRegressionModel back = LogisticRegressionModel.fromSafeTensors(bytes, "test");
        assertArrayEquals(m.mean(), back.mean());
        assertArrayEquals(m.std(), back.std());
        assertArrayEquals(m.weights(), back.weights());
        assertArrayEquals(m.bias(), back.bias());
        SafeTensors st = SafeTensors.parse(bytes, "test");
        assertEquals("0.316", st.metadata().get("ser.linear.c"));
        assertArrayEquals(new long[] {3, 2}, st.require(LogisticRegressionModel.WEIGHT).shape());
    }

    @Test
    void loadingRejectsOtherFilesAndBadShapes() {
        byte[] notOurs = new SafeTensors(Map.of("w0", new SafeTensors.Tensor(new long[] {1}, new float[] {1})),
                Map.of()).toBytes();
        IOException e = assertThrows(IOException.class, () -> LogisticRegressionModel.fromSafeTensors(notOurs, "x.st"));
        assertTrue(e.getMessage().contains("x.st"), e.getMessage());
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put(LogisticRegressionModel.MEAN, new SafeTensors.Tensor(new long[] {3}, new float[3]));
        t.put(LogisticRegressionModel.STD, new SafeTensors.Tensor(new long[] {3}, new float[] {1, 1, 1}));
        t.put(LogisticRegressionModel.WEIGHT, new SafeTensors.Tensor(new long[] {2, 2}, new float[4]));
        t.put(LogisticRegressionModel.BIAS, new SafeTensors.Tensor(new long[] {2}, new float[2]));
        byte[] mismatched = new SafeTensors(t, Map.of(LogisticRegressionModel.KIND_KEY, LogisticRegressionModel.KIND))
                .toBytes();
        assertThrows(IOException.class, () -> LogisticRegressionModel.fromSafeTensors(mismatched, "y.st"));
    }

    @Test
    void rejectsInvalidParameters() {
        assertThrows(IllegalArgumentException.class, () -> new LogisticRegressionModel(new float[] {0},
                new float[] {0}, new float[] {1}, new float[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new LogisticRegressionModel(new float[] {0},
                new float[] {1}, new float[] {1, 2}, new float[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new LogisticRegressionModel(new float[] {0},
                new float[] {1}, new float[] {Float.NaN}, new float[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new LogisticRegressionModel(new float[] {0},
                new float[] {1}, new float[] {1}, new float[] {Float.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> model().logits(new float[] {1}));
    }
}
