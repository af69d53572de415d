package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.distill.KdLoss;
import io.serdistill.distill.SoftTargets;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Predictions;
import io.serdistill.model.Classifier;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The mini-batch loop every model family trains in: AdamW with warm-up and decay, gradient clipping, distillation
 * targets mixed per utterance from teacher logits, optional class-weighted cross-entropy (inverse class frequency of
 * the training set), and model selection on dev UA (the best epoch's weights are restored into the model). Shuffles
 * are derived from the seed and the epoch number, never from earlier epochs, so a run resumed from a checkpoint
 * trains exactly as an uninterrupted one. Checkpoints, early stopping and progress reports are
 * {@link TrainingListener}s. What a batch is made of is the model's business ({@link Classifier}).
 */
final class TrainingLoop {

    private TrainingLoop() {}

    /**
     * Trains {@code model} ({@link Classifier#prepareTraining} not yet called: this does it) with the standard
     * listeners: checkpoints to {@code checkpoints} as {@link TrainingOptions#checkpointPolicy()} says, resumed when
     * one of this run is there; early stopping after {@link Optimisation#patience()} epochs without improvement;
     * {@code progress} after every epoch.
     *
     * @param input what the model reads of an example
     */
    static <X, E extends LabelledUtterance, M extends Classifier<X>> TrainedModel<M> run(
            M model, List<E> train, List<E> dev, Function<? super E, ? extends X> input, TrainingOptions opts,
            CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        return run(model, train, dev, input, opts, List.of(
                new CheckpointListener(checkpoints, CheckpointListener.fingerprint(opts, model.parameters(), train, dev),
                        opts.checkpointPolicy(), opts.optimisation().epochs()),
                new EarlyStoppingListener(opts.optimisation().patience(), !dev.isEmpty()),
                new ProgressListener(progress)));
    }

    /**
     * Refuses an empty training set, and, when the model distils, an utterance without one logit vector per teacher.
     */
    static void requireTrainable(List<? extends LabelledUtterance> train, TrainingOptions opts) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        if (opts.distills()) {
            for (LabelledUtterance e : train) {
                if (e.teacherLogits() == null || e.teacherLogits().length != opts.objective().teachers().size()) {
                    throw new IllegalArgumentException("utterance " + e.uttId() + " lacks logits from teachers "
                            + opts.objective().teachers());
                }
            }
        }
    }

    /** As above with the given listeners, called in list order. */
    static <X, E extends LabelledUtterance, M extends Classifier<X>> TrainedModel<M> run(
            M model, List<E> train, List<E> dev, Function<? super E, ? extends X> input, TrainingOptions opts,
            List<TrainingListener> listeners) {
        requireTrainable(train, opts);
        model.prepareTraining(opts.objective().alpha(), opts.objective().temperature(), opts.objective().klReduction(),
                opts.regularisation().labelSmoothing());
        float[] classWeights = opts.optimisation().classWeighted() ? inverseFrequency(train) : null;
        int stepsPerEpoch = (train.size() + opts.optimisation().batchSize() - 1) / opts.optimisation().batchSize();
        LearningRateSchedule schedule = new LearningRateSchedule(opts.optimisation().schedule(), opts.optimisation().learningRate(),
                opts.optimisation().warmupFraction(), (long) stepsPerEpoch * opts.optimisation().epochs());
        AdamW adamW = new AdamW(opts.optimisation().weightDecay(), opts.regularisation().l2(),
                opts.optimisation().clipNorm(), model::decayed);
        if (model.trainingEngine() == io.serdistill.model.TrainingEngine.FUSED) {
            adamW.useHostLoop();
        }
        State state = new State(model.parameters(), adamW);
        // Static teacher mixes are computed once; similarity-based ones every batch.
        List<float[]> staticTargets = opts.distills() && !opts.objective().weighting().needsStudentLogits()
                ? train.stream().map(e -> mix(e, opts, null)).toList() : null;
        Batches<X, E> batches = new Batches<>(model, input, opts, classWeights);
        try (Hooks hooks = new Hooks(listeners, state)) {
            hooks.begin();
            for (int epoch = state.epoch + 1; epoch <= opts.optimisation().epochs() && !hooks.stop(); epoch++) {
                EpochRecord rec = batches.epoch(train, dev, epoch, staticTargets, schedule, state.optimizer);
                state.history.add(rec);
                // Select on dev UA; without a dev split the latest epoch wins.
                if (dev.isEmpty() || rec.devUa() > state.bestUa) {
                    state.bestUa = dev.isEmpty() ? state.bestUa : rec.devUa();
                    state.best = copy(state.parameters);
                    state.bestEpoch = epoch;
                }
                state.epoch = epoch;
                hooks.epochEnd(rec);
            }
        }
        state.parameters.forEach((n, a) -> a.assign(Nd4j.create(state.best.get(n), a.shape(), 'c')));
        return new TrainedModel<>(model, state.history, state.bestEpoch);
    }

    /** One model's passes over the data: training steps and the dev pass. */
    private record Batches<X, E extends LabelledUtterance>(Classifier<X> model, Function<? super E, ? extends X> input,
                                                            TrainingOptions opts, float[] classWeights) {

        /** One pass over {@code train} in the epoch's seeded order, then the dev pass. */
        EpochRecord epoch(List<E> train, List<E> dev, int epoch, List<float[]> staticTargets,
                          LearningRateSchedule schedule, AdamW optimizer) {
            long start = System.nanoTime();
            model.startEpoch(epoch);
            int[] order = permutation(train.size(), new SplittableRandom(opts.seed() * 1_000_003L + epoch));
            double lossSum = 0;
            double lr = 0;
            for (int from = 0; from < order.length; from += opts.optimisation().batchSize()) {
                int to = Math.min(order.length, from + opts.optimisation().batchSize());
                List<E> batch = new ArrayList<>(to - from);
                List<float[]> targets = opts.distills() ? new ArrayList<>(to - from) : null;
                for (int i = from; i < to; i++) {
                    batch.add(train.get(order[i]));
                    if (staticTargets != null) {
                        targets.add(staticTargets.get(order[i]));
                    }
                }
                if (opts.distills() && staticTargets == null) {
                    targets.addAll(mixAll(batch, opts, model.logits(inputs(batch))));
                }
                Classifier.Step step = model.step(inputs(batch), labels(batch), targets, classWeights,
                        noiseSeed(opts.seed(), epoch, from));
                lr = schedule.at(optimizer.step());
                optimizer.apply(model.parameters(), step.gradients(), lr);
                if (step.callerOwned()) {
                    release(step.gradients());
                }
                lossSum += step.loss() * batch.size();
            }
            double trainLoss = lossSum / train.size();
            double devUa = Double.NaN;
            double devWa = Double.NaN;
            double devLoss = Double.NaN;
            if (!dev.isEmpty()) {
                float[][] devLogits = model.logits(inputs(dev));
                ConfusionMatrix cm = ConfusionMatrix.from(labels(dev), Predictions.argMax(devLogits), Emotion.COUNT);
                devUa = cm.unweightedRecall();
                devWa = cm.accuracy();
                boolean devHasTeachers = dev.stream().allMatch(e -> e.teacherLogits() != null);
                if (!opts.distills() || devHasTeachers) {
                    devLoss = loss(devLogits, dev, opts.distills() ? mixAll(dev, opts, devLogits) : null, opts,
                            classWeights);
                }
            }
            return new EpochRecord(epoch, trainLoss, devLoss, devUa, devWa, lr, (System.nanoTime() - start) / 1e9);
        }

        /**
         * A view making each example's model input when asked: the models batch, so for frame models only a
         * batch's frames are ND4J arrays at once.
         */
        private List<X> inputs(List<E> examples) {
            return new AbstractList<>() {
                @Override
                public X get(int i) {
                    return input.apply(examples.get(i));
                }

                @Override
                public int size() {
                    return examples.size();
                }
            };
        }
    }

    /**
     * The loop's mutable state, which listeners read and a checkpoint holds: completed epochs, history, the best
     * epoch's weights and dev UA, and the live parameters and optimiser.
     */
    static final class State {
        private final Map<String, INDArray> parameters;
        private final AdamW optimizer;
        private int epoch;
        private List<EpochRecord> history = new ArrayList<>();
        private Map<String, float[]> best;
        private double bestUa = Double.NEGATIVE_INFINITY;
        private int bestEpoch;

        private State(Map<String, INDArray> parameters, AdamW optimizer) {
            this.parameters = parameters;
            this.optimizer = optimizer;
        }

        /** Epochs completed (resumed ones included). */
        int epoch() {
            return epoch;
        }

        List<EpochRecord> history() {
            return history;
        }

        /** The best epoch's weights by parameter name; replaced, never written into. */
        Map<String, float[]> best() {
            return best;
        }

        double bestUa() {
            return bestUa;
        }

        /** 1-based; 0 before the first epoch. */
        int bestEpoch() {
            return bestEpoch;
        }

        /** The model's live trainable arrays. */
        Map<String, INDArray> parameters() {
            return parameters;
        }

        AdamW optimizer() {
            return optimizer;
        }

        /** Continues from a checkpoint (the parameters and optimiser are restored by the caller). */
        void resume(int epoch, List<EpochRecord> history, Map<String, float[]> best, double bestUa, int bestEpoch) {
            this.epoch = epoch;
            this.history = history;
            this.best = best;
            this.bestUa = bestUa;
            this.bestEpoch = bestEpoch;
        }
    }

    /** The listeners' hooks in order; closing ends training for each, adding their failures to the one in flight. */
    private record Hooks(List<TrainingListener> listeners, State state) implements AutoCloseable {
        void begin() {
            listeners.forEach(l -> l.onTrainingBegin(state));
        }

        boolean stop() {
            return listeners.stream().anyMatch(l -> l.stopBeforeNextEpoch(state));
        }

        void epochEnd(EpochRecord rec) {
            listeners.forEach(l -> l.onEpochEnd(state, rec));
        }

        @Override
        public void close() {
            RuntimeException failure = null;
            for (TrainingListener l : listeners) {
                try {
                    l.onTrainingEnd(state);
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    private static Map<String, float[]> copy(Map<String, INDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, a) -> out.put(n, a.dup('c').data().asFloat()));
        return out;
    }

    /** n / (C · count_c) for classes present in training; absent classes get weight 0 (they never occur). */
    static float[] inverseFrequency(List<? extends LabelledUtterance> train) {
        long[] counts = new long[Emotion.COUNT];
        for (LabelledUtterance e : train) {
            counts[e.label()]++;
        }
        long present = java.util.Arrays.stream(counts).filter(c -> c > 0).count();
        float[] w = new float[Emotion.COUNT];
        for (int c = 0; c < w.length; c++) {
            w[c] = counts[c] == 0 ? 0f : (float) ((double) train.size() / (present * counts[c]));
        }
        return w;
    }

    /**
     * Each example's teacher mix, the examples weighted together as one batch
     * ({@link io.serdistill.distill.TeacherWeighting#batchWeights}; for the dev loss the batch is the whole dev
     * split); {@code studentLogits} [n][classes] is only read by similarity-based weightings.
     */
    static List<float[]> mixAll(List<? extends LabelledUtterance> examples, TrainingOptions opts,
                                        float[][] studentLogits) {
        double[][] w = opts.objective().weighting().batchWeights(
                examples.stream().map(LabelledUtterance::language).toList(), labels(examples),
                opts.objective().teachers(), studentLogits,
                examples.stream().map(LabelledUtterance::teacherLogits).toList());
        List<float[]> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            out.add(SoftTargets.mix(examples.get(i).teacherLogits(), w[i], opts.objective().temperature()));
        }
        return out;
    }

    static float[] mix(LabelledUtterance e, TrainingOptions opts, float[] studentLogits) {
        double[] w = opts.objective().weighting().weights(e.language(), e.label(), opts.objective().teachers(),
                studentLogits, e.teacherLogits());
        return SoftTargets.mix(e.teacherLogits(), w, opts.objective().temperature());
    }

    /**
     * The training loss from logits already computed (the dev pass's), so measuring it costs no second forward pass:
     * {@link KdLoss#batchLoss}, the quantity the models' loss graph computes.
     */
    static double loss(float[][] logits, List<? extends LabelledUtterance> examples, List<float[]> targets,
                       TrainingOptions opts, float[] classWeights) {
        return KdLoss.batchLoss(logits, labels(examples), targets, classWeights, opts.objective().alpha(),
                opts.objective().temperature(), opts.objective().klReduction(), opts.regularisation().labelSmoothing());
    }

    /**
     * The seed of one batch's training-time randomness (dropout, input noise): a function of the run's seed, the epoch
     * and the batch's first position only, so a resumed run draws what an uninterrupted one does.
     */
    static long noiseSeed(long seed, int epoch, int batchStart) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ ((long) epoch << 32 | batchStart)).nextLong();
    }

    static int[] labels(List<? extends LabelledUtterance> batch) {
        return batch.stream().mapToInt(LabelledUtterance::label).toArray();
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /**
     * Frees a step's gradient arrays now: they belong to the step (SameDiff hands them over), and left to the garbage
     * collector a base-sized wav2vec2 model leaves ~0.4 GB of native memory per step waiting for a Java GC that a
     * small heap rarely runs.
     */
    static void release(Map<String, INDArray> gradients) {
        for (INDArray g : gradients.values()) {
            if (g.closeable()) {
                g.close();
            }
        }
    }
}
