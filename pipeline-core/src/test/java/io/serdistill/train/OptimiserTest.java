package io.serdistill.train;

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
}
