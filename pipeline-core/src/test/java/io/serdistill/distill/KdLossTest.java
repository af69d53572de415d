package io.serdistill.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
                new TeacherWeighting.Language(0.8).weights("fi", teachers, null, null), 1e-12);
        assertArrayEquals(new double[] {0, 0, 1},
                new TeacherWeighting.Language(1.0).weights("fr", teachers, null, null), 1e-12);
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3},
                new TeacherWeighting.Language(0.8).weights("sv", teachers, null, null), 1e-12, "no teacher for sv: uniform");
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3},
                new TeacherWeighting.Uniform().weights("en", teachers, null, null), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new TeacherWeighting.Language(1.5));
    }

    @Test
    void similarityWeightingIsSoftmaxOfScaledCosines() {
        List<String> teachers = List.of("en", "fi");
        float[] student = {1f, 0f};
        float[][] logits = {{1f, 0f}, {0f, 1f}}; // cosines 1 and 0
        // softmax([1/0.25, 0/0.25]) = [e^4, 1] / (e^4 + 1) = [0.982014, 0.017986]
        double[] w = TeacherWeighting.named("similarity", 0.8).weights("en", teachers, student, logits);
        assertArrayEquals(new double[] {0.982014, 0.017986}, w, 1e-6);
        // language+similarity: [0.8 * 0.982014, 0.2 * 0.017986] renormalised = [0.995442, 0.004558]
        double[] both = TeacherWeighting.named("language+similarity", 0.8).weights("en", teachers, student, logits);
        assertArrayEquals(new double[] {0.995442, 0.004558}, both, 1e-6);
        assertTrue(TeacherWeighting.named("similarity", 1).needsStudentLogits());
        assertThrows(IllegalArgumentException.class, () -> TeacherWeighting.named("loudest", 1));
    }
}
