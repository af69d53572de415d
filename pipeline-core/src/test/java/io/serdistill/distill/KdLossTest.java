package io.serdistill.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class KdLossTest {

    @Test
    void crossEntropyMatchesHandComputedValue() {
        // softmax([2, 0]) = [e^2/(e^2+1), 1/(e^2+1)] = [0.880797, 0.119203]; -ln 0.880797 = 0.126928
        assertEquals(0.126928, KdLoss.crossEntropy(new float[] {2f, 0f}, 0), 1e-6);
        assertEquals(2.126928, KdLoss.crossEntropy(new float[] {2f, 0f}, 1), 1e-6);
    }

    @Test
    void klAtTemperatureMatchesHandComputedValue() {
        // softmax([2, 0] / 2) = [0.731059, 0.268941];
        // KL([.5, .5] || q) = .5 ln(.5/.731059) + .5 ln(.5/.268941) = .5(-0.379885) + .5(0.620115) = 0.120115
        assertEquals(0.120115, KdLoss.kl(new float[] {0.5f, 0.5f}, new float[] {2f, 0f}, 2.0), 1e-6);
    }

    @Test
    void combinedLossWeighsCrossEntropyAndScaledKl() {
        // 0.5 * 0.126928 + 0.5 * 2^2 * 0.120115 = 0.303694
        assertEquals(0.303694, KdLoss.loss(new float[] {2f, 0f}, 0, new float[] {0.5f, 0.5f}, 0.5, 2.0), 1e-6);
        // alpha = 1 ignores the target altogether
        assertEquals(0.126928, KdLoss.loss(new float[] {2f, 0f}, 0, null, 1.0, 2.0), 1e-6);
    }

    @Test
    void klIsZeroWhenStudentMatchesTarget() {
        float[] logits = {0.3f, -1.2f, 2.0f, 0.1f};
        double[] p = SoftTargets.softmax(logits, 5.0);
        float[] target = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            target[i] = (float) p[i];
        }
        assertEquals(0.0, KdLoss.kl(target, logits, 5.0), 1e-6);
    }

    @Test
    void mixWeighsTeacherDistributions() {
        float[][] teachers = {{2f, 0f}, {0f, 0f}};
        // teacher 0 at T=2: [0.731059, 0.268941]; teacher 1: [0.5, 0.5]; 0.75/0.25 mix
        float[] mix = SoftTargets.mix(teachers, new double[] {0.75, 0.25}, 2.0);
        assertArrayEquals(new float[] {0.673294f, 0.326706f}, mix, 1e-6f);
    }

    @Test
    void languageWeightingRoutesToOwnTeacher() {
        List<String> teachers = List.of("en", "fi", "fr");
        assertArrayEquals(new double[] {0.1, 0.8, 0.1},
                new TeacherWeighting.Language(0.8).weights("fi", 0, teachers, null, null), 1e-12);
        assertArrayEquals(new double[] {0, 0, 1},
                new TeacherWeighting.Language(1.0).weights("fr", 0, teachers, null, null), 1e-12);
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3},
                new TeacherWeighting.Language(0.8).weights("sv", 0, teachers, null, null), 1e-12, "no teacher for sv: uniform");
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3},
                new TeacherWeighting.Uniform().weights("en", 0, teachers, null, null), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new TeacherWeighting.Language(1.5));
    }

    @Test
    void similarityWeightingIsSoftmaxOfScaledCosines() {
        List<String> teachers = List.of("en", "fi");
        float[] student = {1f, 0f};
        float[][] logits = {{1f, 0f}, {0f, 1f}}; // cosines 1 and 0
        // softmax([1/0.25, 0/0.25]) = [e^4, 1] / (e^4 + 1) = [0.982014, 0.017986]
        double[] w = TeacherWeighting.named("similarity", 0.8).weights("en", 0, teachers, student, logits);
        assertArrayEquals(new double[] {0.982014, 0.017986}, w, 1e-6);
        // language+similarity: [0.8 * 0.982014, 0.2 * 0.017986] renormalised = [0.995442, 0.004558]
        double[] both = TeacherWeighting.named("language+similarity", 0.8).weights("en", 0, teachers, student, logits);
        assertArrayEquals(new double[] {0.995442, 0.004558}, both, 1e-6);
        assertTrue(TeacherWeighting.named("similarity", 1).needsStudentLogits());
        assertThrows(IllegalArgumentException.class, () -> TeacherWeighting.named("loudest", 1));
    }

    @Test
    void utteranceSimilarityWeighsEachUtteranceByItsOwnCosines() {
        List<String> teachers = List.of("en", "fi");
        float[][] logits = {{1f, 0f}, {0f, 1f}};
        TeacherWeighting w = TeacherWeighting.named("similarity-utterance", 0.8);
        assertTrue(w.needsStudentLogits());
        // student [1, 0]: cosines [1, 0] -> softmax([4, 0]) = [0.982014, 0.017986]
        // student [1, 1]: cosines [0.707107, 0.707107] -> [0.5, 0.5]
        double[][] batch = w.batchWeights(List.of("en", "fi"), new int[] {0, 1}, teachers,
                new float[][] {{1f, 0f}, {1f, 1f}}, List.of(logits, logits));
        assertArrayEquals(new double[] {0.982014, 0.017986}, batch[0], 1e-6);
        assertArrayEquals(new double[] {0.5, 0.5}, batch[1], 1e-6);
        assertEquals(new TeacherWeighting.Similarity(0.25),
                StudentPlan.plan(List.of(StudentMethod.MTKD_SIMILARITY_UTTERANCE), teachers, 0.75, 0.25, 0.8)
                        .get(0).weighting());
    }

    @Test
    void batchSimilarityGivesTheWholeBatchOneWeightVectorFromTheMeanCosine() {
        List<String> teachers = List.of("en", "fi");
        float[][] logits = {{1f, 0f}, {0f, 1f}};
        TeacherWeighting w = StudentPlan.plan(List.of(StudentMethod.MTKD_SIMILARITY), teachers, 0.75, 0.25, 0.8)
                .get(0).weighting();
        assertEquals(new TeacherWeighting.BatchSimilarity(0.25), w, "mtkd-similarity is the paper's per-batch rule");
        assertTrue(w.needsStudentLogits());
        // mean cosines over the batch: [(1 + 0.707107) / 2, (0 + 0.707107) / 2] = [0.853553, 0.353553];
        // softmax([0.853553, 0.353553] / 0.25) = softmax([2, 0] + c) = [0.880797, 0.119203] for both utterances
        double[][] batch = w.batchWeights(List.of("en", "fi"), new int[] {0, 1}, teachers,
                new float[][] {{1f, 0f}, {1f, 1f}}, List.of(logits, logits));
        assertArrayEquals(new double[] {0.880797, 0.119203}, batch[0], 1e-6);
        assertArrayEquals(new double[] {0.880797, 0.119203}, batch[1], 1e-6);
    }

    @Test
    void goldWeightsAreEachTeachersProbabilityOfTheTrueLabelRenormalised() {
        List<String> teachers = List.of("en", "fi");
        TeacherWeighting w = StudentPlan.plan(List.of(StudentMethod.MTKD_GOLD), teachers, 0.75, 0.25, 0.8)
                .get(0).weighting();
        assertEquals(new TeacherWeighting.Gold(), w);
        assertFalse(w.needsStudentLogits(), "static: mixed once per utterance");
        // teacher en: softmax([ln 3, 0]) = [0.75, 0.25]; teacher fi: [0.5, 0.5] (temperature 1)
        float[][] logits = {{(float) Math.log(3), 0f}, {0f, 0f}};
        // label 0: [0.75, 0.5] / 1.25 = [0.6, 0.4]; label 1: [0.25, 0.5] / 0.75 = [1/3, 2/3]
        assertArrayEquals(new double[] {0.6, 0.4}, w.weights("fi", 0, teachers, null, logits), 1e-6);
        assertArrayEquals(new double[] {1.0 / 3, 2.0 / 3}, w.weights("en", 1, teachers, null, logits), 1e-6);
        // the utterance's language plays no part
        assertArrayEquals(w.weights("en", 0, teachers, null, logits), w.weights("fi", 0, teachers, null, logits), 0);
        // every teacher's probability of label 0 underflows to 0 (exp(-2000)): uniform
        float[][] sure = {{0f, 2000f}, {0f, 3000f}};
        assertArrayEquals(new double[] {0.5, 0.5}, w.weights("en", 0, teachers, null, sure), 0);
        double[] one = w.weights("en", 1, teachers, null, sure);
        assertEquals(1.0, one[0] + one[1], 1e-12, "sums to 1");
        assertArrayEquals(new double[] {0.5, 0.5}, one, 1e-12, "both certain of label 1");
    }
}
