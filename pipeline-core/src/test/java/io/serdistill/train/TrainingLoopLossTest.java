package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.serdistill.distill.TeacherWeighting;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The loop's dev loss, computed from logits, is the models' own loss graph: with and without class weights and KD. */
class TrainingLoopLossTest {

    @Test
    void lossFromLogitsEqualsTheModelsLossGraph() {
        SplittableRandom rng = new SplittableRandom(5);
        List<TrainingExample> examples = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        int[] labels = new int[9];
        for (int i = 0; i < labels.length; i++) {
            float[] x = new float[6];
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) (rng.nextDouble() * 4 - 2);
            }
            labels[i] = i % 3; // class 3 absent, as a class-weighted training set may have
            examples.add(new TrainingExample("u" + i, "en", "s", labels[i], x, null));
            rows.add(x);
            float[] t = {(float) rng.nextDouble(), (float) rng.nextDouble(), (float) rng.nextDouble(), 0f};
            float sum = t[0] + t[1] + t[2];
            for (int c = 0; c < 3; c++) {
                t[c] /= sum;
            }
            targets.add(t);
        }
        float[] ones = {1, 1, 1, 1};
        float[] zeros = new float[6];
        for (double alpha : new double[] {1.0, 0.4}) {
            for (float[] classWeights : new float[][] {null, {0.5f, 2.0f, 1.25f, 0f}}) {
                MlpClassifier model = MlpClassifier.initialise(new ClassifierSpec(6, List.of(5), 4, 1), zeros,
                        new float[] {1, 1, 1, 1, 1, 1}, 3);
                model.prepareTraining(alpha, 2.0);
                TrainingOptions opts = new TrainingOptions(new Optimisation(1, 4, 0.01, 0, 0, LearningRateSchedule.Shape.CONSTANT, 0, 0, classWeights != null),
                        new Objective(alpha, 2.0, alpha < 1 ? TeacherWeighting.named("uniform", 0) : null, alpha < 1 ? List.of("en") : List.of()), 1);
                List<float[]> t = alpha < 1 ? targets : null;
                double graph = model.loss(rows, labels, t, classWeights == null ? ones : classWeights);
                double loop = TrainingLoop.loss(model.logits(rows), examples, t, opts, classWeights);
                assertEquals(graph, loop, 1e-4 * Math.max(1, Math.abs(graph)),
                        "alpha " + alpha + ", class weights " + (classWeights != null));
            }
        }
    }
}
