package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.eval.Predictions;
import io.serdistill.features.FeatureMatrix;
import io.serdistill.features.GlobalStats;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.EmotionClassifier;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mini-batch training of an {@link EmotionClassifier} on pooled vectors (input standardisation from the training
 * set, optional class-weighted cross-entropy) in the shared {@link TrainingLoop}: AdamW with warm-up and decay,
 * gradient clipping, distillation targets mixed per utterance from teacher logits, early stopping on dev UA (the
 * best epoch's weights are restored), and end-of-epoch checkpoints from which an interrupted run resumes exactly.
 */
public final class ClassifierTrainer {
    private ClassifierTrainer() {}

    /** Same as {@link #train(List, List, TrainingOptions, CheckpointStore, Consumer)} without checkpoints. */
    public static TrainedClassifier train(List<TrainingExample> train, List<TrainingExample> dev,
                                          TrainingOptions opts, Consumer<EpochRecord> progress) {
        return train(train, dev, opts, CheckpointStore.NONE, progress);
    }

    /**
     * @param train       training examples; when distilling each needs teacher logits
     * @param dev         model-selection examples (may be empty: then the last epoch is kept)
     * @param checkpoints where end-of-epoch state goes and is resumed from
     * @param progress    called after every epoch (for log lines)
     */
    public static TrainedClassifier train(List<TrainingExample> train, List<TrainingExample> dev, TrainingOptions opts,
                                          CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        int dim = train.get(0).input().length;
        float[][] norm = meanAndStd(train, dim);
        EmotionClassifier model = EmotionClassifier.initialise(
                new ClassifierSpec(dim, opts.hidden(), Emotion.COUNT, opts.inputLayers()), norm[0], norm[1], opts.seed());
        model.prepareTraining(opts.alpha(), opts.temperature());
        float[] classWeights = opts.classWeighted() ? inverseFrequency(train) : null;
        TrainingLoop.Trainee<TrainingExample> trainee = new TrainingLoop.Trainee<>() {
            @Override
            public float[][] logits(List<TrainingExample> examples) {
                return model.logits(inputs(examples));
            }

            @Override
            public TrainingLoop.Step step(List<TrainingExample> batch, List<float[]> targets) {
                EmotionClassifier.Step step = model.step(inputs(batch), TrainingLoop.labels(batch), targets, classWeights);
                return new TrainingLoop.Step(step.loss(), step.gradients());
            }

            @Override
            public float[] classWeights() {
                return classWeights;
            }

            @Override
            public Map<String, INDArray> parameters() {
                return model.parameters();
            }
        };
        TrainingLoop.Result result = TrainingLoop.run(trainee, train, dev, opts, checkpoints, progress);
        return new TrainedClassifier(model, result.history(), result.bestEpoch());
    }

    /** n / (C · count_c) for classes present in training; absent classes get weight 0 (they never occur). */
    static float[] inverseFrequency(List<TrainingExample> train) {
        long[] counts = new long[Emotion.COUNT];
        for (TrainingExample e : train) {
            counts[e.label()]++;
        }
        long present = java.util.Arrays.stream(counts).filter(c -> c > 0).count();
        float[] w = new float[Emotion.COUNT];
        for (int c = 0; c < w.length; c++) {
            w[c] = counts[c] == 0 ? 0f : (float) ((double) train.size() / (present * counts[c]));
        }
        return w;
    }

    /** Arg-max class per example. */
    public static int[] predict(EmotionClassifier model, List<TrainingExample> examples) {
        return Predictions.argMax(model.logits(inputs(examples)));
    }

    private static float[][] meanAndStd(List<TrainingExample> examples, int dim) {
        float[] flat = new float[examples.size() * dim];
        for (int i = 0; i < examples.size(); i++) {
            TrainingExample e = examples.get(i);
            if (e.input().length != dim) {
                throw new IllegalArgumentException("utterance " + e.uttId() + " has " + e.input().length
                        + " input values, expected " + dim);
            }
            System.arraycopy(e.input(), 0, flat, i * dim, dim);
        }
        GlobalStats stats = GlobalStats.of(new FeatureMatrix(examples.size(), dim, flat));
        double[] m = stats.mean();
        double[] var = stats.variance();
        float[] mean = new float[dim];
        float[] std = new float[dim];
        for (int j = 0; j < dim; j++) {
            mean[j] = (float) m[j];
            // Floor keeps constant inputs (e.g. a silent mel bin) from dividing by zero.
            std[j] = (float) Math.max(Math.sqrt(var[j]), 1e-3);
        }
        return new float[][] {mean, std};
    }

    private static List<float[]> inputs(List<TrainingExample> batch) {
        return batch.stream().map(TrainingExample::input).toList();
    }

}
