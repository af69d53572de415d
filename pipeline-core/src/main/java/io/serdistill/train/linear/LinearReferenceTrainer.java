package io.serdistill.train.linear;

import io.serdistill.eval.ConfusionMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The linear reference: multinomial logistic regression on standardised inputs
 * ({@link LogisticRegressionTrainer}), its inverse L2 strength C chosen from {@link LinearReferenceOptions#cGrid()}
 * by speaker-grouped k-fold cross-validation ({@link SpeakerFolds}), then refitted on everything with the chosen C.
 *
 * <p>Each inner fit standardises with its own training folds' statistics, as a scikit-learn {@code Pipeline} of
 * scaler and classifier would inside {@code cross_val_score}. A C's score is the mean over folds of the held-out
 * fold's UA ({@link ConfusionMatrix#unweightedRecall()}: classes absent from that fold are skipped); the highest
 * mean wins, and scores within {@link #TIE} of the best count as ties, which go to the smallest C. Every fit
 * starts from zero, so a score does not depend on the order the grid is visited in.
 */
public final class LinearReferenceTrainer {
    private LinearReferenceTrainer() {}

    /** Scores closer than this are equal: a mean over folds in another order may differ in the last bits. */
    public static final double TIE = 1e-12;

    /**
     * @param inputs     raw inputs [n][dim] (e.g. train + dev utterances of one language, or of all)
     * @param labels     class of each input, in [0, numClasses)
     * @param speakers   speaker id of each input; at least {@link LinearReferenceOptions#folds()} distinct ones
     * @param numClasses classes of the model
     */
    public static LinearReference train(float[][] inputs, int[] labels, String[] speakers, int numClasses,
                                        LinearReferenceOptions options) {
        if (inputs.length != labels.length || inputs.length != speakers.length) {
            throw new IllegalArgumentException(inputs.length + " inputs, " + labels.length + " labels, "
                    + speakers.length + " speakers: must be as many of each");
        }
        int k = options.folds();
        int[] fold = SpeakerFolds.assign(speakers, k);
        List<LinearReference.GridScore> grid = new ArrayList<>();
        int best = -1;
        for (double c : options.cGrid()) {
            List<Double> foldUa = new ArrayList<>(k);
            double sum = 0;
            for (int f = 0; f < k; f++) {
                double ua = heldOutUa(inputs, labels, fold, f, numClasses, c, options.solver());
                foldUa.add(ua);
                sum += ua;
            }
            double mean = sum / k;
            grid.add(new LinearReference.GridScore(c, mean, foldUa));
            if (best < 0 || mean > grid.get(best).meanUa() + TIE) {
                best = grid.size() - 1;
            }
        }
        double chosen = grid.get(best).c();
        LogisticRegressionTrainer.Fit fit = LogisticRegressionTrainer.fit(inputs, labels, numClasses, chosen,
                options.solver());
        return new LinearReference(fit.model(), chosen, grid, k, fit.solver());
    }

    /** UA on fold {@code f} of a model fitted on the other folds with inverse L2 strength {@code c}. */
    public static double heldOutUa(float[][] inputs, int[] labels, int[] fold, int f, int numClasses, double c,
                                   Lbfgs.Options solver) {
        List<float[]> trainX = new ArrayList<>();
        List<Integer> trainY = new ArrayList<>();
        List<float[]> testX = new ArrayList<>();
        List<Integer> testY = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            (fold[i] == f ? testX : trainX).add(inputs[i]);
            (fold[i] == f ? testY : trainY).add(labels[i]);
        }
        if (trainX.isEmpty() || testX.isEmpty()) {
            throw new IllegalArgumentException("fold " + f + " leaves " + trainX.size() + " training and "
                    + testX.size() + " held-out inputs; both must be non-empty");
        }
        LogisticRegressionTrainer.Fit fit = LogisticRegressionTrainer.fit(trainX.toArray(float[][]::new),
                ints(trainY), numClasses, c, solver);
        int[] predicted = fit.model().predict(testX.toArray(float[][]::new));
        return ConfusionMatrix.from(ints(testY), predicted, numClasses).unweightedRecall();
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}
