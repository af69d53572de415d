package io.serdistill.train.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import io.serdistill.model.linear.LogisticRegressionModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java logistic regression against scikit-learn 1.2 on the committed fixture written by
 * {@code tools/make_logreg_fixture.py} (StandardScaler + LogisticRegression(multinomial, lbfgs), tol 1e-12): same
 * probabilities, predictions, accuracy, coefficients, and the same speaker-grouped CV scores and chosen C.
 */
class LogisticRegressionParityTest {
    private static final double PROBABILITY_TOLERANCE = 1e-6; // measured: ~1e-7, float32 parameters
    private static final double SCORE_TOLERANCE = 1e-6;

    private static ObjectNode fixture;
    private static float[][] trainX;
    private static int[] trainY;
    private static String[] trainSpeakers;
    private static float[][] testX;
    private static int[] testY;
    private static int classes;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = LogisticRegressionParityTest.class.getResourceAsStream("/fixtures/logreg/fixture.json")) {
            fixture = Json.object(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        classes = fixture.get("classes").asInt();
        trainX = floats(fixture.at("/train/features"));
        trainY = ints(fixture.at("/train/labels"));
        trainSpeakers = strings(fixture.at("/train/speakers"));
        testX = floats(fixture.at("/test/features"));
        testY = ints(fixture.at("/test/labels"));
    }

    @Test
    void fixedCMatchesScikitLearnProbabilitiesPredictionsAndAccuracy() {
        JsonNode fixed = fixture.get("fixed");
        LogisticRegressionTrainer.Fit fit = LogisticRegressionTrainer.fit(trainX, trainY, classes,
                fixed.get("c").asDouble(), Lbfgs.Options.defaults());
        assertTrue(fit.solver().gradientNorm() <= 1e-8, fit.solver().toString());
        LogisticRegressionModel model = fit.model();

        assertProbabilities(fixed.get("train_proba"), model, trainX, "training");
        assertProbabilities(fixed.get("test_proba"), model, testX, "held-out");
        int[] trainPredicted = model.predict(trainX);
        int[] testPredicted = model.predict(testX);
        assertArrayEquals(ints(fixed.get("train_predict")), trainPredicted);
        assertArrayEquals(ints(fixed.get("test_predict")), testPredicted);
        assertEquals(fixed.get("train_accuracy").asDouble(), accuracy(trainY, trainPredicted), 1e-15);
        assertEquals(fixed.get("test_accuracy").asDouble(), accuracy(testY, testPredicted), 1e-15);
        assertTrue(fixed.get("train_accuracy").asDouble() < 1.0, "the fixture's classes must overlap");

        double[][] coef = doubles(fixed.get("coef"));
        double[] intercept = doubles(fixed.get("intercept_centred"))[0];
        int dim = model.inputDim();
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < dim; j++) {
                assertEquals(coef[k][j], model.weights()[k * dim + j], 1e-6 * (1 + Math.abs(coef[k][j])),
                        "weight [" + k + "][" + j + "]");
            }
            assertEquals(intercept[k], model.bias()[k], 1e-6 * (1 + Math.abs(intercept[k])), "bias " + k);
        }
        double[] scalerMean = doubles(fixed.get("scaler_mean"))[0];
        double[] scalerScale = doubles(fixed.get("scaler_scale"))[0];
        for (int j = 0; j < dim; j++) {
            assertEquals(scalerMean[j], model.mean()[j], 1e-6 * (1 + Math.abs(scalerMean[j])), "mean " + j);
            assertEquals(scalerScale[j], model.std()[j], 1e-6 * scalerScale[j], "std " + j);
        }
    }

    @Test
    void classAbsentFromTrainingGetsProbabilityZeroAndTheOthersMatchScikitLearn() {
        JsonNode absent = fixture.get("absent");
        int missing = absent.get("absent_class").asInt();
        List<float[]> x = new ArrayList<>();
        List<Integer> y = new ArrayList<>();
        for (int i = 0; i < trainY.length; i++) {
            if (trainY[i] != missing) {
                x.add(trainX[i]);
                y.add(trainY[i]);
            }
        }
        LogisticRegressionModel model = LogisticRegressionTrainer.fit(x.toArray(float[][]::new),
                y.stream().mapToInt(Integer::intValue).toArray(), classes, absent.get("c").asDouble(),
                Lbfgs.Options.defaults()).model();
        assertEquals(Float.NEGATIVE_INFINITY, model.bias()[missing]);
        int[] present = ints(absent.get("classes"));
        double[][] expected = doubles(absent.get("test_proba"));
        for (int i = 0; i < testX.length; i++) {
            double[] p = model.probabilities(testX[i]);
            assertEquals(0.0, p[missing], "held-out utterance " + i);
            for (int c = 0; c < present.length; c++) {
                assertEquals(expected[i][c], p[present[c]], PROBABILITY_TOLERANCE, "utterance " + i + " class " + c);
            }
            assertTrue(model.predict(testX[i]) != missing);
        }
    }

    @Test
    void speakerFoldsFollowTheFixturesRule() {
        JsonNode expected = fixture.at("/cv/fold_of_speaker");
        Map<String, Integer> want = new TreeMap<>();
        expected.fields().forEachRemaining(e -> want.put(e.getKey(), e.getValue().asInt()));
        assertEquals(want, SpeakerFolds.foldOfSpeaker(trainSpeakers, fixture.at("/cv/folds").asInt()));
    }

    @Test
    void defaultGridIsTheFixturesLogspace() {
        double[] grid = doubles(fixture.at("/cv/grid"))[0];
        List<Double> ours = LinearReferenceOptions.defaults().cGrid();
        assertEquals(grid.length, ours.size());
        for (int i = 0; i < grid.length; i++) {
            assertEquals(grid[i], ours.get(i), 1e-12 * grid[i]);
        }
    }

    @Test
    void speakerGroupedCvMatchesScikitLearnScoresAndChoice() {
        JsonNode cv = fixture.get("cv");
        List<Double> grid = new ArrayList<>();
        cv.get("grid").forEach(c -> grid.add(c.asDouble()));
        LinearReferenceOptions options = new LinearReferenceOptions(grid, cv.get("folds").asInt(),
                Lbfgs.Options.defaults());
        LinearReference ref = LinearReferenceTrainer.train(trainX, trainY, trainSpeakers, classes, options);

        assertEquals(grid.size(), ref.grid().size());
        for (int i = 0; i < grid.size(); i++) {
            JsonNode want = cv.get("scores").get(i);
            LinearReference.GridScore got = ref.grid().get(i);
            assertEquals(want.get("c").asDouble(), got.c());
            assertEquals(want.get("mean_ua").asDouble(), got.meanUa(), SCORE_TOLERANCE, "mean UA at C=" + got.c());
            double[] foldUa = doubles(want.get("fold_ua"))[0];
            for (int f = 0; f < foldUa.length; f++) {
                assertEquals(foldUa[f], got.foldUa().get(f), SCORE_TOLERANCE, "fold " + f + " UA at C=" + got.c());
            }
        }
        assertEquals(cv.get("chosen_c").asDouble(), ref.c());
        assertEquals(cv.get("folds").asInt(), ref.folds());
        assertArrayEquals(ints(cv.get("refit_test_predict")), ref.model().predict(testX));
        assertProbabilities(cv.get("refit_test_proba"), ref.model(), testX, "held-out (refit)");
    }

    private static void assertProbabilities(JsonNode expected, LogisticRegressionModel model, float[][] x,
                                            String what) {
        double[][] want = doubles(expected);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double[] p = model.probabilities(x[i]);
            for (int k = 0; k < p.length; k++) {
                worst = Math.max(worst, Math.abs(p[k] - want[i][k]));
            }
        }
        assertTrue(worst <= PROBABILITY_TOLERANCE, what + " probabilities differ from scikit-learn's by " + worst);
    }

    private static double accuracy(int[] truth, int[] predicted) {
        int right = 0;
        for (int i = 0; i < truth.length; i++) {
            right += truth[i] == predicted[i] ? 1 : 0;
        }
        return (double) right / truth.length;
    }

    private static float[][] floats(JsonNode rows) {
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = rows.get(i);
            out[i] = new float[row.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = Float.parseFloat(row.get(j).asText());
            }
        }
        return out;
    }

    /** A list of lists as rows, or a flat list as one row. */
    private static double[][] doubles(JsonNode node) {
        if (!node.get(0).isArray()) {
            double[] row = new double[node.size()];
            for (int j = 0; j < row.length; j++) {
                row[j] = node.get(j).asDouble();
            }
            return new double[][] {row};
        }
        double[][] out = new double[node.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = doubles(node.get(i))[0];
        }
        return out;
    }

    private static int[] ints(JsonNode node) {
        int[] out = new int[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asInt();
        }
        return out;
    }

    private static String[] strings(JsonNode node) {
        String[] out = new String[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = node.get(i).asText();
        }
        return out;
    }
}
