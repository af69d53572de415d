package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.distill.TeacherWeighting;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.json.Json;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.TrainingEngine;
import io.serdistill.model.linear.LogisticRegressionModel;
import io.serdistill.train.linear.Lbfgs;
import io.serdistill.train.linear.LogisticRegressionTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Optimisation.Optimiser#LBFGS} ({@link FullBatchLbfgs}): with no hidden layer it reaches the linear
 * reference's optimum on the committed scikit-learn fixture; the objective falls at every iteration; the L2 penalty
 * shrinks the weights; the distillation term is what a distilled model learns; the loss must be deterministic.
 */
class FullBatchLbfgsTest {
    private static List<TrainingExample> fixtureTrain;
    private static List<TrainingExample> fixtureTest;
    private static float[][] trainX;
    private static int[] trainY;
    private static float[][] testX;
    private static double fixtureC;
    private static int[] fixtureTestPredict;
    private static double fixtureTestAccuracy;

    @BeforeAll
    static void load() throws IOException {
        ObjectNode f;
        try (InputStream in = FullBatchLbfgsTest.class.getResourceAsStream("/fixtures/logreg/fixture.json")) {
            f = Json.object(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(4, f.get("classes").asInt(), "the MLP has the four emotion classes");
        trainX = FixtureArrays.floats(f.at("/train/features"));
        trainY = FixtureArrays.ints(f.at("/train/labels"));
        testX = FixtureArrays.floats(f.at("/test/features"));
        int[] testY = FixtureArrays.ints(f.at("/test/labels"));
        fixtureTrain = examples(trainX, trainY);
        fixtureTest = examples(testX, testY);
        fixtureC = f.at("/fixed/c").asDouble();
        fixtureTestPredict = FixtureArrays.ints(f.at("/fixed/test_predict"));
        fixtureTestAccuracy = f.at("/fixed/test_accuracy").asDouble();
    }

    private static TrainingOptions lbfgs(double l2, Objective objective, int iterations) {
        Optimisation o = new Optimisation(60, 32, 0.002, 1e-4, 15, LearningRateSchedule.Shape.COSINE, 0.05, 5.0, false)
                .withOptimiser(Optimisation.Optimiser.LBFGS, iterations, l2);
        // AdamW's coupled penalty is not L-BFGS's: a value here must change nothing.
        return new TrainingOptions(o, new Regularisation(0, 0, 0, 0, 7.0), objective, 5, CheckpointPolicy.EVERY_EPOCH);
    }

    @Test
    void withoutHiddenLayersItReachesTheLinearReferencesOptimum() {
        double l2 = 1.0 / (fixtureC * trainX.length); // F = mean loss + ||W||^2 / (2 C n)
        LogisticRegressionModel reference = LogisticRegressionTrainer.fit(trainX, trainY, 4, fixtureC,
                Lbfgs.Options.defaults()).model();
        for (TrainingEngine engine : List.of(TrainingEngine.FUSED, TrainingEngine.SAMEDIFF)) {
            TrainedModel<MlpClassifier> t = MlpTrainer.train(fixtureTrain, List.of(), List.of(), 1,
                    lbfgs(l2, Objective.labels(), 1000).withEngine(engine), e -> { });
            int[] predicted = MlpTrainer.predict(t.model(), fixtureTest);
            assertArrayEquals(fixtureTestPredict, predicted, engine + ": scikit-learn's held-out predictions");
            assertArrayEquals(reference.predict(testX), predicted, engine + ": the linear reference's predictions");
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == fixtureTest.get(i).label() ? 1 : 0;
            }
            assertEquals(fixtureTestAccuracy, (double) correct / predicted.length, 1e-12, engine + ": accuracy");
            float[][] logits = t.model().logits(List.of(testX));
            double worst = 0;
            for (int i = 0; i < testX.length; i++) {
                double[] p = FixtureArrays.softmax(logits[i]);
                double[] q = reference.probabilities(testX[i]);
                for (int c = 0; c < 4; c++) {
                    worst = Math.max(worst, Math.abs(p[c] - q[c]));
                }
            }
            assertTrue(worst < (engine == TrainingEngine.FUSED ? 1e-4 : 5e-4), engine + ": probabilities differ by up to " + worst);
            assertEquals(t.history().size(), t.bestEpoch(), "keeps the last iterate");
        }
    }

    @Test
    void theObjectiveFallsAtEveryIterationAndL2ShrinksTheWeights() {
        List<TrainingExample> train = blobs(30, 1, false);
        List<TrainingExample> dev = blobs(10, 2, false);
        List<EpochRecord> seen = new ArrayList<>();
        TrainedModel<MlpClassifier> free = MlpTrainer.train(train, dev, List.of(16), 1,
                lbfgs(0, Objective.labels(), 40), seen::add);
        assertEquals(free.history(), seen, "progress hears every iteration");
        assertTrue(free.history().size() >= 10, "iterations: " + free.history().size());
        for (int i = 1; i < free.history().size(); i++) {
            // Without a penalty the recorded training loss is the objective, which every accepted step lowers.
            assertTrue(free.history().get(i).trainLoss() <= free.history().get(i - 1).trainLoss(),
                    "iteration " + (i + 1) + ": " + free.history().get(i).trainLoss() + " after "
                            + free.history().get(i - 1).trainLoss());
            assertEquals(i + 1, free.history().get(i).epoch());
            assertTrue(free.history().get(i).devUa() >= 0, "dev is scored");
        }
        assertTrue(free.history().get(free.history().size() - 1).trainLoss() < 0.05 * free.history().get(0).trainLoss(),
                "fits the training set: " + free.history());
        TrainedModel<MlpClassifier> penalised = MlpTrainer.train(train, dev, List.of(16), 1,
                lbfgs(0.05, Objective.labels(), 40), e -> { });
        assertTrue(weightNorm(penalised.model()) < 0.5 * weightNorm(free.model()),
                weightNorm(penalised.model()) + " vs " + weightNorm(free.model()));
        assertTrue(ua(penalised.model(), blobs(25, 3, false)) > 0.85, "still learns the clusters: " + ua(penalised.model(), blobs(25, 3, false)) + ", norm " + weightNorm(penalised.model()) + " vs " + weightNorm(free.model()));
        TrainedModel<MlpClassifier> again = MlpTrainer.train(train, dev, List.of(16), 1,
                lbfgs(0.05, Objective.labels(), 40), e -> { });
        assertEquals(penalised.model().weights().keySet(), again.model().weights().keySet());
        penalised.model().weights().forEach((n, w) -> assertArrayEquals(w, again.model().weights().get(n), n
                + ": the same seed trains the same model"));
    }

    @Test
    void aDistilledModelLearnsItsTeachersTargets() {
        // The teacher's logits favour class (c + 1) mod 4: pure distillation (alpha = 0) learns that shifted labelling,
        // the labels alone (alpha = 1) learn c.
        List<TrainingExample> train = blobs(30, 4, true);
        List<TrainingExample> test = blobs(20, 5, true);
        Objective kd = new Objective(0.0, 2.0, TeacherWeighting.named("uniform", 0.8), List.of("en"));
        TrainedModel<MlpClassifier> student = MlpTrainer.train(train, List.of(), List.of(16), 1, lbfgs(0.01, kd, 200),
                e -> { });
        int[] predicted = MlpTrainer.predict(student.model(), test);
        int shifted = 0;
        for (int i = 0; i < test.size(); i++) {
            shifted += predicted[i] == (test.get(i).label() + 1) % 4 ? 1 : 0;
        }
        assertTrue(shifted > 0.85 * test.size(), "follows the teacher on " + shifted + " of " + test.size());
        TrainedModel<MlpClassifier> labels = MlpTrainer.train(train, List.of(), List.of(16), 1,
                lbfgs(0.01, Objective.labels(), 200), e -> { });
        assertTrue(ua(labels.model(), test) > 0.85, "the labels alone learn the classes");
        // The similarity weighting mixes the targets from the student's own logits at every evaluation.
        Objective similarity = new Objective(0.5, 2.0, TeacherWeighting.named("similarity", 0.8), List.of("en"));
        TrainedModel<MlpClassifier> mixed = MlpTrainer.train(train, List.of(), List.of(16), 1,
                lbfgs(0.01, similarity, 50), e -> { });
        assertTrue(mixed.history().size() > 1);
    }

    @Test
    void randomTrainingNoiseIsRefused() {
        TrainingOptions dropout = lbfgs(0, Objective.labels(), 10).withRegularisation(new Regularisation(0, 0.2, 0, 0, 0));
        InvalidOption e = assertThrows(InvalidOption.class, () -> MlpTrainer.train(blobs(5, 1, false), List.of(),
                List.of(8), 1, dropout, r -> { }));
        assertEquals("optimiser", e.option());
        TrainingOptions noise = lbfgs(0, Objective.labels(), 10).withRegularisation(new Regularisation(0, 0, 0.5, 0, 0));
        assertThrows(InvalidOption.class, () -> MlpTrainer.train(blobs(5, 1, false), List.of(), List.of(8), 1, noise,
                r -> { }));
        Optimisation adamw = new Optimisation(1, 1, 0.1, 0, 0, LearningRateSchedule.Shape.CONSTANT, 0, 0, false);
        InvalidOption iterations = assertThrows(InvalidOption.class,
                () -> adamw.withOptimiser(Optimisation.Optimiser.LBFGS, 0, 0.1));
        assertEquals("lbfgs.max-iterations", iterations.option());
        InvalidOption penalty = assertThrows(InvalidOption.class,
                () -> adamw.withOptimiser(Optimisation.Optimiser.LBFGS, 10, -0.1));
        assertEquals("lbfgs.l2", penalty.option());
    }

    /** Four Gaussian clusters in 10 dimensions; class c is shifted along axis c; one teacher favours (c + 1) mod 4. */
    private static List<TrainingExample> blobs(int perClass, long seed, boolean withTeacher) {
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < perClass; i++) {
                float[] x = new float[10];
                for (int j = 0; j < 10; j++) {
                    x[j] = (float) (r.nextGaussian() * 0.8 + (j == c ? 3.0 : 0.0) + 5.0);
                }
                float[][] teachers = null;
                if (withTeacher) {
                    teachers = new float[1][4];
                    teachers[0][(c + 1) % 4] = 4f;
                }
                out.add(new TrainingExample("u" + c + "_" + i, "en", "s" + i % 3, c, x, teachers));
            }
        }
        return out;
    }

    private static double ua(MlpClassifier model, List<TrainingExample> test) {
        return ConfusionMatrix.from(test.stream().mapToInt(TrainingExample::label).toArray(),
                MlpTrainer.predict(model, test), 4).unweightedRecall();
    }

    /** Euclidean norm of the weight matrices (the parameters the penalty acts on). */
    private static double weightNorm(MlpClassifier model) {
        double s = 0;
        for (Map.Entry<String, float[]> e : model.weights().entrySet()) {
            if (model.decayed(e.getKey())) {
                for (float v : e.getValue()) {
                    s += (double) v * v;
                }
            }
        }
        return Math.sqrt(s);
    }

    private static List<TrainingExample> examples(float[][] x, int[] y) {
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            out.add(new TrainingExample("f" + i, "en", "s", y[i], x[i], null));
        }
        return out;
    }
}
