package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.linear.LogisticRegressionModel;
import io.serdistill.train.linear.Lbfgs;
import io.serdistill.train.linear.LinearReference;
import io.serdistill.train.linear.LinearReferenceOptions;
import io.serdistill.train.linear.LinearReferenceTrainer;
import io.serdistill.train.linear.LogisticRegressionTrainer;
import java.util.LinkedHashSet;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code lbfgs.l2 = cv} ({@link Optimisation.PenaltySearch}): a linear model's L-BFGS penalty chosen inside its
 * training task by the linear reference's own search ({@link LinearReferenceTrainer}: C from the grid by
 * speaker-grouped folds of the task's training utterances, ties to the smaller C), then l2 = 1 / (C n). The model
 * starts from the reference's fit at that C, so with the reference's objective (labels only, no class weights or
 * label smoothing) L-BFGS finds it already at the optimum and keeps it: the model is the reference's, to float
 * rounding. Any other objective (distillation, label smoothing, class weights) goes on from there to its own optimum.
 */
final class CrossValidatedPenalty {
    private static final Logger LOG = LoggerFactory.getLogger("ser.train");

    private CrossValidatedPenalty() {}

    /**
     * @param c      the chosen inverse strength
     * @param l2     the L-BFGS penalty it means at these n utterances, 1 / (C n)
     * @param folds  folds it was chosen on (0: one speaker, the middle of the grid unscored)
     * @param fit    the logistic regression at C on every training utterance
     */
    record Choice(double c, double l2, int folds, LogisticRegressionModel fit) {
        /** What the model file records: ser.lbfgs.c, .l2, .cv_folds and .warm_start. */
        java.util.Map<String, String> metadata(boolean warmStarted) {
            return java.util.Map.of("ser.lbfgs.c", Double.toString(c), "ser.lbfgs.l2", Double.toString(l2),
                    "ser.lbfgs.cv_folds", Integer.toString(folds), "ser.lbfgs.warm_start", Boolean.toString(warmStarted));
        }
    }

    static Choice choose(List<TrainingExample> train, Optimisation.PenaltySearch search) {
        float[][] inputs = train.stream().map(TrainingExample::input).toArray(float[][]::new);
        int[] labels = train.stream().mapToInt(TrainingExample::label).toArray();
        String[] speakers = train.stream().map(TrainingExample::speaker).toArray(String[]::new);
        int distinct = new LinkedHashSet<>(List.of(speakers)).size();
        int k = Math.min(search.folds(), distinct);
        double c;
        LogisticRegressionModel fit;
        if (k < 2) {
            c = search.cGrid().get(search.cGrid().size() / 2);
            fit = LogisticRegressionTrainer.fit(inputs, labels, Emotion.COUNT, c, Lbfgs.Options.defaults()).model();
            k = 0;
        } else {
            LinearReference ref = LinearReferenceTrainer.train(inputs, labels, speakers, Emotion.COUNT,
                    new LinearReferenceOptions(search.cGrid(), k, Lbfgs.Options.defaults()));
            c = ref.c();
            fit = ref.model();
        }
        double l2 = 1.0 / (c * train.size());
        LOG.info("lbfgs.l2 = cv: C = {} chosen by {}, so lbfgs.l2 = 1 / (C n) = {} at n = {}", c,
                k == 0 ? "default (one training speaker: the middle of the grid)"
                        : k + "-fold speaker-grouped CV over " + distinct + " speakers", String.format("%.3g", l2),
                train.size());
        return new Choice(c, l2, k, fit);
    }

    /**
     * Copies the fit into a linear {@code model} (hidden = [], one input layer, standardised as the fit is) as its
     * starting point. Returns false, leaving the model as it is, when the fit cannot be one: a class absent from the
     * training labels has bias −∞ there, which a gradient method cannot start from.
     */
    static boolean warmStart(MlpClassifier model, LogisticRegressionModel fit) {
        if (!model.spec().hidden().isEmpty() || model.spec().inputLayers() != 1) {
            throw new IllegalArgumentException("a cross-validated penalty needs a linear model, got hidden "
                    + model.spec().hidden());
        }
        int dim = fit.inputDim();
        int classes = fit.numClasses();
        float[] bias = fit.bias();
        for (float b : bias) {
            if (!Float.isFinite(b)) {
                return false;
            }
        }
        float[] rowMajor = fit.weights(); // [class][dim]
        float[] w = new float[dim * classes]; // the MLP's w0 is [dim][class]
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < dim; j++) {
                w[j * classes + k] = rowMajor[k * dim + j];
            }
        }
        INDArray w0 = model.parameters().get("w0");
        INDArray b0 = model.parameters().get("b0");
        w0.assign(Nd4j.create(w, new long[] {dim, classes}, 'c'));
        b0.assign(Nd4j.create(bias.clone(), b0.shape(), 'c'));
        return true;
    }
}
