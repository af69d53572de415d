package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OptimiserTest {

    @Test
    void firstAdamWStepMovesEachWeightByLearningRateTimesSignPlusDecay() {
        // Step 1: m_hat = g, v_hat = g^2, so the Adam update is g / (|g| + eps) = sign(g).
        INDArray p = Nd4j.createFromArray(1.0f, -2.0f);
        INDArray g = Nd4j.createFromArray(0.5f, -0.1f);
        AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.1, 0);
        double norm = opt.apply(Map.of("p", p), Map.of("p", g), 0.01);
        assertEquals(Math.sqrt(0.25 + 0.01), norm, 1e-6);
        // p * (1 - lr * wd) - lr * sign(g): 1 * 0.999 - 0.01 = 0.989; -2 * 0.999 + 0.01 = -1.988
        assertEquals(0.989, p.getDouble(0), 1e-6);
        assertEquals(-1.988, p.getDouble(1), 1e-6);
        assertEquals(1, opt.step());
    }

    @Test
    void clippingScalesGradientsToTheMaximumNorm() {
        // With clipping, m after one step is (1 - beta1) * g * clip / norm: check through the first moment.
        INDArray p = Nd4j.createFromArray(0f, 0f);
        INDArray g = Nd4j.createFromArray(3f, 4f); // norm 5
        AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0, 1.0);
        assertEquals(5.0, opt.apply(Map.of("p", p), Map.of("p", g), 0.1), 1e-6);
        assertEquals(0.1 * 3 / 5, opt.firstMoments().get("p").getDouble(0), 1e-6);
        assertEquals(0.1 * 4 / 5, opt.firstMoments().get("p").getDouble(1), 1e-6);
    }

    @Test
    void severalStepsOnParametersOfDifferentSizesFollowTheTextbookUpdate() {
        // Plain-double AdamW with clipping and decoupled decay, against the in-place implementation, which shares one
        // scratch buffer between parameters: a larger parameter first, then a smaller and a matrix, for 4 steps.
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double wd = 0.05;
        double clip = 1.5;
        double lr = 0.02;
        java.util.LinkedHashMap<String, INDArray> params = new java.util.LinkedHashMap<>();
        params.put("big", Nd4j.createFromArray(0.5f, -1.0f, 2.0f, 0.25f, -0.75f));
        params.put("small", Nd4j.createFromArray(3.0f, -0.5f));
        params.put("matrix", Nd4j.createFromArray(new float[][] {{1.0f, 0.0f}, {-1.0f, 0.5f}}));
        java.util.Map<String, double[]> ref = new java.util.LinkedHashMap<>();
        java.util.Map<String, double[]> rm = new java.util.HashMap<>();
        java.util.Map<String, double[]> rv = new java.util.HashMap<>();
        params.forEach((k, v) -> {
            ref.put(k, v.dup().reshape(v.length()).toDoubleVector());
            rm.put(k, new double[(int) v.length()]);
            rv.put(k, new double[(int) v.length()]);
        });
        AdamW opt = new AdamW(b1, b2, eps, wd, clip);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        for (int t = 1; t <= 4; t++) {
            java.util.Map<String, INDArray> grads = new java.util.HashMap<>();
            double sumSq = 0;
            for (java.util.Map.Entry<String, INDArray> e : params.entrySet()) {
                float[] g = new float[(int) e.getValue().length()];
                for (int i = 0; i < g.length; i++) {
                    g[i] = (float) (rng.nextDouble() * 2 - 1);
                    sumSq += (double) g[i] * g[i];
                }
                grads.put(e.getKey(), Nd4j.createFromArray(g).reshape(e.getValue().shape()));
            }
            double scale = Math.sqrt(sumSq) > clip ? clip / Math.sqrt(sumSq) : 1;
            opt.apply(params, grads, lr);
            for (String k : params.keySet()) {
                double[] p = ref.get(k);
                double[] m = rm.get(k);
                double[] v = rv.get(k);
                double[] g = grads.get(k).dup().reshape(p.length).toDoubleVector();
                for (int i = 0; i < p.length; i++) {
                    m[i] = b1 * m[i] + (1 - b1) * g[i] * scale;
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i] * scale * scale;
                    double update = (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
                    p[i] = p[i] * (1 - lr * wd) - lr * update;
                }
                double[] actual = params.get(k).dup().reshape(p.length).toDoubleVector();
                for (int i = 0; i < p.length; i++) {
                    assertEquals(p[i], actual[i], 1e-5, k + "[" + i + "] after step " + t);
                }
            }
        }
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        LearningRateSchedule cos = new LearningRateSchedule(LearningRateSchedule.Shape.COSINE, 1.0, 0.1, 100);
        assertEquals(0.1, cos.at(0), 1e-12, "warm-up step 1 of 10");
        assertEquals(1.0, cos.at(9), 1e-12);
        assertEquals(1.0, cos.at(10), 1e-12, "decay starts at the peak");
        assertEquals(0.5, cos.at(55), 1e-12, "half-way through the decay");
        assertEquals(0.0, cos.at(100), 1e-12);
        LearningRateSchedule lin = new LearningRateSchedule(LearningRateSchedule.Shape.LINEAR, 2.0, 0.0, 10);
        assertEquals(2.0, lin.at(0), 1e-12);
        assertEquals(1.0, lin.at(5), 1e-12);
        assertEquals(2.0, new LearningRateSchedule(LearningRateSchedule.Shape.CONSTANT, 2.0, 0, 10).at(9), 1e-12);
        assertThrows(IllegalArgumentException.class,
                () -> new LearningRateSchedule(LearningRateSchedule.Shape.COSINE, 1.0, 1.0, 10));
    }

    @Test
    void theHostLoopUpdatesAsTheOpsDoAndItsMomentsResume() {
        java.util.function.Function<Long, Map<String, INDArray>> params = seed -> {
            Map<String, INDArray> m = new java.util.LinkedHashMap<>();
            m.put("w", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 7, 5).subi(0.5));
            m.put("b", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5).subi(0.5));
            return m;
        };
        Nd4j.getRandom().setSeed(3);
        Map<String, INDArray> ops = params.apply(1L);
        Map<String, INDArray> host = new java.util.LinkedHashMap<>();
        ops.forEach((n, a) -> host.put(n, a.dup('c')));
        // Decay and L2 on the weight matrix only; clipping active (the gradients' norm is ~3).
        AdamW a = new AdamW(0.9, 0.999, 1e-8, 0.3, 0.2, 1.0, n -> n.startsWith("w"));
        AdamW b = new AdamW(0.9, 0.999, 1e-8, 0.3, 0.2, 1.0, n -> n.startsWith("w"));
        b.useHostLoop();
        for (int s = 0; s < 5; s++) {
            Map<String, INDArray> g = new java.util.LinkedHashMap<>();
            g.put("w", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 7, 5).subi(0.5).muli(s + 1));
            g.put("b", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5).subi(0.5).muli(s + 1));
            assertEquals(a.apply(ops, g, 0.01), b.apply(host, g, 0.01), 1e-5);
        }
        for (String n : ops.keySet()) {
            assertArrayEquals(ops.get(n).data().asFloat(), host.get(n).data().asFloat(), 1e-6f, n);
            assertArrayEquals(a.firstMoments().get(n).data().asFloat(), b.firstMoments().get(n).data().asFloat(), 1e-6f, n);
            assertArrayEquals(a.secondMoments().get(n).data().asFloat(), b.secondMoments().get(n).data().asFloat(),
                    1e-7f, n);
        }
        // A fresh host-loop optimiser restored from b's state continues exactly as b does.
        AdamW c = new AdamW(0.9, 0.999, 1e-8, 0.3, 0.2, 1.0, n -> n.startsWith("w"));
        c.useHostLoop();
        Map<String, INDArray> m = new java.util.LinkedHashMap<>();
        Map<String, INDArray> v = new java.util.LinkedHashMap<>();
        b.firstMoments().forEach((n, x) -> m.put(n, x.dup('c')));
        b.secondMoments().forEach((n, x) -> v.put(n, x.dup('c')));
        c.restore(b.step(), m, v);
        Map<String, INDArray> resumed = new java.util.LinkedHashMap<>();
        host.forEach((n, x) -> resumed.put(n, x.dup('c')));
        Map<String, INDArray> g = Map.of("w", Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 7, 5),
                "b", Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5).negi());
        b.apply(host, g, 0.01);
        c.apply(resumed, g, 0.01);
        for (String n : host.keySet()) {
            assertArrayEquals(host.get(n).data().asFloat(), resumed.get(n).data().asFloat(), 0f, n);
        }
    }
}
