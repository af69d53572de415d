package io.serdistill.train;

import com.fasterxml.jackson.core.type.TypeReference;
import io.serdistill.data.Emotion;
import io.serdistill.distill.KdLoss;
import io.serdistill.distill.SoftTargets;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Predictions;
import io.serdistill.json.Json;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mini-batch loop shared by every trainer: AdamW with warm-up and decay, gradient clipping, distillation
 * targets mixed per utterance from teacher logits, early stopping on dev UA (the best epoch's weights are restored
 * into the model), and end-of-epoch checkpoints, as often as {@link TrainingOptions#checkpointPolicy()} says and
 * written in the background by a {@link CheckpointWriter}, from which an interrupted run resumes exactly (shuffles
 * are derived from the seed and the epoch number, never from earlier epochs). What a batch is made of is the
 * model's business.
 */
final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger("ser.train");

    private TrainingLoop() {}

    /** A model as the loop sees it; {@code E} is its kind of example. */
    interface Trainee<E> {
        /** Logits [n][classes], no update. */
        float[][] logits(List<E> examples);

        /** Loss and gradients of one batch, keyed as {@link #parameters()}; no update. */
        Step step(List<E> batch, List<float[]> targets);

        /** Per-class weights of the cross-entropy (normalised by their sum over the batch), or null for none. */
        default float[] classWeights() {
            return null;
        }

        /** The live trainable arrays by name. */
        Map<String, INDArray> parameters();
    }

    record Step(double loss, Map<String, INDArray> gradients) {}

    /** History and the epoch whose weights the model holds on return (1-based). */
    record Result(List<EpochRecord> history, int bestEpoch) {}

    static <E extends LabelledUtterance> Result run(Trainee<E> model, List<E> train, List<E> dev, TrainingOptions opts,
                                                   CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        if (opts.distills()) {
            for (E e : train) {
                if (e.teacherLogits() == null || e.teacherLogits().length != opts.teachers().size()) {
                    throw new IllegalArgumentException("utterance " + e.uttId() + " lacks logits from teachers "
                            + opts.teachers());
                }
            }
        }
        int stepsPerEpoch = (train.size() + opts.batchSize() - 1) / opts.batchSize();
        LearningRateSchedule schedule = new LearningRateSchedule(opts.schedule(), opts.learningRate(),
                opts.warmupFraction(), (long) stepsPerEpoch * opts.epochs());
        AdamW optimizer = new AdamW(opts.weightDecay(), opts.clipNorm());
        String fingerprint = fingerprint(opts, train, dev);
        // Static teacher mixes are computed once; similarity-based ones every batch.
        List<float[]> staticTargets = opts.distills() && !opts.weighting().needsStudentLogits()
                ? train.stream().map(e -> mix(e, opts, null)).toList() : null;

        State state = restore(checkpoints, fingerprint, model.parameters(), optimizer)
                .orElseGet(() -> new State(0, new ArrayList<>(), null, Double.NEGATIVE_INFINITY, 0));
        if (state.epoch > 0) {
            LOG.info("resuming from checkpoint epoch {} of {} in {}", state.epoch, opts.epochs(), checkpoints.location());
        }
        int checkpointedEpoch = state.epoch;
        long checkpointedAt = System.nanoTime();
        // Closing the writer waits for the checkpoint in flight, also when training fails.
        try (CheckpointWriter writer = new CheckpointWriter(checkpoints)) {
            for (int epoch = state.epoch + 1; epoch <= opts.epochs(); epoch++) {
                if (opts.patience() > 0 && !dev.isEmpty() && state.bestEpoch > 0
                        && epoch - 1 - state.bestEpoch >= opts.patience()) {
                    break;
                }
                EpochRecord rec = epoch(model, train, dev, opts, epoch, staticTargets, schedule, optimizer);
                state.history.add(rec);
                // Select on dev UA; without a dev split the latest epoch wins.
                if (dev.isEmpty() || rec.devUa() > state.bestUa) {
                    state.bestUa = dev.isEmpty() ? state.bestUa : rec.devUa();
                    state.best = copy(model.parameters());
                    state.bestEpoch = epoch;
                }
                state.epoch = epoch;
                // The last epoch takes no checkpoint: the final model is written next.
                if (checkpoints != CheckpointStore.NONE && epoch < opts.epochs() && opts.checkpointPolicy()
                        .due(epoch - checkpointedEpoch, (System.nanoTime() - checkpointedAt) / 1e9)) {
                    writer.write(epoch, () -> snapshot(fingerprint, state, model.parameters(), optimizer));
                    checkpointedEpoch = epoch;
                    checkpointedAt = System.nanoTime();
                }
                progress.accept(rec);
            }
        }
        model.parameters().forEach((n, a) -> a.assign(Nd4j.create(state.best.get(n), a.shape(), 'c')));
        return new Result(List.copyOf(state.history), state.bestEpoch);
    }

    /** One pass over {@code train} in the epoch's seeded order, then the dev pass. */
    private static <E extends LabelledUtterance> EpochRecord epoch(Trainee<E> model, List<E> train, List<E> dev,
                                                                  TrainingOptions opts, int epoch,
                                                                  List<float[]> staticTargets,
                                                                  LearningRateSchedule schedule, AdamW optimizer) {
        long start = System.nanoTime();
        int[] order = permutation(train.size(), new SplittableRandom(opts.seed() * 1_000_003L + epoch));
        double lossSum = 0;
        double lr = 0;
        for (int from = 0; from < order.length; from += opts.batchSize()) {
            int to = Math.min(order.length, from + opts.batchSize());
            List<E> batch = new ArrayList<>(to - from);
            List<float[]> targets = opts.distills() ? new ArrayList<>(to - from) : null;
            for (int i = from; i < to; i++) {
                batch.add(train.get(order[i]));
                if (staticTargets != null) {
                    targets.add(staticTargets.get(order[i]));
                }
            }
            if (opts.distills() && staticTargets == null) {
                targets.addAll(mixAll(batch, opts, model.logits(batch)));
            }
            Step step = model.step(batch, targets);
            lr = schedule.at(optimizer.step());
            optimizer.apply(model.parameters(), step.gradients(), lr);
            release(step.gradients());
            lossSum += step.loss() * batch.size();
        }
        double trainLoss = lossSum / train.size();
        double devUa = Double.NaN;
        double devWa = Double.NaN;
        double devLoss = Double.NaN;
        if (!dev.isEmpty()) {
            float[][] devLogits = model.logits(dev);
            ConfusionMatrix cm = ConfusionMatrix.from(labels(dev), Predictions.argMax(devLogits), Emotion.COUNT);
            devUa = cm.unweightedRecall();
            devWa = cm.accuracy();
            boolean devHasTeachers = dev.stream().allMatch(e -> e.teacherLogits() != null);
            if (!opts.distills() || devHasTeachers) {
                devLoss = loss(devLogits, dev, opts.distills() ? mixAll(dev, opts, devLogits) : null, opts,
                        model.classWeights());
            }
        }
        return new EpochRecord(epoch, trainLoss, devLoss, devUa, devWa, lr, (System.nanoTime() - start) / 1e9);
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

    private static Map<String, float[]> copy(Map<String, INDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, a) -> out.put(n, a.dup('c').data().asFloat()));
        return out;
    }

    /** The checkpoint of {@code state}: every array copied, so training may go on while it is written. */
    private static SafeTensors snapshot(String fingerprint, State state, Map<String, INDArray> params,
                                        AdamW optimizer) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        params.forEach((n, a) -> tensors.put("param/" + n, tensor(a)));
        optimizer.firstMoments().forEach((n, a) -> tensors.put("m/" + n, tensor(a)));
        optimizer.secondMoments().forEach((n, a) -> tensors.put("v/" + n, tensor(a)));
        state.best.forEach((n, w) -> tensors.put("best/" + n, new SafeTensors.Tensor(params.get(n).shape(), w)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("fingerprint", fingerprint);
        meta.put("epoch", Integer.toString(state.epoch));
        meta.put("step", Long.toString(optimizer.step()));
        meta.put("best_epoch", Integer.toString(state.bestEpoch));
        meta.put("best_ua", Double.toString(state.bestUa));
        meta.put("history", Json.compact(state.history));
        // state.best is replaced on improvement, never written into, so sharing its arrays is safe.
        return new SafeTensors(tensors, meta);
    }

    private static Optional<State> restore(CheckpointStore store, String fingerprint, Map<String, INDArray> params,
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
            LOG.info("not resuming from the checkpoint in {}: it was taken with other options or data",
                    store.location());
            return Optional.empty();
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        Map<String, float[]> best = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> p : params.entrySet()) {
            String n = p.getKey();
            long[] shape = p.getValue().shape();
            p.getValue().assign(Nd4j.create(st.require("param/" + n).values(), shape, 'c'));
            if (st.tensors().containsKey("m/" + n)) {
                m.put(n, Nd4j.create(st.require("m/" + n).values(), shape, 'c').castTo(p.getValue().dataType()));
                v.put(n, Nd4j.create(st.require("v/" + n).values(), shape, 'c').castTo(p.getValue().dataType()));
            }
            best.put(n, st.require("best/" + n).values());
        }
        optimizer.restore(Long.parseLong(st.metadata().get("step")), m, v);
        List<EpochRecord> history;
        try {
            history = Json.read(st.metadata().get("history"), new TypeReference<List<EpochRecord>>() {},
                    "checkpoint metadata 'history'");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the latest checkpoint", e);
        }
        return Optional.of(new State(Integer.parseInt(st.metadata().get("epoch")), new ArrayList<>(history), best,
                Double.parseDouble(st.metadata().get("best_ua")), Integer.parseInt(st.metadata().get("best_epoch"))));
    }

    private static SafeTensors.Tensor tensor(INDArray a) {
        return new SafeTensors.Tensor(a.shape(), a.dup('c').data().asFloat());
    }

    /** Identifies options and data: a checkpoint is only resumed by the run that wrote it. */
    static String fingerprint(TrainingOptions opts, List<? extends LabelledUtterance> train,
                              List<? extends LabelledUtterance> dev) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            // When checkpoints are taken never changes what is trained: a checkpoint resumes under any policy.
            String options = opts.withCheckpointPolicy(CheckpointPolicy.EVERY_EPOCH).toString();
            d.update(options.getBytes(StandardCharsets.UTF_8));
            for (List<? extends LabelledUtterance> part : List.of(train, dev)) {
                d.update((byte) '|');
                for (LabelledUtterance e : part) {
                    d.update(e.uttId().getBytes(StandardCharsets.UTF_8));
                    d.update((byte) ',');
                }
            }
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each example's teacher mix; {@code studentLogits} [n][classes] is only read by similarity-based weightings. */
    private static List<float[]> mixAll(List<? extends LabelledUtterance> examples, TrainingOptions opts,
                                        float[][] studentLogits) {
        List<float[]> out = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            out.add(mix(examples.get(i), opts, studentLogits[i]));
        }
        return out;
    }

    private static float[] mix(LabelledUtterance e, TrainingOptions opts, float[] studentLogits) {
        double[] w = opts.weighting().weights(e.language(), opts.teachers(), studentLogits, e.teacherLogits());
        return SoftTargets.mix(e.teacherLogits(), w, opts.temperature());
    }

    /**
     * The training loss from logits already computed (the dev pass's), so measuring it costs no second forward pass:
     * alpha * CE + (1 - alpha) * T^2 * KL(target || softmax(z / T)), the cross-entropy weighted by class and
     * normalised by the summed weights, the KL averaged, as the models' loss graphs define it.
     */
    static double loss(float[][] logits, List<? extends LabelledUtterance> examples, List<float[]> targets,
                       TrainingOptions opts, float[] classWeights) {
        double ce = 0;
        double weights = 0;
        double kl = 0;
        for (int i = 0; i < logits.length; i++) {
            int y = examples.get(i).label();
            double w = classWeights == null ? 1 : classWeights[y];
            ce += w * KdLoss.crossEntropy(logits[i], y);
            weights += w;
            if (targets != null) {
                kl += KdLoss.kl(targets.get(i), logits[i], opts.temperature());
            }
        }
        double loss = ce / weights;
        if (targets == null) {
            return loss;
        }
        double t = opts.temperature();
        return opts.alpha() * loss + (1 - opts.alpha()) * t * t * kl / logits.length;
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
