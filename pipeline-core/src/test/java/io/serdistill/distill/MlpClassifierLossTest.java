package io.serdistill.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.serdistill.model.MlpClassifier;
import io.serdistill.model.MlpClassifierTestSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The MLP's training loss, through its own placeholders, is the reference {@link KdLoss} averaged over the batch. */
class MlpClassifierLossTest {
    private static MlpClassifier model(long seed) {
        return MlpClassifierTestSupport.model(seed);
    }

    private static List<float[]> rows(int n, long seed) {
        return MlpClassifierTestSupport.rows(n, seed);
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
}
