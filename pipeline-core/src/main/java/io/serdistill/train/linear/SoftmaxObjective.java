package io.serdistill.train.linear;

import java.util.Arrays;

/**
 * The multinomial logistic-regression objective on standardised inputs, scaled by 1/(C·n):
 * <pre>
 *   F(W, b) = (1/n) Σᵢ [ log Σₖ exp(wₖ·zᵢ + bₖ) − (w_{yᵢ}·zᵢ + b_{yᵢ}) ] + ‖W‖² / (2·C·n)
 * </pre>
 * which has the minimiser of {@code ½‖W‖² + C·Σ log-loss}, scikit-learn's {@code LogisticRegression(penalty='l2',
 * C=C)} with the multinomial loss (the bias is not penalised), but gradients of order 1 whatever C and n, so one
 * relative tolerance fits every C of a grid. Variables: W row-major [classes][dim], then b [classes].
 */
final class SoftmaxObjective implements Lbfgs.Objective {
    private final double[] z;
    private final int[] labels;
    private final int n;
    private final int dim;
    private final int classes;
    private final double penalty;
    private final double[] scores;

    /**
     * @param z       standardised inputs, row-major [n][dim]
     * @param labels  class of each row, in [0, classes)
     * @param classes classes of the softmax (≥ 1)
     * @param c       inverse L2 strength, &gt; 0
     */
    SoftmaxObjective(double[] z, int[] labels, int dim, int classes, double c) {
        this.z = z;
        this.labels = labels;
        this.n = labels.length;
        this.dim = dim;
        this.classes = classes;
        this.penalty = 1.0 / (c * n);
        this.scores = new double[classes];
        if (z.length != (long) n * dim || n == 0) {
            throw new IllegalArgumentException("inputs hold " + z.length + " values for " + n + " rows of " + dim);
        }
    }

    @Override
    public int dimension() {
        return classes * dim + classes;
    }

    @Override
    public double valueAndGradient(double[] x, double[] gradient) {
        int biasAt = classes * dim;
        Arrays.fill(gradient, 0.0);
        double loss = 0;
        for (int i = 0, row = 0; i < n; i++, row += dim) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0, w = 0; k < classes; k++, w += dim) {
                double s = x[biasAt + k];
                for (int j = 0; j < dim; j++) {
                    s += x[w + j] * z[row + j];
                }
                scores[k] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(scores[k] - max);
            }
            double logSum = max + Math.log(sum);
            loss += logSum - scores[labels[i]];
            for (int k = 0, w = 0; k < classes; k++, w += dim) {
                double r = Math.exp(scores[k] - logSum) - (k == labels[i] ? 1.0 : 0.0);
                gradient[biasAt + k] += r;
                for (int j = 0; j < dim; j++) {
                    gradient[w + j] += r * z[row + j];
                }
            }
        }
        double invN = 1.0 / n;
        double norm2 = 0;
        for (int p = 0; p < biasAt; p++) {
            norm2 += x[p] * x[p];
            gradient[p] = gradient[p] * invN + penalty * x[p];
        }
        for (int k = 0; k < classes; k++) {
            gradient[biasAt + k] *= invN;
        }
        return loss * invN + 0.5 * penalty * norm2;
    }
}
