package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import io.serdistill.model.MlpClassifier;
import io.serdistill.train.linear.Lbfgs;
import io.serdistill.train.linear.LinearReference;
import io.serdistill.train.linear.LinearReferenceOptions;
import io.serdistill.train.linear.LinearReferenceTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code lbfgs.l2 = cv} ({@link CrossValidatedPenalty}): a linear model trained by L-BFGS with its penalty chosen in
 * the task is the linear reference, the C scikit-learn's {@code GridSearchCV} chose on the committed fixture's
 * speaker-grouped folds and its refitted model's held-out predictions; another objective moves on from there.
 */
class CrossValidatedPenaltyTest {
    private static float[][] trainX;
    private static int[] trainY;
    private static String[] trainSpeakers;
    private static List<TrainingExample> train;
    private static List<TrainingExample> test;
    private static float[][] testX;
    private static Optimisation.PenaltySearch search;
    private static double chosenC;
    private static int[] refitPredict;
    private static float[][] refitProba;

    @BeforeAll
    static void load() throws IOException {
        ObjectNode f;
        try (InputStream in = CrossValidatedPenaltyTest.class.getResourceAsStream("/fixtures/logreg/fixture.json")) {
            f = Json.object(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        trainX = FixtureArrays.floats(f.at("/train/features"));
        trainY = FixtureArrays.ints(f.at("/train/labels"));
        trainSpeakers = FixtureArrays.strings(f.at("/train/speakers"));
        testX = FixtureArrays.floats(f.at("/test/features"));
        train = examples(trainX, trainY, trainSpeakers);
        test = examples(testX, FixtureArrays.ints(f.at("/test/labels")), FixtureArrays.strings(f.at("/test/speakers")));
        List<Double> grid = new ArrayList<>();
        f.at("/cv/grid").forEach(c -> grid.add(c.asDouble()));
        search = new Optimisation.PenaltySearch(grid, f.at("/cv/folds").asInt());
        chosenC = f.at("/cv/chosen_c").asDouble();
        refitPredict = FixtureArrays.ints(f.at("/cv/refit_test_predict"));
        refitProba = FixtureArrays.floats(f.at("/cv/refit_test_proba"));
    }

    private static TrainingOptions cv(Regularisation regularisation) {
        Optimisation o = new Optimisation(60, 32, 0.002, 1e-4, 15, LearningRateSchedule.Shape.COSINE, 0.05, 5.0, false,
                Optimisation.Optimiser.LBFGS, 500, 0.0, search);
        return new TrainingOptions(o, regularisation, Objective.labels(), 5, CheckpointPolicy.EVERY_EPOCH);
    }

    @Test
    void theLinearModelIsTheCrossValidatedReferenceScikitLearnChose() {
        TrainedModel<MlpClassifier> t = MlpTrainer.train(train, List.of(), List.of(), 1, cv(Regularisation.NONE),
                e -> { });
        assertEquals(chosenC, Double.parseDouble(t.metadata().get("ser.lbfgs.c")), chosenC * 1e-12,
                "scikit-learn's GridSearchCV choice over the same speaker-grouped folds");
        assertEquals(1.0 / (chosenC * trainX.length), Double.parseDouble(t.metadata().get("ser.lbfgs.l2")), 1e-12);
        assertEquals(Integer.toString(search.folds()), t.metadata().get("ser.lbfgs.cv_folds"));
        assertEquals("true", t.metadata().get("ser.lbfgs.warm_start"));
        int[] predicted = MlpTrainer.predict(t.model(), test);
        assertArrayEquals(refitPredict, predicted, "scikit-learn's refitted model's held-out predictions");
        float[][] logits = t.model().logits(List.of(testX));
        double worst = 0;
        for (int i = 0; i < logits.length; i++) {
            double[] p = FixtureArrays.softmax(logits[i]);
            for (int k = 0; k < p.length; k++) {
                worst = Math.max(worst, Math.abs(p[k] - refitProba[i][k]));
            }
        }
        assertTrue(worst < 1e-4, "probabilities within 1e-4 of scikit-learn's, worst " + worst);
        LinearReference ref = LinearReferenceTrainer.train(trainX, trainY, trainSpeakers, 4,
                new LinearReferenceOptions(search.cGrid(), search.folds(), Lbfgs.Options.defaults()));
        assertArrayEquals(ref.model().predict(testX), predicted, "the linear reference's predictions");
        // Started at the reference's optimum, the minimiser has nothing left to do.
        assertTrue(t.history().size() <= 2, "iterations after the warm start: " + t.history().size());
    }

    @Test
    void anotherObjectiveStartsThereAndGoesOnToItsOwnOptimumAtTheSamePenalty() {
        TrainedModel<MlpClassifier> plain = MlpTrainer.train(train, List.of(), List.of(), 1, cv(Regularisation.NONE),
                e -> { });
        TrainedModel<MlpClassifier> smoothed = MlpTrainer.train(train, List.of(), List.of(), 1,
                cv(new Regularisation(0, 0, 0, 0.2, 0)), e -> { });
        assertEquals(plain.metadata().get("ser.lbfgs.c"), smoothed.metadata().get("ser.lbfgs.c"),
                "the penalty is chosen for the linear reference's objective");
        assertTrue(smoothed.history().size() > 2, "label smoothing moves the optimum: " + smoothed.history().size());
        assertNotEquals(weightNorm(plain.model()), weightNorm(smoothed.model()));
        assertTrue(weightNorm(smoothed.model()) < weightNorm(plain.model()), "smoothed targets shrink the weights");
    }

    @Test
    void aClassMissingFromTrainingStartsColdAndOneSpeakerTakesTheMiddleOfTheGrid() {
        List<TrainingExample> noSad = train.stream().filter(e -> e.label() != 3).toList();
        TrainedModel<MlpClassifier> t = MlpTrainer.train(noSad, List.of(), List.of(), 1, cv(Regularisation.NONE),
                e -> { });
        assertEquals("false", t.metadata().get("ser.lbfgs.warm_start"), "bias -inf cannot be a starting point");
        for (int p : MlpTrainer.predict(t.model(), test)) {
            assertTrue(p >= 0 && p < 3, "predicted " + p);
        }
        List<TrainingExample> oneSpeaker = examples(trainX, trainY, new String[trainX.length]);
        TrainedModel<MlpClassifier> one = MlpTrainer.train(oneSpeaker, List.of(), List.of(), 1,
                cv(Regularisation.NONE), e -> { });
        assertEquals(search.cGrid().get(search.cGrid().size() / 2), Double.parseDouble(one.metadata().get("ser.lbfgs.c")));
        assertEquals("0", one.metadata().get("ser.lbfgs.cv_folds"));
    }

    @Test
    void aHiddenLayerIsRefusedNamingTheKey() {
        InvalidOption e = assertThrows(InvalidOption.class, () -> MlpTrainer.train(train, List.of(), List.of(8), 1,
                cv(Regularisation.NONE), x -> { }));
        assertEquals("lbfgs.l2", e.option());
        assertTrue(e.reason().contains("hidden = []"), e.reason());
    }

    private static double weightNorm(MlpClassifier m) {
        double s = 0;
        for (float w : m.weights().get("w0")) {
            s += (double) w * w;
        }
        return s;
    }

    private static List<TrainingExample> examples(float[][] x, int[] y, String[] speakers) {
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            out.add(new TrainingExample("f" + i, "en", speakers[i] == null ? "s" : speakers[i], y[i], x[i], null));
        }
        return out;
    }
}
