package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.distill.TeacherWeighting;
import io.serdistill.eval.Predictions;
import io.serdistill.model.TrainingEngine;
import io.serdistill.model.tdnn.SpecAugment;
import io.serdistill.model.tdnn.TdnnClassifier;
import io.serdistill.model.tdnn.TdnnSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TDNN teachers and students over synthetic fbank-like frames (16 bins, 8 to 40 frames): each class is a burst of
 * energy in its own band of bins for a few frames at a random position, on a background that carries no label, so
 * its per-utterance mean is a weak cue and the frames are what tell classes apart. On both training engines.
 */
class TdnnKindTest {
    private static final int F = 16;

    private static TdnnOptions options(TdnnOptions.Masking masking) {
        return new TdnnOptions(List.of(16, 16), List.of(5, 3), List.of(1, 2), 8, true, masking);
    }

    private static List<TrainingExample> utterances(int perClass, long seed) {
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < perClass; i++) {
                int n = 8 + r.nextInt(33);
                float[] x = new float[n * F];
                for (int k = 0; k < x.length; k++) {
                    x[k] = (float) (r.nextGaussian() - 8);
                }
                int start = r.nextInt(n - 3);
                for (int t = start; t < start + 3; t++) {
                    for (int j = 4 * c; j < 4 * c + 4; j++) {
                        x[t * F + j] += 3f;
                    }
                }
                float[][] teachers = new float[2][4];
                teachers[0][c] = 3f;
                teachers[1][(c + i) % 4] = 1f;
                out.add(new TrainingExample("u" + seed + "_" + c + "_" + i, i % 2 == 0 ? "en" : "fi", "s" + (i % 3), c,
                        x, teachers));
            }
        }
        return out;
    }

    private static TrainingOptions training(int epochs, double alpha, long seed, TrainingEngine engine) {
        return training(epochs, alpha, seed).withEngine(engine);
    }

    private static TrainingOptions training(int epochs, double alpha, long seed) {
        return new TrainingOptions(new Optimisation(epochs, 8, 5e-3, 1e-4, 0, LearningRateSchedule.Shape.COSINE, 0.1, 5.0,
                false), new Objective(alpha, 2.0, alpha < 1 ? TeacherWeighting.named("language", 0.8) : null,
                alpha < 1 ? List.of("en", "fi") : List.of()), seed);
    }

    private static double accuracy(ModelKind.Scorer scorer, List<TrainingExample> examples) {
        int[] predicted = Predictions.argMax(scorer.logits(examples.stream().map(TrainingExample::input).toList()));
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == examples.get(i).label() ? 1 : 0;
        }
        return (double) right / predicted.length;
    }

    @ParameterizedTest
    @EnumSource(value = TrainingEngine.class, names = {"SAMEDIFF", "FUSED"})
    void learnsSeparableFramesWithSpecAugmentAndScoresWhatItSaved(TrainingEngine engine) throws Exception {
        List<TrainingExample> train = utterances(16, 1);
        List<TrainingExample> dev = utterances(8, 2);
        TdnnKind kind = new TdnnKind(F, options(new TdnnOptions.Masking(1, 4, 1, 2)));
        List<EpochRecord> progress = new ArrayList<>();
        TrainedModel<TdnnClassifier> trained = kind.train(train, dev, training(20, 1.0, 7, engine), CheckpointStore.NONE,
                progress::add);
        assertEquals(20, progress.size());
        double bestDevUa = trained.history().get(trained.bestEpoch() - 1).devUa();
        assertTrue(bestDevUa >= 0.7, "chance is 0.25; best dev UA " + bestDevUa + " " + trained.history());
        ModelKind.Scorer scorer = kind.load(trained.model().toSafeTensors(Map.of()), "tdnn");
        assertEquals(bestDevUa, accuracy(scorer, dev), 1e-9, "the saved model is the best epoch's");
        assertTrue(accuracy(scorer, utterances(8, 3)) >= 0.6, "and it generalises to fresh utterances");
    }

    @ParameterizedTest
    @EnumSource(value = TrainingEngine.class, names = {"SAMEDIFF", "FUSED"})
    void trainingIsDeterministicGivenTheSeedAndDistilsFromTeachers(TrainingEngine engine) throws Exception {
        List<TrainingExample> train = utterances(3, 4).subList(0, 9); // batches of 8 and a last one of 1
        TdnnKind kind = new TdnnKind(F, options(new TdnnOptions.Masking(2, 5, 2, 3)));
        TrainedModel<TdnnClassifier> a = kind.train(train, List.of(), training(3, 0.5, 11, engine), CheckpointStore.NONE, e -> {});
        TrainedModel<TdnnClassifier> b = kind.train(train, List.of(), training(3, 0.5, 11, engine), CheckpointStore.NONE, e -> {});
        TrainedModel<TdnnClassifier> other = kind.train(train, List.of(), training(3, 0.5, 12, engine), CheckpointStore.NONE,
                e -> {});
        List<float[]> inputs = train.stream().map(TrainingExample::input).toList();
        ModelKind.Scorer sa = kind.load(a.model().toSafeTensors(Map.of()), "a");
        ModelKind.Scorer sb = kind.load(b.model().toSafeTensors(Map.of()), "b");
        float[][] za = sa.logits(inputs);
        float[][] zb = sb.logits(inputs);
        for (int i = 0; i < za.length; i++) {
            assertArrayEquals(za[i], zb[i], 0f, "same seed, same model: utterance " + i);
        }
        assertTrue(a.history().get(2).trainLoss() != other.model().parameters().get("cls_b").getDouble(0)
                && !java.util.Arrays.equals(za[0], kind.load(other.model().toSafeTensors(Map.of()), "o").logits(inputs)[0]),
                "another seed, another model");
    }

    @Test
    void theFusedEngineTrainsAsTheGraphDoes() {
        // Batches of 8 and a last one of 3; distillation, class weights, label smoothing and SpecAugment on.
        List<FrameExample> train = Wav2Vec2FineTuneKind.frameExamples(utterances(5, 8).subList(0, 19), F);
        List<FrameExample> dev = Wav2Vec2FineTuneKind.frameExamples(utterances(3, 9), F);
        TdnnSpec spec = options(new TdnnOptions.Masking(2, 5, 2, 3)).spec(F);
        TrainingOptions opts = new TrainingOptions(new Optimisation(4, 8, 5e-3, 1e-4, 0, LearningRateSchedule.Shape.COSINE,
                0.1, 5.0, true), new Regularisation(0, 0, 0, 0.1, 0), training(4, 0.5, 13).objective(), 13,
                CheckpointPolicy.EVERY_EPOCH);
        float[] mean = new float[F];
        float[] std = new float[F];
        java.util.Arrays.fill(mean, -8f);
        java.util.Arrays.fill(std, 1f);
        List<List<EpochRecord>> histories = new ArrayList<>();
        List<float[][]> devLogits = new ArrayList<>();
        for (TrainingEngine engine : new TrainingEngine[] {TrainingEngine.SAMEDIFF, TrainingEngine.FUSED}) {
            TdnnClassifier model = TdnnClassifier.initialise(spec, mean, std, new SpecAugment(2, 5, 2, 3), 21);
            model.setTrainingEngine(engine);
            TrainedModel<TdnnClassifier> t = FrameModelTrainer.train(model, train, dev, opts.withEngine(engine),
                    CheckpointStore.NONE, e -> {});
            assertEquals(engine, t.model().trainingEngine());
            histories.add(t.history());
            devLogits.add(t.model().logits(dev.stream().map(FrameExample::frames).toList()));
        }
        assertEquals(4, histories.get(1).size());
        for (int e = 0; e < 4; e++) {
            EpochRecord graph = histories.get(0).get(e);
            EpochRecord fused = histories.get(1).get(e);
            assertEquals(graph.trainLoss(), fused.trainLoss(), 1e-3 * graph.trainLoss(),
                    "epoch " + (e + 1) + " train loss");
            assertEquals(graph.devLoss(), fused.devLoss(), 1e-3 * graph.devLoss(), "epoch " + (e + 1) + " dev loss");
        }
        assertTrue(histories.get(1).get(3).trainLoss() < histories.get(1).get(0).trainLoss(), "it trains");
        for (int i = 0; i < devLogits.get(0).length; i++) {
            assertArrayEquals(devLogits.get(0)[i], devLogits.get(1)[i], 2e-3f, "dev utterance " + i);
        }
    }

    @Test
    void refusesFramesOfAnotherWidth() {
        List<FrameExample> train = Wav2Vec2FineTuneKind.frameExamples(utterances(1, 10), F);
        TdnnClassifier narrow = TdnnClassifier.initialise(options(new TdnnOptions.Masking(0, 0, 0, 0)).spec(F / 2),
                new float[F / 2], new float[] {1, 1, 1, 1, 1, 1, 1, 1}, SpecAugment.NONE, 1);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FrameModelTrainer.train(narrow, train, List.of(), training(1, 1.0, 1), CheckpointStore.NONE,
                        r -> {}));
        assertTrue(e.getMessage().contains("the TDNN reads " + F / 2), e.getMessage());
    }

    @Test
    void theFusedEngineResumesFromACheckpointExactly() throws Exception {
        List<TrainingExample> train = utterances(4, 11);
        List<TrainingExample> dev = utterances(2, 12);
        TdnnKind kind = new TdnnKind(F, options(new TdnnOptions.Masking(2, 5, 2, 3)));
        TrainingOptions opts = training(4, 0.5, 5, TrainingEngine.FUSED);
        TrainedModel<TdnnClassifier> straight = kind.train(train, dev, opts, CheckpointStore.NONE, e -> {});
        assertEquals(TrainingEngine.FUSED, straight.model().trainingEngine());
        MlpTrainerTest.MemoryStore store = new MlpTrainerTest.MemoryStore();
        org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> kind.train(train, dev, opts, store,
                e -> {
                    if (e.epoch() == 2) {
                        throw new RuntimeException("executor lost");
                    }
                }));
        List<Integer> epochsRun = new ArrayList<>();
        TrainedModel<TdnnClassifier> resumed = kind.train(train, dev, opts, store, e -> epochsRun.add(e.epoch()));
        assertEquals(List.of(3, 4), epochsRun, "resumes after the last completed epoch");
        assertEquals(straight.bestEpoch(), resumed.bestEpoch());
        for (String n : straight.model().parameters().keySet()) {
            assertArrayEquals(straight.model().parameters().get(n).dup('c').data().asFloat(),
                    resumed.model().parameters().get(n).dup('c').data().asFloat(), 0f, n);
        }
    }
}
