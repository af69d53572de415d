package io.serdistill.train.linear;

import io.serdistill.features.GlobalStats;
import io.serdistill.model.linear.LogisticRegressionModel;
import java.util.Arrays;

/**
 * Fits a {@link LogisticRegressionModel} at a fixed inverse L2 strength C: inputs standardised with the mean and
 * population standard deviation of the given (training) inputs, floored at {@link #STD_FLOOR}, then the
 * {@link SoftmaxObjective} minimised by {@link Lbfgs} from zero. Same minimiser as scikit-learn's
 * {@code StandardScaler} followed by {@code LogisticRegression(penalty='l2', C=C, multi_class='multinomial',
 * solver='lbfgs')}, except that scikit-learn scales a constant input by 1 where this floors its std (its
 * standardised value is 0 either way).
 *
 * <p>The softmax runs over the classes present in {@code labels} only; an absent class gets zero weights and
 * bias −∞, so it is never predicted (with an unpenalised bias the optimum would otherwise lie at infinity).
 * The bias is centred over the present classes (softmax is invariant to a common shift; the L2 penalty
 * already makes each weight column sum to zero at the optimum).
 */
public final class LogisticRegressionTrainer {
    private LogisticRegressionTrainer() {}

    /** Smallest std an input is divided by, as in the MLP trainer: keeps a constant input from dividing by 0. */
    public static final double STD_FLOOR = 1e-3;

    /**
     * @param model  the fitted model, parameters rounded to float32
     * @param c      the inverse L2 strength it was fitted with
     * @param solver the optimiser's report (value, gradient norm, iterations, why it stopped)
     */
    public record Fit(LogisticRegressionModel model, double c, Lbfgs.Result solver) {}

    /**
     * @param inputs     raw inputs, [n][dim], n ≥ 1
     * @param labels     class of each input, in [0, numClasses)
     * @param numClasses classes of the model
     * @param c          inverse L2 strength, finite and &gt; 0
     */
    public static Fit fit(float[][] inputs, int[] labels, int numClasses, double c, Lbfgs.Options solver) {
        if (!(c > 0) || !Double.isFinite(c)) {
            throw new IllegalArgumentException("C = " + c + ": must be finite and > 0");
        }
        if (inputs.length == 0 || inputs.length != labels.length) {
            throw new IllegalArgumentException(inputs.length + " inputs and " + labels.length
                    + " labels: need as many labels as inputs, at least one");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses = " + numClasses + ": must be >= 1");
        }
        int dim = inputs[0].length;
        float[][] norm = standardisation(inputs);
        float[] mean = norm[0];
        float[] std = norm[1];
        int n = inputs.length;
        double[] z = new double[n * dim];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                z[i * dim + j] = ((double) inputs[i][j] - mean[j]) / std[j];
            }
        }
        // Present classes in index order; active[k] is the model class of softmax class k.
        int[] toActive = new int[numClasses];
        Arrays.fill(toActive, -1);
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " of input " + i + " is not in [0, "
                        + numClasses + ")");
            }
            toActive[labels[i]] = 0;
        }
        int[] active = new int[numClasses];
        int classes = 0;
        for (int k = 0; k < numClasses; k++) {
            if (toActive[k] == 0) {
                toActive[k] = classes;
                active[classes++] = k;
            }
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = toActive[labels[i]];
        }
        SoftmaxObjective objective = new SoftmaxObjective(z, y, dim, classes, c);
        Lbfgs.Result result = Lbfgs.minimise(objective, new double[objective.dimension()], solver);
        double[] x = result.x();
        double biasMean = 0;
        for (int k = 0; k < classes; k++) {
            biasMean += x[classes * dim + k];
        }
        biasMean /= classes;
        float[] weights = new float[numClasses * dim];
        float[] bias = new float[numClasses];
        Arrays.fill(bias, Float.NEGATIVE_INFINITY);
        for (int k = 0; k < classes; k++) {
            int cls = active[k];
            for (int j = 0; j < dim; j++) {
                weights[cls * dim + j] = (float) x[k * dim + j];
            }
            bias[cls] = (float) (x[classes * dim + k] - biasMean);
        }
        return new Fit(new LogisticRegressionModel(mean, std, weights, bias), c, result);
    }

    /**
     * Mean and floored population standard deviation per input column, as float32: {@code {mean, std}}.
     * Every row must have the same length ≥ 1.
     */
    public static float[][] standardisation(float[][] inputs) {
        int dim = inputs[0].length;
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].length != dim) {
                throw new IllegalArgumentException("input " + i + " has " + inputs[i].length + " values, input 0 has "
                        + dim);
            }
        }
        return GlobalStats.standardisation(inputs, STD_FLOOR);
    }
}
