package io.serdistill.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.serdistill.model.DistillationLossGraph;
import io.serdistill.model.KlReduction;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one SameDiff training loss against its plain-Java reference {@link KdLoss#batchLoss}: values, and gradients
 * with respect to the logits by central finite differences of the reference, with and without class weights, with
 * and without the distillation term, with and without label smoothing.
 */
class DistillationLossGraphTest {
    private static final int N = 5;
    private static final int C = 4;
    private static final int[] LABELS = {0, 2, 1, 2, 0}; // class 3 absent, as in a class-weighted training set
    private static final List<float[]> TARGETS = List.of(new float[] {0.7f, 0.1f, 0.1f, 0.1f},
            new float[] {0.25f, 0.25f, 0.25f, 0.25f}, new float[] {0f, 0f, 1f, 0f}, new float[] {0.1f, 0.2f, 0.3f, 0.4f},
            new float[] {0.4f, 0.4f, 0.1f, 0.1f});
    /** Multiples of 1/64, so the logits and their finite-difference shifts by {@link #H} are exact in float. */
    private static final double H = 1.0 / 128;

    private static float[][] logits() {
        SplittableRandom r = new SplittableRandom(3);
        float[][] z = new float[N][C];
        for (float[] row : z) {
            for (int c = 0; c < C; c++) {
                row[c] = (r.nextInt(257) - 128) / 64f;
            }
        }
        return z;
    }

    /** A graph whose logits are a variable, so the loss's gradient is the gradient with respect to the logits. */
    private record Graph(SameDiff sd, DistillationLossGraph loss) {
        static Graph of(float[][] z, double alpha, double temperature) {
            return of(z, alpha, temperature, 0);
        }

        static Graph of(float[][] z, double alpha, double temperature, double labelSmoothing) {
            SameDiff sd = SameDiff.create();
            SDVariable logits = sd.var("z", Nd4j.create(z).castTo(DataType.DOUBLE));
            return new Graph(sd, DistillationLossGraph.add(logits, C, DataType.DOUBLE, alpha, temperature, labelSmoothing));
        }

        Map<String, INDArray> placeholders(double alpha, float[] classWeights) {
            return loss.placeholders(LABELS, alpha < 1 ? TARGETS : null, classWeights);
        }
    }

    @Test
    void lossAndLogitGradientsMatchTheReference() {
        float[][] z = logits();
        double t = 2.5;
        for (double alpha : new double[] {1.0, 0.3}) {
          for (double eps : new double[] {0, 0.2}) {
            for (float[] cw : new float[][] {null, {0.5f, 2f, 1.25f, 0f}}) {
                String what = "alpha " + alpha + ", label smoothing " + eps
                        + (cw == null ? ", no class weights" : ", class weights");
                Graph g = Graph.of(z, alpha, t, eps);
                Map<String, INDArray> ph = g.placeholders(alpha, cw);
                List<float[]> targets = alpha < 1 ? TARGETS : null;
                double reference = KdLoss.batchLoss(z, LABELS, targets, cw, alpha, t, eps);
                assertEquals(reference, g.sd().output(ph, DistillationLossGraph.LOSS).get(DistillationLossGraph.LOSS)
                        .getDouble(0), 1e-9, what); // the graph's log(target + 1e-12) is off by ~1e-11
                INDArray grad = g.sd().calculateGradients(ph, "z").get("z");
                for (int i = 0; i < N; i++) {
                    for (int c = 0; c < C; c++) {
                        float original = z[i][c];
                        z[i][c] = (float) (original + H);
                        double up = KdLoss.batchLoss(z, LABELS, targets, cw, alpha, t, eps);
                        z[i][c] = (float) (original - H);
                        double down = KdLoss.batchLoss(z, LABELS, targets, cw, alpha, t, eps);
                        z[i][c] = original;
                        assertEquals((up - down) / (2 * H), grad.getDouble(i, c), 2e-5, what + ": dL/dz[" + i + "][" + c + "]");
                    }
                }
            }
          }
        }
    }

    @Test
    void meanKlReductionDividesTheDistillationTermByTheClassCount() {
        float[][] z = logits();
        double alpha = 0.3;
        double t = 2.5;
        double ce = KdLoss.batchLoss(z, LABELS, TARGETS, null, 1.0, t);
        double kdBatchmean = KdLoss.batchLoss(z, LABELS, TARGETS, null, alpha, t) - alpha * ce;
        double mean = KdLoss.batchLoss(z, LABELS, TARGETS, null, alpha, t, KlReduction.MEAN);
        assertEquals(alpha * ce + kdBatchmean / C, mean, 1e-12, "reference: the KD term / classes");
        // PyTorch's KLDivLoss(reduction="mean"): every (utterance, class) term t·(ln t − ln q) averaged over N·C
        double elementwise = 0;
        for (int i = 0; i < N; i++) {
            elementwise += KdLoss.kl(TARGETS.get(i), z[i], t);
        }
        assertEquals(alpha * ce + (1 - alpha) * t * t * elementwise / (N * C), mean, 1e-12);

        SameDiff sd = SameDiff.create();
        SDVariable logits = sd.var("z", Nd4j.create(z).castTo(DataType.DOUBLE));
        DistillationLossGraph graph = DistillationLossGraph.add(logits, C, DataType.DOUBLE, alpha, t, KlReduction.MEAN);
        Map<String, INDArray> ph = graph.placeholders(LABELS, TARGETS, null);
        assertEquals(mean, sd.output(ph, DistillationLossGraph.LOSS).get(DistillationLossGraph.LOSS).getDouble(0), 1e-9);
        INDArray grad = sd.calculateGradients(ph, "z").get("z");
        float original = z[1][2];
        z[1][2] = (float) (original + H);
        double up = KdLoss.batchLoss(z, LABELS, TARGETS, null, alpha, t, KlReduction.MEAN);
        z[1][2] = (float) (original - H);
        double down = KdLoss.batchLoss(z, LABELS, TARGETS, null, alpha, t, KlReduction.MEAN);
        z[1][2] = original;
        assertEquals((up - down) / (2 * H), grad.getDouble(1, 2), 2e-5, "dL/dz[1][2] under mean reduction");
        assertEquals(1.0, KlReduction.BATCHMEAN.factor(C));
    }

    @Test
    void labelSmoothingMixesTheLabelsCrossEntropyWithTheMeanOverClassesAndLeavesTheKdTermAlone() {
        float[][] z = logits();
        double eps = 0.1;
        // Labels only: mean over examples of (1 - eps) (-log p_y) + eps * mean_c (-log p_c).
        double expected = 0;
        for (int i = 0; i < N; i++) {
            double uniform = 0;
            for (int c = 0; c < C; c++) {
                uniform += KdLoss.crossEntropy(z[i], c) / C;
            }
            expected += ((1 - eps) * KdLoss.crossEntropy(z[i], LABELS[i]) + eps * uniform) / N;
        }
        Graph g = Graph.of(z, 1.0, 1.0, eps);
        assertEquals(expected, g.sd().output(g.placeholders(1.0, null), DistillationLossGraph.LOSS)
                .get(DistillationLossGraph.LOSS).getDouble(0), 1e-12);
        assertEquals(expected, KdLoss.batchLoss(z, LABELS, null, null, 1.0, 1.0, eps), 1e-12);
        // With distillation the KD term is the unsmoothed one: loss(eps) - loss(0) = alpha * (CE_eps - CE_0).
        double alpha = 0.4;
        double t = 3;
        double smoothedTotal = KdLoss.batchLoss(z, LABELS, TARGETS, null, alpha, t, eps);
        double plainTotal = KdLoss.batchLoss(z, LABELS, TARGETS, null, alpha, t, 0);
        double plainCe = KdLoss.batchLoss(z, LABELS, null, null, 1.0, 1.0, 0);
        assertEquals(alpha * (expected - plainCe), smoothedTotal - plainTotal, 1e-12);
        Graph kd = Graph.of(z, alpha, t, eps);
        assertEquals(smoothedTotal, kd.sd().output(kd.placeholders(alpha, null), DistillationLossGraph.LOSS)
                .get(DistillationLossGraph.LOSS).getDouble(0), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> Graph.of(z, 1.0, 1.0, 1.0));
    }

    @Test
    void unitClassWeightsAreThePlainMeanAndWeightsShiftTheLabelTermOnly() {
        float[][] z = logits();
        // all-1 weights are the same loss as none: the batch mean of the cross-entropy
        double plain = 0;
        for (int i = 0; i < N; i++) {
            plain += KdLoss.crossEntropy(z[i], LABELS[i]) / N;
        }
        Graph g = Graph.of(z, 1.0, 1.0);
        assertEquals(plain, g.sd().output(g.placeholders(1.0, new float[] {1, 1, 1, 1}), DistillationLossGraph.LOSS)
                .get(DistillationLossGraph.LOSS).getDouble(0), 1e-12);
        // weighting only class 2 leaves the cross-entropy of its examples: (ce_1 + ce_3) / 2
        double onlyTwo = (KdLoss.crossEntropy(z[1], 2) + KdLoss.crossEntropy(z[3], 2)) / 2;
        assertEquals(onlyTwo, g.sd().output(g.placeholders(1.0, new float[] {0, 0, 3, 0}), DistillationLossGraph.LOSS)
                .get(DistillationLossGraph.LOSS).getDouble(0), 1e-12);
    }

    @Test
    void placeholdersRejectMissingTargetsAndWrongClassWeights() {
        Graph g = Graph.of(logits(), 0.5, 2.0);
        assertThrows(IllegalArgumentException.class, () -> g.loss().placeholders(LABELS, null, null));
        assertThrows(IllegalArgumentException.class, () -> g.loss().placeholders(LABELS, TARGETS, new float[] {1, 1}));
    }
}
