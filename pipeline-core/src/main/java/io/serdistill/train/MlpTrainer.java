package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.eval.Predictions;
import io.serdistill.features.GlobalStats;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import java.util.List;
import java.util.function.Consumer;

/**
 * Trains a fresh {@link MlpClassifier} on pooled vectors (input standardisation from the training set: every input
 * value minus its training mean, over its training standard deviation, floored at 1e-3) in the shared
 * {@link TrainingLoop} with the options' {@link Regularisation}: AdamW with warm-up and decay (weights, not
 * biases), gradient clipping, optional class-weighted
 * cross-entropy, distillation targets mixed per utterance from teacher logits, early stopping on dev UA (the best
 * epoch's weights are restored), and end-of-epoch checkpoints from which an interrupted run resumes exactly; or, with
 * {@link Optimisation.Optimiser#LBFGS}, full-batch L-BFGS on the same loss plus the L2 penalty ({@link FullBatchLbfgs}).
 */
public final class MlpTrainer {
    private MlpTrainer() {}

    /** Same as {@link #train(List, List, List, int, TrainingOptions, CheckpointStore, Consumer)} without checkpoints. */
    public static TrainedModel<MlpClassifier> train(List<TrainingExample> train, List<TrainingExample> dev,
                                                    List<Integer> hidden, int inputLayers, TrainingOptions opts,
                                                    Consumer<EpochRecord> progress) {
        return train(train, dev, hidden, inputLayers, opts, CheckpointStore.NONE, progress);
    }

    /**
     * @param train       training examples; when distilling each needs teacher logits
     * @param dev         model-selection examples (may be empty: then the last epoch is kept)
     * @param hidden      hidden layer widths (empty: a linear classifier)
     * @param inputLayers stacked input vectors combined by learned layer weights (1 = a plain pooled vector)
     * @param checkpoints where end-of-epoch state goes and is resumed from
     * @param progress    called after every epoch (for log lines)
     */
    public static TrainedModel<MlpClassifier> train(List<TrainingExample> train, List<TrainingExample> dev,
                                                    List<Integer> hidden, int inputLayers, TrainingOptions opts,
                                                    CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        int dim = train.get(0).input().length;
        float[][] norm = meanAndStd(train, dim);
        MlpClassifier model = MlpClassifier.initialise(
                new ClassifierSpec(dim, hidden, Emotion.COUNT, inputLayers), norm[0], norm[1], opts.seed());
        Regularisation r = opts.regularisation();
        model.setTrainingNoise(new MlpClassifier.TrainingNoise(r.inputDropout(), r.dropout(), r.inputNoise()));
        model.setTrainingEngine(opts.engine());
        if (opts.optimisation().optimiser() == Optimisation.Optimiser.LBFGS) {
            Optimisation.PenaltySearch search = opts.optimisation().lbfgsSearch();
            if (search != null) {
                if (!hidden.isEmpty() || inputLayers != 1) {
                    throw new InvalidOption("lbfgs.l2", "cv chooses a linear model's penalty: needs hidden = [] and a"
                            + " plain pooled vector, got hidden " + hidden + " over " + inputLayers + " input layer(s)");
                }
                CrossValidatedPenalty.Choice choice = CrossValidatedPenalty.choose(train, search);
                boolean warm = CrossValidatedPenalty.warmStart(model, choice.fit());
                return FullBatchLbfgs.run(model, train, dev,
                        opts.withOptimisation(opts.optimisation().withLbfgsL2(choice.l2())), progress)
                        .withMetadata(choice.metadata(warm));
            }
            return FullBatchLbfgs.run(model, train, dev, opts, progress);
        }
        return TrainingLoop.run(model, train, dev, TrainingExample::input, opts, checkpoints, progress);
    }

    /** Arg-max class per example. */
    public static int[] predict(MlpClassifier model, List<TrainingExample> examples) {
        return Predictions.argMax(model.logits(examples.stream().map(TrainingExample::input).toList()));
    }

    private static float[][] meanAndStd(List<TrainingExample> examples, int dim) {
        for (TrainingExample e : examples) {
            if (e.input().length != dim) {
                throw new IllegalArgumentException("utterance " + e.uttId() + " has " + e.input().length
                        + " input values, expected " + dim);
            }
        }
        return GlobalStats.standardisation(examples.stream().map(TrainingExample::input).toArray(float[][]::new), 1e-3);
    }

}
