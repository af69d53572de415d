package io.serdistill.train.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.model.linear.LogisticRegressionModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

public class LogisticRegressionTrainerTest {

    /** Overlapping Gaussian classes in {@code dim} dimensions, each input with its own offset and scale. */
    public static float[][] blobs(int n, int dim, int classes, double separation, long seed, int[] labelsOut) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] means = new double[classes][dim];
        for (double[] m : means) {
            for (int j = 0; j < dim; j++) {
                m[j] = separation * r.nextGaussian();
            }
        }
        float[][] x = new float[n][dim];
        for (int i = 0; i < n; i++) {
            labelsOut[i] = i % classes;
            for (int j = 0; j < dim; j++) {
                x[i][j] = (float) (j - 3 + (j + 1) * 0.5 * (means[labelsOut[i]][j] + r.nextGaussian()));
            }
        }
        return x;
    }

    private static double weightNorm(LogisticRegressionModel m) {
        double s = 0;
        for (float w : m.weights()) {
            s += (double) w * w;
        }
        return Math.sqrt(s);
    }

    @Test
    void strongerPenaltyGivesSmallerWeightsAndADifferentSolution() {
        int[] y = new int[200];
        float[][] x = blobs(200, 8, 4, 0.8, 1, y);
        double previous = 0;
        double[] previousLogits = null;
        for (double c : new double[] {1e-3, 1e-2, 1e-1, 1, 10}) {
            LogisticRegressionTrainer.Fit fit = LogisticRegressionTrainer.fit(x, y, 4, c, Lbfgs.Options.defaults());
            double norm = weightNorm(fit.model());
            assertTrue(norm > previous, "|W| = " + norm + " at C=" + c + ", not above " + previous);
            double[] logits = fit.model().logits(x[0]);
            if (previousLogits != null) {
                assertTrue(Math.abs(logits[0] - previousLogits[0]) > 1e-3, "C=" + c + " left the logits unchanged");
            }
            previous = norm;
            previousLogits = logits;
        }
    }

    @Test
    void standardisationUsesTheTrainingInputsOnly() {
        int[] y = new int[120];
        float[][] x = blobs(120, 5, 4, 1.0, 2, y);
        LogisticRegressionModel model = LogisticRegressionTrainer.fit(x, y, 4, 1.0, Lbfgs.Options.defaults()).model();
        for (int j = 0; j < 5; j++) {
            double sum = 0;
            double sumSq = 0;
            for (float[] row : x) {
                sum += row[j];
            }
            double mean = sum / x.length;
            for (float[] row : x) {
                sumSq += (row[j] - mean) * (row[j] - mean);
            }
            assertEquals(mean, model.mean()[j], 1e-6 * (1 + Math.abs(mean)), "mean " + j);
            assertEquals(Math.sqrt(sumSq / x.length), model.std()[j], 1e-6 * model.std()[j], "std " + j);
        }
        // Scoring uses those frozen statistics: an input's logits do not depend on what else is scored with it.
        float[][] shifted = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            shifted[i] = x[i].clone();
            if (i > 0) {
                for (int j = 0; j < 5; j++) {
                    shifted[i][j] += 100;
                }
            }
        }
        assertArrayEquals(model.logits(new float[][] {x[0]})[0], model.logits(shifted)[0]);
    }

    @Test
    void heldOutFoldIsScoredByAModelFittedOnTheOtherFoldsAlone() {
        int[] y = new int[120];
        float[][] x = blobs(120, 6, 4, 0.6, 3, y);
        int[] fold = new int[120];
        for (int i = 0; i < 120; i++) {
            fold[i] = (i / 10) % 3;
            if (fold[i] == 1) { // the held-out fold lives elsewhere: pooled statistics would differ a lot
                for (int j = 0; j < 6; j++) {
                    x[i][j] = x[i][j] * 3 + 50;
                }
            }
        }
        List<float[]> trainX = new ArrayList<>();
        List<Integer> trainY = new ArrayList<>();
        List<float[]> testX = new ArrayList<>();
        List<Integer> testY = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            (fold[i] == 1 ? testX : trainX).add(x[i]);
            (fold[i] == 1 ? testY : trainY).add(y[i]);
        }
        LogisticRegressionModel m = LogisticRegressionTrainer.fit(trainX.toArray(float[][]::new),
                trainY.stream().mapToInt(Integer::intValue).toArray(), 4, 0.1, Lbfgs.Options.defaults()).model();
        double expected = ConfusionMatrix.from(testY.stream().mapToInt(Integer::intValue).toArray(),
                m.predict(testX.toArray(float[][]::new)), 4).unweightedRecall();
        assertEquals(expected, LinearReferenceTrainer.heldOutUa(x, y, fold, 1, 4, 0.1, Lbfgs.Options.defaults()));
        float[] pooledMean = LogisticRegressionTrainer.standardisation(x)[0];
        assertTrue(Math.abs(pooledMean[0] - m.mean()[0]) > 10, "the fold's model must not see held-out inputs");
    }

    @Test
    void constantInputIsScaledByTheFloorAndGetsNoWeight() {
        int[] y = new int[80];
        float[][] x = blobs(80, 3, 4, 1.0, 4, y);
        for (float[] row : x) {
            row[1] = 7.25f;
        }
        LogisticRegressionModel m = LogisticRegressionTrainer.fit(x, y, 4, 1.0, Lbfgs.Options.defaults()).model();
        assertEquals((float) LogisticRegressionTrainer.STD_FLOOR, m.std()[1]);
        assertEquals(7.25f, m.mean()[1]);
        for (int k = 0; k < 4; k++) {
            assertEquals(0.0, m.weights()[k * 3 + 1], 1e-9, "class " + k);
        }
    }

    @Test
    void convergesAndIsDeterministic() {
        int[] y = new int[150];
        float[][] x = blobs(150, 10, 4, 0.7, 5, y);
        LogisticRegressionTrainer.Fit a = LogisticRegressionTrainer.fit(x, y, 4, 3.0, Lbfgs.Options.defaults());
        LogisticRegressionTrainer.Fit b = LogisticRegressionTrainer.fit(x, y, 4, 3.0, Lbfgs.Options.defaults());
        assertNotEquals(Lbfgs.Stop.MAX_ITERATIONS, a.solver().stop());
        assertNotEquals(Lbfgs.Stop.LINE_SEARCH, a.solver().stop());
        assertTrue(a.solver().gradientNorm() < 1e-7, a.solver().toString());
        assertArrayEquals(a.model().weights(), b.model().weights());
        assertArrayEquals(a.model().bias(), b.model().bias());
        double biasSum = 0;
        for (float v : a.model().bias()) {
            biasSum += v;
        }
        assertEquals(0.0, biasSum, 1e-6, "bias is centred");
        for (int j = 0; j < 10; j++) {
            double column = 0;
            for (int k = 0; k < 4; k++) {
                column += a.model().weights()[k * 10 + j];
            }
            assertEquals(0.0, column, 1e-5, "weights of input " + j + " sum to zero over classes at the optimum");
        }
    }

    @Test
    void rejectsBadArguments() {
        float[][] x = {{1, 2}, {3, 4}};
        Lbfgs.Options o = Lbfgs.Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> LogisticRegressionTrainer.fit(x, new int[] {0, 1}, 2, 0, o));
        assertThrows(IllegalArgumentException.class,
                () -> LogisticRegressionTrainer.fit(x, new int[] {0, 1}, 2, Double.POSITIVE_INFINITY, o));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegressionTrainer.fit(x, new int[] {0, 2}, 2, 1, o));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegressionTrainer.fit(x, new int[] {0}, 2, 1, o));
        assertThrows(IllegalArgumentException.class,
                () -> LogisticRegressionTrainer.fit(new float[][] {{1, 2}, {3}}, new int[] {0, 1}, 2, 1, o));
    }
}
