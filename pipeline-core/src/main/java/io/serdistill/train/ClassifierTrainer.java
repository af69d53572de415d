package io.serdistill.train;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.serdistill.data.Emotion;
import io.serdistill.distill.SoftTargets;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.features.FeatureMatrix;
import io.serdistill.features.GlobalStats;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.EmotionClassifier;
import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mini-batch training of an {@link EmotionClassifier}: AdamW with warm-up and decay, gradient clipping, optional
 * class-weighted cross-entropy, distillation targets mixed per utterance from teacher logits, early stopping on dev
 * UA (the best epoch's weights are restored), and end-of-epoch checkpoints from which an interrupted run resumes
 * exactly (shuffles are derived from the seed and the epoch number, never from earlier epochs).
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
        if (opts.distills()) {
            for (TrainingExample e : train) {
                if (e.teacherLogits() == null || e.teacherLogits().length != opts.teachers().size()) {
                    throw new IllegalArgumentException("utterance " + e.uttId() + " lacks logits from teachers "
                            + opts.teachers());
                }
            }
        }
        int dim = train.get(0).input().length;
        float[][] norm = meanAndStd(train, dim);
        EmotionClassifier model = EmotionClassifier.initialise(
                new ClassifierSpec(dim, opts.hidden(), Emotion.COUNT, opts.inputLayers()), norm[0], norm[1], opts.seed());
        model.prepareTraining(opts.alpha(), opts.temperature());
        float[] classWeights = opts.classWeighted() ? inverseFrequency(train) : null;
        int stepsPerEpoch = (train.size() + opts.batchSize() - 1) / opts.batchSize();
        LearningRateSchedule schedule = new LearningRateSchedule(opts.schedule(), opts.learningRate(),
                opts.warmupFraction(), (long) stepsPerEpoch * opts.epochs());
        AdamW optimizer = new AdamW(opts.weightDecay(), opts.clipNorm());
        String fingerprint = fingerprint(opts, train, dev);
        // Static teacher mixes are computed once; similarity-based ones every batch.
        List<float[]> staticTargets = opts.distills() && !opts.weighting().needsStudentLogits()
                ? train.stream().map(e -> mix(e, opts, null)).toList() : null;

        State state = restore(checkpoints, fingerprint, model, optimizer)
                .orElseGet(() -> new State(0, new ArrayList<>(), null, Double.NEGATIVE_INFINITY, 0));
        for (int epoch = state.epoch + 1; epoch <= opts.epochs(); epoch++) {
            if (opts.patience() > 0 && !dev.isEmpty() && state.bestEpoch > 0 && epoch - 1 - state.bestEpoch >= opts.patience()) {
                break;
            }
            long start = System.nanoTime();
            int[] order = permutation(train.size(), new SplittableRandom(opts.seed() * 1_000_003L + epoch));
            double lossSum = 0;
            double lr = 0;
            for (int from = 0; from < order.length; from += opts.batchSize()) {
                int to = Math.min(order.length, from + opts.batchSize());
                List<TrainingExample> batch = new ArrayList<>(to - from);
                List<float[]> targets = opts.distills() ? new ArrayList<>(to - from) : null;
                for (int i = from; i < to; i++) {
                    batch.add(train.get(order[i]));
                    if (staticTargets != null) {
                        targets.add(staticTargets.get(order[i]));
                    }
                }
                if (opts.distills() && staticTargets == null) {
                    float[][] student = model.logits(inputs(batch));
                    for (int i = 0; i < batch.size(); i++) {
                        targets.add(mix(batch.get(i), opts, student[i]));
                    }
                }
                EmotionClassifier.Step step = model.step(inputs(batch), labels(batch), targets, classWeights);
                lr = schedule.at(optimizer.step());
                optimizer.apply(model.parameters(), step.gradients(), lr);
                lossSum += step.loss() * batch.size();
            }
            double trainLoss = lossSum / train.size();
            double devUa = Double.NaN;
            double devWa = Double.NaN;
            double devLoss = Double.NaN;
            if (!dev.isEmpty()) {
                ConfusionMatrix cm = ConfusionMatrix.from(labels(dev), predict(model, dev), Emotion.COUNT);
                devUa = cm.unweightedRecall();
                devWa = cm.accuracy();
                boolean devHasTeachers = dev.stream().allMatch(e -> e.teacherLogits() != null);
                if (!opts.distills() || devHasTeachers) {
                    float[][] student = opts.distills() ? model.logits(inputs(dev)) : null;
                    List<float[]> devTargets = null;
                    if (opts.distills()) {
                        devTargets = new ArrayList<>();
                        for (int i = 0; i < dev.size(); i++) {
                            devTargets.add(mix(dev.get(i), opts, student[i]));
                        }
                    }
                    devLoss = model.loss(inputs(dev), labels(dev), devTargets, classWeights);
                }
            }
            EpochRecord rec = new EpochRecord(epoch, trainLoss, devLoss, devUa, devWa, lr, (System.nanoTime() - start) / 1e9);
            state.history.add(rec);
            // Select on dev UA; without a dev split the latest epoch wins.
            if (dev.isEmpty() || devUa > state.bestUa) {
                state.bestUa = dev.isEmpty() ? state.bestUa : devUa;
                state.best = model.weights();
                state.bestEpoch = epoch;
            }
            state.epoch = epoch;
            save(checkpoints, fingerprint, state, model, optimizer);
            progress.accept(rec);
        }
        model.setWeights(state.best);
        return new TrainedClassifier(model, List.copyOf(state.history), state.bestEpoch);
    }

    /** Mutable training state: what a checkpoint holds besides the parameters and optimiser moments. */
    private static final class State {
        int epoch;
        final List<EpochRecord> history;
        Map<String, float[]> best;
        double bestUa;
        int bestEpoch;

        State(int epoch, List<EpochRecord> history, Map<String, float[]> best, double bestUa, int bestEpoch) {
            this.epoch = epoch;
            this.history = history;
            this.best = best;
            this.bestUa = bestUa;
            this.bestEpoch = bestEpoch;
        }
    }

    private static void save(CheckpointStore store, String fingerprint, State state, EmotionClassifier model,
                             AdamW optimizer) {
        if (store == CheckpointStore.NONE) {
            return;
        }
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        model.parameters().forEach((n, a) -> tensors.put("param/" + n, tensor(a)));
        optimizer.firstMoments().forEach((n, a) -> tensors.put("m/" + n, tensor(a)));
        optimizer.secondMoments().forEach((n, a) -> tensors.put("v/" + n, tensor(a)));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        model.parameters().forEach((n, a) -> shapes.put(n, a.shape()));
        state.best.forEach((n, w) -> tensors.put("best/" + n, new SafeTensors.Tensor(shapes.get(n), w)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("fingerprint", fingerprint);
        meta.put("epoch", Integer.toString(state.epoch));
        meta.put("step", Long.toString(optimizer.step()));
        meta.put("best_epoch", Integer.toString(state.bestEpoch));
        meta.put("best_ua", Double.toString(state.bestUa));
        meta.put("history", new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(state.history));
        try {
            store.save(state.epoch, new SafeTensors(tensors, meta).toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the checkpoint of epoch " + state.epoch, e);
        }
    }

    private static Optional<State> restore(CheckpointStore store, String fingerprint, EmotionClassifier model,
                                           AdamW optimizer) {
        Optional<byte[]> bytes;
        SafeTensors st;
        try {
            bytes = store.latest();
            if (bytes.isEmpty()) {
                return Optional.empty();
            }
            st = SafeTensors.parse(bytes.get(), "checkpoint");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the latest checkpoint", e);
        }
        if (!fingerprint.equals(st.metadata().get("fingerprint"))) {
            // Another configuration or other data: starting over is the only safe choice.
            return Optional.empty();
        }
        Map<String, INDArray> params = model.parameters();
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        Map<String, float[]> best = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            String n = p.getKey();
            long[] shape = p.getValue().shape();
            p.getValue().assign(Nd4j.create(st.require("param/" + n).values(), shape, 'c'));
            if (st.tensors().containsKey("m/" + n)) {
                m.put(n, Nd4j.create(st.require("m/" + n).values(), shape, 'c'));
                v.put(n, Nd4j.create(st.require("v/" + n).values(), shape, 'c'));
            }
            best.put(n, st.require("best/" + n).values());
        }
        optimizer.restore(Long.parseLong(st.metadata().get("step")), m, v);
        List<EpochRecord> history = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create().fromJson(st.metadata().get("history"),
                new TypeToken<List<EpochRecord>>() {}.getType());
        return Optional.of(new State(Integer.parseInt(st.metadata().get("epoch")), new ArrayList<>(history), best,
                Double.parseDouble(st.metadata().get("best_ua")), Integer.parseInt(st.metadata().get("best_epoch"))));
    }

    private static SafeTensors.Tensor tensor(INDArray a) {
        return new SafeTensors.Tensor(a.shape(), a.dup('c').data().asFloat());
    }

    /** Identifies options and data: a checkpoint is only resumed by the run that wrote it. */
    static String fingerprint(TrainingOptions opts, List<TrainingExample> train, List<TrainingExample> dev) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(opts.toString().getBytes(StandardCharsets.UTF_8));
            for (List<TrainingExample> part : List.of(train, dev)) {
                d.update((byte) '|');
                for (TrainingExample e : part) {
                    d.update(e.uttId().getBytes(StandardCharsets.UTF_8));
                    d.update((byte) ',');
                }
            }
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] mix(TrainingExample e, TrainingOptions opts, float[] studentLogits) {
        double[] w = opts.weighting().weights(e.language(), opts.teachers(), studentLogits, e.teacherLogits());
        return SoftTargets.mix(e.teacherLogits(), w, opts.temperature());
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

    private static List<float[]> inputs(List<TrainingExample> batch) {
        return batch.stream().map(TrainingExample::input).toList();
    }

    private static int[] labels(List<TrainingExample> batch) {
        return batch.stream().mapToInt(TrainingExample::label).toArray();
    }
}
