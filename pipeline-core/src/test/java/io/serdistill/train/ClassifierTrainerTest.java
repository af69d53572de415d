package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.eval.ConfusionMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassifierTrainerTest {

    /** Four Gaussian clusters in 10 dimensions; class c is shifted along axis c. */
    private static List<TrainingExample> blobs(int perClass, long seed, boolean withTargets) {
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < perClass; i++) {
                float[] x = new float[10];
                for (int j = 0; j < 10; j++) {
                    x[j] = (float) (r.nextGaussian() * 0.8 + (j == c ? 3.0 : 0.0) + 5.0);
                }
                float[] target = withTargets ? new float[] {0.1f, 0.1f, 0.1f, 0.1f} : null;
                if (target != null) {
                    target[c] = 0.7f;
                }
                out.add(new TrainingExample("u" + c + "_" + i, "en", "s", c, x, target));
            }
        }
        return out;
    }

    private static TrainingOptions options(double alpha, int epochs, int patience) {
        return new TrainingOptions(List.of(16), epochs, 16, 0.01, 1e-4, patience, alpha, 2.0, 11);
    }

    @Test
    void learnsSeparableClustersAndRecordsHistory() {
        List<EpochRecord> seen = new ArrayList<>();
        TrainedClassifier t = ClassifierTrainer.train(blobs(40, 1, false), blobs(20, 2, false),
                options(1.0, 20, 0), seen::add);
        assertEquals(20, t.history().size());
        assertEquals(20, seen.size());
        List<TrainingExample> test = blobs(25, 3, false);
        ConfusionMatrix cm = ConfusionMatrix.from(test.stream().mapToInt(TrainingExample::label).toArray(),
                ClassifierTrainer.predict(t.model(), test), 4);
        assertTrue(cm.unweightedRecall() > 0.85, "UA " + cm.unweightedRecall());
        assertTrue(t.history().get(19).trainLoss() < t.history().get(0).trainLoss());
        double bestUa = t.history().stream().mapToDouble(EpochRecord::devUa).max().orElseThrow();
        assertEquals(bestUa, t.history().get(t.bestEpoch() - 1).devUa(), 1e-12, "keeps the best dev-UA epoch");
    }

    @Test
    void distillationTrainingLearnsToo() {
        TrainedClassifier t = ClassifierTrainer.train(blobs(40, 4, true), blobs(20, 5, true),
                options(0.5, 15, 0), e -> {});
        List<TrainingExample> test = blobs(25, 6, false);
        ConfusionMatrix cm = ConfusionMatrix.from(test.stream().mapToInt(TrainingExample::label).toArray(),
                ClassifierTrainer.predict(t.model(), test), 4);
        assertTrue(cm.accuracy() > 0.85, "WA " + cm.accuracy());
        assertTrue(Double.isFinite(t.history().get(0).devLoss()));
    }

    @Test
    void earlyStoppingEndsBeforeTheLastEpoch() {
        // Dev labels are shuffled noise: dev UA cannot keep improving, so patience stops training.
        List<TrainingExample> dev = new ArrayList<>();
        Random r = new Random(7);
        for (TrainingExample e : blobs(10, 8, false)) {
            dev.add(new TrainingExample(e.uttId(), e.language(), e.speaker(), r.nextInt(4), e.input(), null));
        }
        TrainedClassifier t = ClassifierTrainer.train(blobs(20, 9, false), dev, options(1.0, 200, 3), e -> {});
        assertTrue(t.history().size() < 200, "ran " + t.history().size() + " epochs");
        assertEquals(t.bestEpoch() + 3, t.history().size());
    }

    @Test
    void distillationWithoutTargetsNamesTheUtterance() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassifierTrainer.train(blobs(2, 1, false), List.of(), options(0.5, 1, 0), x -> {}));
        assertTrue(e.getMessage().contains("u0_0"), e.getMessage());
    }
}
