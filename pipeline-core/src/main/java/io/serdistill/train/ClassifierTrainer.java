package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.EmotionClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Mini-batch training of an {@link EmotionClassifier} with optional distillation targets, early stopping on
 * dev UA (the paper's model-selection metric), and the best epoch's weights restored at the end.
 */
public final class ClassifierTrainer {
    private ClassifierTrainer() {}

    /**
     * @param train    training examples; with alpha < 1 each needs a target
     * @param dev      model-selection examples (may be empty: then the last epoch is kept)
     * @param progress called after every epoch (for log lines); may be a no-op
     */
    public static TrainedClassifier train(List<TrainingExample> train, List<TrainingExample> dev,
                                          TrainingOptions opts, Consumer<EpochRecord> progress) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        boolean distill = opts.alpha() < 1;
        for (TrainingExample e : train) {
            if (distill && e.target() == null) {
                throw new IllegalArgumentException("utterance " + e.uttId() + " has no distillation target");
            }
        }
        int dim = train.get(0).input().length;
        float[][] norm = meanAndStd(train, dim);
        EmotionClassifier model = EmotionClassifier.initialise(
                new ClassifierSpec(dim, opts.hidden(), Emotion.COUNT), norm[0], norm[1], opts.seed());
        model.prepareTraining(opts.alpha(), opts.temperature(), opts.learningRate(), opts.weightDecay());

        SplittableRandom rng = new SplittableRandom(opts.seed() ^ 0x5DEECE66DL);
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        List<EpochRecord> history = new ArrayList<>();
        Map<String, float[]> best = null;
        double bestUa = Double.NEGATIVE_INFINITY;
        int bestEpoch = 0;
        for (int epoch = 1; epoch <= opts.epochs(); epoch++) {
            long start = System.nanoTime();
            shuffle(order, rng);
            for (int from = 0; from < order.length; from += opts.batchSize()) {
                int to = Math.min(order.length, from + opts.batchSize());
                List<TrainingExample> batch = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    batch.add(train.get(order[i]));
                }
                model.fitBatch(inputs(batch), labels(batch), distill ? targets(batch) : null);
            }
            double trainLoss = model.loss(inputs(train), labels(train), distill ? targets(train) : null);
            double devUa = Double.NaN;
            double devWa = Double.NaN;
            double devLoss = Double.NaN;
            if (!dev.isEmpty()) {
                ConfusionMatrix cm = ConfusionMatrix.from(labels(dev), predict(model, dev), Emotion.COUNT);
                devUa = cm.unweightedRecall();
                devWa = cm.accuracy();
                devLoss = distill && dev.stream().allMatch(e -> e.target() != null)
                        ? model.loss(inputs(dev), labels(dev), targets(dev))
                        : distill ? Double.NaN : model.loss(inputs(dev), labels(dev), null);
            }
            EpochRecord rec = new EpochRecord(epoch, trainLoss, devLoss, devUa, devWa, opts.learningRate(),
                    (System.nanoTime() - start) / 1e9);
            history.add(rec);
            progress.accept(rec);
            // Select on dev UA; without a dev split the latest epoch wins.
            if (dev.isEmpty() || devUa > bestUa) {
                bestUa = dev.isEmpty() ? bestUa : devUa;
                best = model.weights();
                bestEpoch = epoch;
            } else if (opts.patience() > 0 && epoch - bestEpoch >= opts.patience()) {
                break;
            }
        }
        model.setWeights(best);
        return new TrainedClassifier(model, List.copyOf(history), bestEpoch);
    }

    /** Arg-max class per example. */
    public static int[] predict(EmotionClassifier model, List<TrainingExample> examples) {
        float[][] logits = model.logits(inputs(examples));
        int[] out = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = argMax(logits[i]);
        }
        return out;
    }

    public static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static float[][] meanAndStd(List<TrainingExample> examples, int dim) {
        double[] sum = new double[dim];
        double[] sumSq = new double[dim];
        for (TrainingExample e : examples) {
            if (e.input().length != dim) {
                throw new IllegalArgumentException("utterance " + e.uttId() + " has " + e.input().length
                        + " input values, expected " + dim);
            }
            for (int j = 0; j < dim; j++) {
                sum[j] += e.input()[j];
                sumSq[j] += (double) e.input()[j] * e.input()[j];
            }
        }
        float[] mean = new float[dim];
        float[] std = new float[dim];
        int n = examples.size();
        for (int j = 0; j < dim; j++) {
            double m = sum[j] / n;
            mean[j] = (float) m;
            // Floor keeps constant inputs (e.g. a silent mel bin) from dividing by zero.
            std[j] = (float) Math.max(Math.sqrt(Math.max(sumSq[j] / n - m * m, 0)), 1e-3);
        }
        return new float[][] {mean, std};
    }

    private static void shuffle(int[] a, SplittableRandom rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static List<float[]> inputs(List<TrainingExample> batch) {
        return batch.stream().map(TrainingExample::input).toList();
    }

    private static int[] labels(List<TrainingExample> batch) {
        return batch.stream().mapToInt(TrainingExample::label).toArray();
    }

    private static List<float[]> targets(List<TrainingExample> batch) {
        return batch.stream().map(TrainingExample::target).toList();
    }
}
