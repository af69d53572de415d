package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.distill.TeacherWeighting;
import io.serdistill.eval.ConfusionMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ClassifierTrainerTest {

    /** Four Gaussian clusters in 10 dimensions; class c is shifted along axis c. Two teachers' logits favour c. */
    private static List<TrainingExample> blobs(int perClass, long seed, boolean withTeachers) {
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < perClass; i++) {
                float[] x = new float[10];
                for (int j = 0; j < 10; j++) {
                    x[j] = (float) (r.nextGaussian() * 0.8 + (j == c ? 3.0 : 0.0) + 5.0);
                }
                float[][] teachers = null;
                if (withTeachers) {
                    teachers = new float[2][4];
                    teachers[0][c] = 4f;
                    teachers[1][(c + i) % 4] = 2f;
                }
                out.add(new TrainingExample("u" + c + "_" + i, i % 2 == 0 ? "en" : "fi", "s", c, x, teachers));
            }
        }
        return out;
    }

    private static TrainingOptions fineTuning(int epochs, int patience) {
        return new TrainingOptions(List.of(16), epochs, 16, 0.01, 1e-4, patience, LearningRateSchedule.Shape.COSINE,
                0.1, 5.0, false, 1.0, 1.0, null, List.of(), 11, 1);
    }

    private static TrainingOptions distillation(TeacherWeighting w, int epochs) {
        return new TrainingOptions(List.of(16), epochs, 16, 0.01, 1e-4, 0, LearningRateSchedule.Shape.LINEAR,
                0.1, 5.0, true, 0.5, 2.0, w, List.of("en", "fi"), 12, 1);
    }

    private static double ua(TrainedClassifier t, List<TrainingExample> test) {
        return ConfusionMatrix.from(test.stream().mapToInt(TrainingExample::label).toArray(),
                ClassifierTrainer.predict(t.model(), test), 4).unweightedRecall();
    }

    @Test
    void learnsSeparableClustersAndRecordsHistory() {
        List<EpochRecord> seen = new ArrayList<>();
        TrainedClassifier t = ClassifierTrainer.train(blobs(40, 1, false), blobs(20, 2, false), fineTuning(20, 0), seen::add);
        assertEquals(20, t.history().size());
        assertEquals(20, seen.size());
        assertTrue(ua(t, blobs(25, 3, false)) > 0.85, "UA " + ua(t, blobs(25, 3, false)));
        assertTrue(t.history().get(19).trainLoss() < t.history().get(0).trainLoss());
        double bestUa = t.history().stream().mapToDouble(EpochRecord::devUa).max().orElseThrow();
        assertEquals(bestUa, t.history().get(t.bestEpoch() - 1).devUa(), 1e-12, "keeps the best dev-UA epoch");
        assertTrue(t.history().get(19).learningRate() < t.history().get(2).learningRate(), "cosine decay");
    }

    @Test
    void distillationWithEveryWeightingLearns() {
        for (String w : List.of("uniform", "language", "similarity", "language+similarity")) {
            TrainedClassifier t = ClassifierTrainer.train(blobs(40, 4, true), blobs(20, 5, true),
                    distillation(TeacherWeighting.named(w, 0.8), 15), e -> {});
            assertTrue(ua(t, blobs(25, 6, false)) > 0.85, w + " UA " + ua(t, blobs(25, 6, false)));
            assertTrue(Double.isFinite(t.history().get(0).devLoss()), w);
        }
    }

    @Test
    void earlyStoppingEndsBeforeTheLastEpoch() {
        // Dev labels are shuffled noise: dev UA cannot keep improving, so patience stops training.
        List<TrainingExample> dev = new ArrayList<>();
        Random r = new Random(7);
        for (TrainingExample e : blobs(10, 8, false)) {
            dev.add(new TrainingExample(e.uttId(), e.language(), e.speaker(), r.nextInt(4), e.input(), null));
        }
        TrainedClassifier t = ClassifierTrainer.train(blobs(20, 9, false), dev, fineTuning(200, 3), e -> {});
        assertTrue(t.history().size() < 200, "ran " + t.history().size() + " epochs");
        assertEquals(t.bestEpoch() + 3, t.history().size());
    }

    /** Keeps checkpoints in memory; can be told to crash after a given epoch, like a killed executor. */
    static final class MemoryStore implements CheckpointStore {
        final TreeMap<Integer, byte[]> saved = new TreeMap<>();
        int crashAfter = Integer.MAX_VALUE;

        @Override
        public Optional<byte[]> latest() {
            return saved.isEmpty() ? Optional.empty() : Optional.of(saved.lastEntry().getValue());
        }

        @Override
        public void save(int epoch, byte[] checkpoint) {
            saved.put(epoch, checkpoint);
        }
    }

    @Test
    void resumesFromTheLastCheckpointAndEndsWhereAnUninterruptedRunEnds() {
        List<TrainingExample> train = blobs(15, 20, true);
        List<TrainingExample> dev = blobs(5, 21, true);
        TrainingOptions opts = distillation(TeacherWeighting.named("language", 0.8), 6);
        TrainedClassifier straight = ClassifierTrainer.train(train, dev, opts, e -> {});

        MemoryStore store = new MemoryStore();
        RuntimeException crash = assertThrows(RuntimeException.class, () -> ClassifierTrainer.train(train, dev, opts, store, e -> {
            if (e.epoch() == 3) {
                throw new RuntimeException("executor lost");
            }
        }));
        assertEquals("executor lost", crash.getMessage());
        assertEquals(3, store.saved.lastKey(), "epochs 1-3 were checkpointed");
        List<Integer> epochsRun = new ArrayList<>();
        TrainedClassifier resumed = ClassifierTrainer.train(train, dev, opts, store, e -> epochsRun.add(e.epoch()));
        assertEquals(List.of(4, 5, 6), epochsRun, "resumes after the last completed epoch");
        assertEquals(6, resumed.history().size(), "history includes the epochs before the crash");
        assertEquals(straight.bestEpoch(), resumed.bestEpoch());
        Map<String, float[]> a = straight.model().weights();
        Map<String, float[]> b = resumed.model().weights();
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), 1e-4f, k);
        }
    }

    @Test
    void checkpointOfOtherOptionsIsNotResumed() {
        List<TrainingExample> train = blobs(10, 22, false);
        MemoryStore store = new MemoryStore();
        ClassifierTrainer.train(train, List.of(), fineTuning(2, 0), store, e -> {});
        List<Integer> epochs = new ArrayList<>();
        ClassifierTrainer.train(train, List.of(), fineTuning(3, 0), store, e -> epochs.add(e.epoch()));
        assertEquals(List.of(1, 2, 3), epochs, "a different configuration starts from scratch");
    }

    @Test
    void inverseFrequencyClassWeights() {
        List<TrainingExample> train = new ArrayList<>();
        int[] labels = {0, 0, 0, 1, 2, 2};
        for (int i = 0; i < labels.length; i++) {
            train.add(new TrainingExample("u" + i, "en", "s", labels[i], new float[] {i}, null));
        }
        // n / (C_present * count): 6 / (3 * 3), 6 / (3 * 1), 6 / (3 * 2), absent class 0
        assertArrayEquals(new float[] {2f / 3, 2f, 1f, 0f}, ClassifierTrainer.inverseFrequency(train), 1e-6f);
    }

    @Test
    void distillationWithoutTeacherLogitsNamesTheUtterance() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassifierTrainer.train(
                blobs(2, 1, false), List.of(), distillation(new TeacherWeighting.Uniform(), 1), x -> {}));
        assertTrue(e.getMessage().contains("u0_0"), e.getMessage());
    }
}
