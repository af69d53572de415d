package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.distill.TeacherWeighting;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.model.MlpClassifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MlpTrainerTest {
    private static final List<Integer> HIDDEN = List.of(16);


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
        return new TrainingOptions(new Optimisation(epochs, 16, 0.01, 1e-4, patience, LearningRateSchedule.Shape.COSINE, 0.1, 5.0, false),
                Objective.labels(), 11);
    }

    private static TrainingOptions distillation(TeacherWeighting w, int epochs) {
        return new TrainingOptions(new Optimisation(epochs, 16, 0.01, 1e-4, 0, LearningRateSchedule.Shape.LINEAR, 0.1, 5.0, true),
                new Objective(0.5, 2.0, w, List.of("en", "fi")), 12);
    }

    private static double ua(TrainedModel<MlpClassifier> t, List<TrainingExample> test) {
        return ConfusionMatrix.from(test.stream().mapToInt(TrainingExample::label).toArray(),
                MlpTrainer.predict(t.model(), test), 4).unweightedRecall();
    }

    @Test
    void learnsSeparableClustersAndRecordsHistory() {
        List<EpochRecord> seen = new ArrayList<>();
        TrainedModel<MlpClassifier> t = MlpTrainer.train(blobs(40, 1, false), blobs(20, 2, false), HIDDEN, 1, fineTuning(20, 0), seen::add);
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
        for (String w : List.of("uniform", "language", "similarity", "language+similarity", "similarity-utterance",
                "gold")) {
            TrainedModel<MlpClassifier> t = MlpTrainer.train(blobs(40, 4, true), blobs(20, 5, true), HIDDEN, 1,
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
        TrainedModel<MlpClassifier> t = MlpTrainer.train(blobs(20, 9, false), dev, HIDDEN, 1, fineTuning(200, 3), e -> {});
        assertTrue(t.history().size() < 200, "ran " + t.history().size() + " epochs");
        assertEquals(t.bestEpoch() + 3, t.history().size());
    }

    /** Keeps checkpoints in memory (saved from the trainer's writer thread, read from the test's). */
    static class MemoryStore implements CheckpointStore {
        final TreeMap<Integer, byte[]> saved = new TreeMap<>();

        @Override
        public synchronized Optional<byte[]> latest() {
            return saved.isEmpty() ? Optional.empty() : Optional.of(saved.lastEntry().getValue());
        }

        @Override
        public void save(int epoch, byte[] checkpoint) throws IOException {
            synchronized (this) {
                saved.put(epoch, checkpoint);
            }
        }

        synchronized List<Integer> epochs() {
            return List.copyOf(saved.keySet());
        }
    }

    /** A store whose write of one epoch fails, as a write cut off by a dying executor or a full disk does. */
    static final class FailingStore extends MemoryStore {
        final int failing;

        FailingStore(int failing) {
            this.failing = failing;
        }

        @Override
        public void save(int epoch, byte[] checkpoint) throws IOException {
            if (epoch == failing) {
                throw new IOException("disk full at epoch " + epoch);
            }
            super.save(epoch, checkpoint);
        }
    }

    private static TrainingOptions everyEpochs(int every, int epochs) {
        return distillation(TeacherWeighting.named("language", 0.8), epochs).withCheckpointPolicy(
                new CheckpointPolicy(every, 0));
    }

    /** Asserts the same weights, bit for bit, and the same history but for wall times. */
    static void assertSameTraining(TrainedModel<MlpClassifier> expected, TrainedModel<MlpClassifier> actual) {
        assertEquals(expected.bestEpoch(), actual.bestEpoch());
        assertEquals(withoutTimes(expected.history()), withoutTimes(actual.history()));
        Map<String, float[]> a = expected.model().weights();
        Map<String, float[]> b = actual.model().weights();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k);
        }
    }

    private static List<EpochRecord> withoutTimes(List<EpochRecord> history) {
        return history.stream().map(e -> new EpochRecord(e.epoch(), e.trainLoss(), e.devLoss(), e.devUa(), e.devWa(),
                e.learningRate(), 0)).toList();
    }

    private static java.util.function.Consumer<EpochRecord> crashAfter(int epoch, List<Integer> seen) {
        return e -> {
            seen.add(e.epoch());
            if (e.epoch() == epoch) {
                throw new RuntimeException("executor lost");
            }
        };
    }

    @Test
    void resumesFromTheLastCheckpointAndEndsWhereAnUninterruptedRunEnds() {
        List<TrainingExample> train = blobs(15, 20, true);
        List<TrainingExample> dev = blobs(5, 21, true);
        TrainingOptions opts = distillation(TeacherWeighting.named("language", 0.8), 6);
        TrainedModel<MlpClassifier> straight = MlpTrainer.train(train, dev, HIDDEN, 1, opts, e -> {});

        MemoryStore store = new MemoryStore();
        RuntimeException crash = assertThrows(RuntimeException.class, () -> MlpTrainer.train(train, dev, HIDDEN, 1, opts, store, e -> {
            if (e.epoch() == 3) {
                throw new RuntimeException("executor lost");
            }
        }));
        assertEquals("executor lost", crash.getMessage());
        assertEquals(3, store.saved.lastKey(), "epochs 1-3 were checkpointed");
        List<Integer> epochsRun = new ArrayList<>();
        TrainedModel<MlpClassifier> resumed = MlpTrainer.train(train, dev, HIDDEN, 1, opts, store, e -> epochsRun.add(e.epoch()));
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
    void resumesExactlyWithACheckpointEveryThreeEpochs() {
        List<TrainingExample> train = blobs(15, 20, true);
        List<TrainingExample> dev = blobs(5, 21, true);
        TrainingOptions opts = everyEpochs(3, 8);
        MemoryStore uninterrupted = new MemoryStore();
        TrainedModel<MlpClassifier> straight = MlpTrainer.train(train, dev, HIDDEN, 1, opts, uninterrupted, e -> {});
        assertEquals(List.of(3, 6), uninterrupted.epochs(), "every third epoch, none after the last");

        MemoryStore store = new MemoryStore();
        List<Integer> before = new ArrayList<>();
        assertThrows(RuntimeException.class, () -> MlpTrainer.train(train, dev, HIDDEN, 1, opts, store, crashAfter(5, before)));
        assertEquals(List.of(1, 2, 3, 4, 5), before);
        assertEquals(List.of(3), store.epochs(), "epochs 4 and 5 are lost with the task");
        List<Integer> after = new ArrayList<>();
        TrainedModel<MlpClassifier> resumed = MlpTrainer.train(train, dev, HIDDEN, 1, opts, store, e -> after.add(e.epoch()));
        assertEquals(List.of(4, 5, 6, 7, 8), after, "resumes after the last checkpoint");
        assertSameTraining(straight, resumed);
    }

    @Test
    void aCheckpointOfAnotherIntervalIsResumed() {
        List<TrainingExample> train = blobs(15, 20, true);
        List<TrainingExample> dev = blobs(5, 21, true);
        TrainedModel<MlpClassifier> straight = MlpTrainer.train(train, dev, HIDDEN, 1, everyEpochs(3, 8), e -> {});
        MemoryStore store = new MemoryStore();
        assertThrows(RuntimeException.class, () -> MlpTrainer.train(train, dev, HIDDEN, 1, everyEpochs(2, 8), store,
                crashAfter(5, new ArrayList<>())));
        List<Integer> after = new ArrayList<>();
        TrainedModel<MlpClassifier> resumed = MlpTrainer.train(train, dev, HIDDEN, 1, everyEpochs(3, 8), store, e -> after.add(e.epoch()));
        assertEquals(List.of(5, 6, 7, 8), after, "the interval is not part of what a checkpoint must match");
        assertSameTraining(straight, resumed);
    }

    @Test
    void aWriteLostWithTheTaskCostsOnlyItsEpochs() {
        // The write of epoch 4 never lands (the executor died while writing); the task then dies in epoch 5.
        List<TrainingExample> train = blobs(15, 20, true);
        List<TrainingExample> dev = blobs(5, 21, true);
        TrainingOptions opts = everyEpochs(2, 8);
        TrainedModel<MlpClassifier> straight = MlpTrainer.train(train, dev, HIDDEN, 1, opts, e -> {});
        FailingStore dying = new FailingStore(4);
        RuntimeException crash = assertThrows(RuntimeException.class, () -> MlpTrainer.train(train, dev, HIDDEN, 1, opts,
                dying, crashAfter(5, new ArrayList<>())));
        assertEquals("executor lost", crash.getMessage());
        assertEquals(1, crash.getSuppressed().length, "the failed write travels with the crash");
        assertTrue(crash.getSuppressed()[0].getMessage().contains("epoch 4"), crash.getSuppressed()[0].getMessage());
        MemoryStore store = new MemoryStore();
        dying.saved.forEach(store.saved::put);
        List<Integer> after = new ArrayList<>();
        TrainedModel<MlpClassifier> resumed = MlpTrainer.train(train, dev, HIDDEN, 1, opts, store, e -> after.add(e.epoch()));
        assertEquals(List.of(3, 4, 5, 6, 7, 8), after);
        assertSameTraining(straight, resumed);
    }

    @Test
    void aFailedWriteFailsTrainingAtTheNextCheckpointOrAtTheEnd() {
        List<Integer> seen = new ArrayList<>();
        java.io.UncheckedIOException e = failedWrite(8, 2, seen);
        assertTrue(e.getMessage().contains("checkpoint of epoch 2"), e.getMessage());
        assertEquals("disk full at epoch 2", e.getCause().getMessage());
        assertEquals(List.of(1, 2, 3), seen, "epoch 3 trained while epoch 2 was being written; epoch 4 found the failure");
        seen.clear();
        e = failedWrite(5, 4, seen);
        assertTrue(e.getMessage().contains("checkpoint of epoch 4"), e.getMessage());
        assertEquals(List.of(1, 2, 3, 4, 5), seen, "the last checkpoint's failure surfaces when training ends");
    }

    /** Trains {@code epochs} epochs, checkpointing every second one, where the write of {@code failing} fails. */
    private static java.io.UncheckedIOException failedWrite(int epochs, int failing, List<Integer> seen) {
        return assertThrows(java.io.UncheckedIOException.class, () -> MlpTrainer.train(blobs(10, 20, true),
                blobs(5, 21, true), HIDDEN, 1, everyEpochs(2, epochs), new FailingStore(failing), r -> seen.add(r.epoch())));
    }

    @Test
    void trainsOnWhileACheckpointIsWrittenAndReturnsOnlyOnceItIsStored() {
        CountDownLatch epochThree = new CountDownLatch(1);
        AtomicBoolean overlapped = new AtomicBoolean();
        MemoryStore slow = new MemoryStore() {
            @Override
            public void save(int epoch, byte[] checkpoint) throws IOException {
                try {
                    if (epoch == 2) {
                        // Stored only once the trainer has finished epoch 3: impossible with a synchronous write.
                        overlapped.set(epochThree.await(60, TimeUnit.SECONDS));
                    } else {
                        Thread.sleep(300);
                    }
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                super.save(epoch, checkpoint);
            }
        };
        MlpTrainer.train(blobs(10, 20, true), blobs(5, 21, true), HIDDEN, 1, everyEpochs(2, 5), slow, e -> {
            if (e.epoch() == 3) {
                epochThree.countDown();
            }
        });
        assertTrue(overlapped.get(), "epoch 3 trained while epoch 2 was being written");
        assertEquals(List.of(2, 4), slow.epochs(), "the slow write of epoch 4 was waited for");
    }

    @Test
    void checkpointsByTime() {
        assertEquals(List.of(1, 2, 3), checkpointedEpochs(new CheckpointPolicy(0, 1e-6)), "every epoch outlasts 1 us");
        assertEquals(List.of(), checkpointedEpochs(new CheckpointPolicy(0, 3600)));
        assertEquals(List.of(), checkpointedEpochs(new CheckpointPolicy(0, 0)));
    }

    /** The epochs checkpointed in 4 epochs of training under {@code policy}. */
    private static List<Integer> checkpointedEpochs(CheckpointPolicy policy) {
        MemoryStore store = new MemoryStore();
        MlpTrainer.train(blobs(10, 20, false), List.of(), HIDDEN, 1, fineTuning(4, 0).withCheckpointPolicy(policy), store,
                e -> {});
        return store.epochs();
    }

    @Test
    void checkpointOfOtherOptionsIsNotResumed() {
        List<TrainingExample> train = blobs(10, 22, false);
        MemoryStore store = new MemoryStore();
        MlpTrainer.train(train, List.of(), HIDDEN, 1, fineTuning(2, 0), store, e -> {});
        List<Integer> epochs = new ArrayList<>();
        MlpTrainer.train(train, List.of(), HIDDEN, 1, fineTuning(3, 0), store, e -> epochs.add(e.epoch()));
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
        assertArrayEquals(new float[] {2f / 3, 2f, 1f, 0f}, TrainingLoop.inverseFrequency(train), 1e-6f);
    }

    @Test
    void distillationWithoutTeacherLogitsNamesTheUtterance() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MlpTrainer.train(
                blobs(2, 1, false), List.of(), HIDDEN, 1, distillation(new TeacherWeighting.Uniform(), 1), x -> {}));
        assertTrue(e.getMessage().contains("u0_0"), e.getMessage());
    }
}
