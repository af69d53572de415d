package io.serdistill.model.tdnn;

import io.serdistill.json.Json;
import io.serdistill.model.Classifier;
import io.serdistill.model.DistillationLossGraph;
import io.serdistill.model.FusedLoss;
import io.serdistill.model.HostArrays;
import io.serdistill.model.KlReduction;
import io.serdistill.model.MaskedPooling;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.TrainingEngine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A frame-level classifier over fbank frames in SameDiff ({@link TdnnSpec}): per-bin input standardisation (the
 * training frames' mean and standard deviation, stored with the model), dilated 1-D convolutions with ReLU and
 * optional layer norm, masked attentive statistics pooling ({@link MaskedPooling}), a linear classifier; trained with
 * {@link DistillationLossGraph}'s loss like every {@link Classifier}.
 *
 * <p>Each utterance is [frames, inputDim]; a batch is zero-padded to its longest utterance with a mask [B, T].
 * Padding never reaches a real frame: every layer's output is multiplied by the mask, so the next layer's "same"
 * padding sees zeros exactly where an utterance scored alone would, and pooling ignores padding; an utterance's
 * logits do not depend on the batch it is in. Training steps apply {@link SpecAugment} to the standardised frames
 * (never {@link #logits}), drawing from a generator seeded by the model's seed and the epoch ({@link #startEpoch}).
 *
 * <p>Training steps and logits run on the graph ({@link TrainingEngine#SAMEDIFF}, the default) or, with
 * {@link TrainingEngine#FUSED} ({@link #setTrainingEngine}), on {@link FusedTdnn}: the same network, loss and
 * augmentation (the same generator draws) with a hand-written backward pass on OpenBLAS, on the CPU backend.
 *
 * <p>Not thread-safe: one instance per thread (Spark task). Weights travel as safetensors.
 */
public final class TdnnClassifier implements Classifier<INDArray> {
    public static final String FEATURES = "features";
    public static final String MASK = "mask";
    public static final String POOLED = "pooled";
    public static final String LOGITS = "logits";
    /** Metadata key of the spec's JSON in {@link #toSafeTensors}. */
    public static final String SPEC_KEY = "ser.tdnn_spec";
    /** Utterances per forward pass when scoring (sorted by length first, so little is padding). */
    private static final int SCORING_BATCH = 32;
    private static final double LAYER_NORM_EPS = 1e-5;

    private final TdnnSpec spec;
    private final float[] inputMean;
    private final float[] inputStd;
    private final SpecAugment augment;
    private final long seed;
    private final SameDiff sd;
    private final List<String> parameterNames;
    private SplittableRandom augmentRng;
    /** The training loss, once {@link #prepareTraining} added it. */
    private DistillationLossGraph loss;
    /** {@link TrainingEngine#SAMEDIFF} or {@link TrainingEngine#FUSED} (resolved). */
    private TrainingEngine engine = TrainingEngine.SAMEDIFF;
    /** The fused path, made when the engine is fused. */
    private FusedTdnn fused;
    /** One utterance's frames as read from its array, and a batch's standardised frames (reused between batches). */
    private float[] utterance = new float[0];
    private float[] batchFrames = new float[0];
    private final Flattened flattened = new Flattened();

    private TdnnClassifier(TdnnSpec spec, float[] inputMean, float[] inputStd, Map<String, INDArray> weights,
                           SpecAugment augment, long seed) {
        if (inputMean.length != spec.inputDim() || inputStd.length != spec.inputDim()) {
            throw new IllegalArgumentException("normalisation vectors must have " + spec.inputDim() + " values");
        }
        this.spec = spec;
        this.inputMean = inputMean.clone();
        this.inputStd = inputStd.clone();
        this.augment = augment;
        this.seed = seed;
        this.augmentRng = epochRng(seed, 0);
        this.sd = SameDiff.create();
        this.parameterNames = List.copyOf(weights.keySet());
        SDVariable mask = sd.placeHolder(MASK, DataType.FLOAT, -1, -1);
        SDVariable frameMask = sd.expandDims(mask, 2); // [B, T, 1]
        SDVariable h = sd.placeHolder(FEATURES, DataType.FLOAT, -1, -1, spec.inputDim());
        for (int i = 0; i < spec.layers(); i++) {
            int k = spec.kernelSizes().get(i);
            int d = spec.dilations().get(i);
            // VALID with (k - 1) d / 2 zero frames on both sides: T frames in, T frames out.
            Conv1DConfig conv = new Conv1DConfig(k, 1, (long) (k - 1) / 2 * d, d, Conv1DConfig.NWC, PaddingMode.VALID);
            h = sd.cnn.conv1d(h, var(weights, convWeight(i)), var(weights, convBias(i)), conv);
            h = sd.nn.relu(h, 0);
            if (spec.layerNorm()) {
                SDVariable centred = h.sub(h.mean(true, 2));
                SDVariable std = sd.math.sqrt(centred.mul(centred).mean(true, 2).add(LAYER_NORM_EPS));
                h = centred.div(std).mul(var(weights, normGain(i))).add(var(weights, normBias(i)));
            }
            h = h.mul(frameMask);
        }
        SDVariable pooled = sd.identity(POOLED, MaskedPooling.attentiveStatistics(h, mask, var(weights, "att_w"),
                var(weights, "att_b"), var(weights, "att_v"), spec.outputChannels()));
        sd.nn.linear(LOGITS, pooled, var(weights, "cls_w"), var(weights, "cls_b"));
    }

    /**
     * A fresh model drawn from {@code seed} (He-uniform convolutions and attention, Glorot-uniform classifier, zero
     * biases, unit layer-norm gains) whose training steps augment with {@code augment}.
     *
     * @param inputMean per-bin mean of the training frames
     * @param inputStd  per-bin standard deviation of the training frames (> 0)
     */
    public static TdnnClassifier initialise(TdnnSpec spec, float[] inputMean, float[] inputStd, SpecAugment augment,
                                            long seed) {
        return new TdnnClassifier(spec, inputMean, inputStd, initialWeights(spec, seed), augment, seed);
    }

    /** The weights {@link #initialise} starts from, by variable name, in parameter order. */
    private static Map<String, INDArray> initialWeights(TdnnSpec spec, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (int i = 0; i < spec.layers(); i++) {
            int k = spec.kernelSizes().get(i);
            int in = spec.fanIn(i);
            int out = spec.channels().get(i);
            w.put(convWeight(i), uniform(rng, Math.sqrt(6.0 / (k * in)), k, in, out));
            w.put(convBias(i), Nd4j.zeros(DataType.FLOAT, out));
            if (spec.layerNorm()) {
                w.put(normGain(i), Nd4j.ones(DataType.FLOAT, out));
                w.put(normBias(i), Nd4j.zeros(DataType.FLOAT, out));
            }
        }
        int c = spec.outputChannels();
        w.put("att_w", uniform(rng, Math.sqrt(6.0 / c), c, spec.attentionDim()));
        w.put("att_b", Nd4j.zeros(DataType.FLOAT, spec.attentionDim()));
        w.put("att_v", uniform(rng, Math.sqrt(6.0 / (spec.attentionDim() + 1)), spec.attentionDim(), 1));
        w.put("cls_w", uniform(rng, Math.sqrt(6.0 / (2 * c + spec.numClasses())), 2L * c, spec.numClasses()));
        w.put("cls_b", Nd4j.zeros(DataType.FLOAT, spec.numClasses()));
        return w;
    }

    public TdnnSpec spec() {
        return spec;
    }

    /** Reseeds training's augmentation from the model's seed and {@code epoch}. */
    @Override
    public void startEpoch(int epoch) {
        augmentRng = epochRng(seed, epoch);
    }

    @Override
    public void prepareTraining(double alpha, double temperature) {
        prepareTraining(alpha, temperature, KlReduction.BATCHMEAN, 0);
    }

    @Override
    public void prepareTraining(double alpha, double temperature, KlReduction klReduction, double labelSmoothing) {
        if (loss != null) {
            throw new IllegalStateException("prepareTraining was already called");
        }
        loss = DistillationLossGraph.add(sd.getVariable(LOGITS), spec.numClasses(), DataType.FLOAT, alpha, temperature,
                klReduction, labelSmoothing);
        if (engine == TrainingEngine.FUSED) {
            fused().prepare(FusedLoss.of(alpha, temperature, klReduction, labelSmoothing, spec.numClasses()));
        }
    }

    /**
     * Which engine computes training steps and logits ({@link TrainingEngine#resolve}d; SameDiff by default): the
     * graph, or {@link FusedTdnn} on the CPU backend. Set before {@link #prepareTraining}.
     */
    public void setTrainingEngine(TrainingEngine engine) {
        if (loss != null) {
            throw new IllegalStateException("set the training engine before prepareTraining");
        }
        this.engine = java.util.Objects.requireNonNull(engine, "engine").resolve();
    }

    /** The engine in use: {@link TrainingEngine#SAMEDIFF} or {@link TrainingEngine#FUSED}. */
    @Override
    public TrainingEngine trainingEngine() {
        return engine;
    }

    private FusedTdnn fused() {
        if (fused == null) {
            fused = new FusedTdnn(spec, parameters());
        }
        return fused;
    }

    /** Logits [n][classes], no augmentation, scored in length-sorted padded batches. */
    @Override
    public float[][] logits(List<INDArray> frames) {
        return forEachBatch(arrays(frames), LOGITS);
    }

    /** The pooled statistics fed to the classifier, [n][2 * last channels]. */
    public float[][] pooled(List<INDArray> frames) {
        return forEachBatch(arrays(frames), POOLED);
    }

    /**
     * This model reading each utterance as its frames flattened frame by frame (frames * inputDim values, as
     * {@code FrameExample} and the fbank table hold them) instead of an array [frames, inputDim]: a view with the
     * same parameters, engine, steps and logits, which spares an ND4J array per utterance.
     */
    public Classifier<float[]> flattened() {
        return flattened;
    }

    private float[][] forEachBatch(Utterances all, String output) {
        Integer[] order = IntStream.range(0, all.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(all::frames));
        float[][] out = new float[all.size()][];
        for (int from = 0; from < order.length; from += SCORING_BATCH) {
            int[] chunk = new int[Math.min(order.length, from + SCORING_BATCH) - from];
            for (int j = 0; j < chunk.length; j++) {
                chunk[j] = order[from + j];
            }
            Frames f = frames(all, chunk, false);
            float[][] z = engine == TrainingEngine.FUSED ? fusedForward(f, output) : graphForward(f, output);
            for (int j = 0; j < z.length; j++) {
                out[chunk[j]] = z[j];
            }
        }
        return out;
    }

    private float[][] graphForward(Frames f, String output) {
        Batch b = f.batch();
        return sd.output(Map.of(FEATURES, b.features(), MASK, b.mask()), output).get(output).toFloatMatrix();
    }

    private float[][] fusedForward(Frames f, String output) {
        int n = f.lengths().length;
        int width = output.equals(POOLED) ? 2 * spec.outputChannels() : spec.numClasses();
        float[] pooledOut = output.equals(POOLED) ? new float[n * width] : null;
        float[] z = fused().logits(parameters(), f.values(), n, f.longest(), f.lengths(), pooledOut);
        float[] flat = pooledOut != null ? pooledOut : z;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        return out;
    }

    /** Loss and gradients of one batch, its frames augmented; no update. */
    @Override
    public Step step(List<INDArray> frames, int[] labels, List<float[]> targets, float[] classWeights) {
        return step(arrays(frames), labels, targets, classWeights);
    }

    private Step step(Utterances utterances, int[] labels, List<float[]> targets, float[] classWeights) {
        if (loss == null) {
            throw new IllegalStateException("call prepareTraining first");
        }
        Frames f = frames(utterances, IntStream.range(0, utterances.size()).toArray(), true);
        if (engine == TrainingEngine.FUSED) {
            return fused().step(parameters(), f.values(), f.lengths().length, f.longest(), f.lengths(), labels,
                    targets, classWeights);
        }
        if (labels.length == 1) {
            // M2.1's backward pass fails on a batch of one (see Wav2Vec2FineTuneModel#step): the utterance twice
            // (with the same augmentation) has the same loss and the same gradients.
            f = f.twice();
            labels = new int[] {labels[0], labels[0]};
            targets = targets == null ? null : List.of(targets.get(0), targets.get(0));
        }
        Batch b = f.batch();
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(FEATURES, b.features());
        ph.put(MASK, b.mask());
        ph.putAll(loss.placeholders(labels, targets, classWeights));
        var out = sd.calculateGradientsAndOutputs(ph, List.of(DistillationLossGraph.LOSS), parameterNames);
        return new Step(out.getOutputs().get(DistillationLossGraph.LOSS).getDouble(0), out.getGradients());
    }

    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : parameterNames) {
            out.put(n, sd.getVariable(n).getArr());
        }
        return out;
    }

    /** Spec, input standardisation and weights as safetensors, with {@code provenance} in the metadata. */
    @Override
    public byte[] toSafeTensors(Map<String, String> provenance) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("input_mean", new SafeTensors.Tensor(new long[] {spec.inputDim()}, inputMean));
        tensors.put("input_std", new SafeTensors.Tensor(new long[] {spec.inputDim()}, inputStd));
        parameters().forEach((n, a) -> tensors.put(n, new SafeTensors.Tensor(a.shape(), a.dup('c').data().asFloat())));
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put(SPEC_KEY, Json.compact(spec));
        return new SafeTensors(tensors, meta).toBytes();
    }

    /**
     * Loads what {@link #toSafeTensors} wrote, for scoring (no augmentation); a missing tensor or one of another
     * shape fails naming it and {@code source}.
     */
    public static TdnnClassifier fromSafeTensors(byte[] bytes, String source) throws IOException {
        SafeTensors st = SafeTensors.parse(bytes, source);
        String json = st.metadata().get(SPEC_KEY);
        if (json == null) {
            throw new IOException(source + ": no '" + SPEC_KEY + "' metadata; not a TDNN written by ser-distill");
        }
        TdnnSpec spec = Json.read(json, TdnnSpec.class, source + " metadata '" + SPEC_KEY + "'");
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : initialWeights(spec, 0).entrySet()) {
            weights.put(e.getKey(), Nd4j.create(checked(st, e.getKey(), source, e.getValue().shape()), e.getValue().shape(), 'c'));
        }
        long[] bins = {spec.inputDim()};
        return new TdnnClassifier(spec, checked(st, "input_mean", source, bins), checked(st, "input_std", source, bins),
                weights, SpecAugment.NONE, 0);
    }

    private static float[] checked(SafeTensors st, String name, String source, long[] shape) throws IOException {
        SafeTensors.Tensor t = st.tensors().get(name);
        if (t == null || !Arrays.equals(t.shape(), shape)) {
            throw new IOException(source + ": TDNN tensor '" + name + "' is missing or has the wrong shape (expected "
                    + Arrays.toString(shape) + ")");
        }
        return t.values();
    }

    /** A padded batch: standardised frames [B, T, inputDim], zero after each utterance's end, and the mask [B, T]. */
    private record Batch(INDArray features, INDArray mask) {}

    /**
     * A padded batch on the heap: standardised frames [B, longest, inputDim] (the first B * longest * inputDim values
     * of {@code values}, a buffer the next batch overwrites), zero after each utterance's end.
     */
    private record Frames(float[] values, int[] lengths, int longest, int inputDim) {
        /** A batch of one as two copies of its utterance. */
        Frames twice() {
            int size = longest * inputDim;
            float[] x = Arrays.copyOf(values, 2 * size);
            System.arraycopy(values, 0, x, size, size);
            return new Frames(x, new int[] {lengths[0], lengths[0]}, longest, inputDim);
        }

        Batch batch() {
            int n = lengths.length;
            float[] m = new float[n * longest];
            for (int b = 0; b < n; b++) {
                Arrays.fill(m, b * longest, b * longest + lengths[b], 1f);
            }
            float[] x = Arrays.copyOf(values, n * longest * inputDim);
            return new Batch(Nd4j.create(x, new long[] {n, longest, inputDim}, 'c'),
                    Nd4j.create(m, new long[] {n, longest}, 'c'));
        }
    }

    /** A batch's utterances as the model reads them: each one's frame count and its values. */
    private interface Utterances {
        int size();

        /** Frames of utterance i (>= 1). */
        int frames(int i);

        /** Utterance i's frames * inputDim values into {@code dst}, frame by frame. */
        void read(int i, float[] dst);
    }

    /** {@code frames} [frames, inputDim] each, checked; each element read once (callers may pass lazy views). */
    private Utterances arrays(List<INDArray> frames) {
        List<INDArray> all = new ArrayList<>(frames);
        int f = spec.inputDim();
        for (int i = 0; i < all.size(); i++) {
            INDArray a = all.get(i);
            if (a.rank() != 2 || a.size(1) != f || a.size(0) < 1) {
                throw new IllegalArgumentException("utterance " + i + " has frames of shape "
                        + Arrays.toString(a.shape()) + ", expected [frames >= 1, " + f + "]");
            }
        }
        return new Utterances() {
            @Override
            public int size() {
                return all.size();
            }

            @Override
            public int frames(int i) {
                return (int) all.get(i).size(0);
            }

            @Override
            public void read(int i, float[] dst) {
                INDArray a = all.get(i);
                int n = (int) (a.size(0) * f);
                if (engine == TrainingEngine.FUSED && HostArrays.dense(a)) {
                    // The fused engine runs on the CPU backend, whose arrays are host memory: read it in place.
                    HostArrays.view(a).get(0, dst, 0, n);
                } else {
                    System.arraycopy(a.castTo(DataType.FLOAT).dup('c').data().asFloat(), 0, dst, 0, n);
                }
            }
        };
    }

    /** {@code flat} frames flattened frame by frame, checked. */
    private Utterances flat(List<float[]> flat) {
        List<float[]> all = new ArrayList<>(flat);
        int f = spec.inputDim();
        for (int i = 0; i < all.size(); i++) {
            float[] v = all.get(i);
            if (v.length < f || v.length % f != 0) {
                throw new IllegalArgumentException("utterance " + i + " has " + v.length + " values, expected frames"
                        + " >= 1 of " + f);
            }
        }
        return new Utterances() {
            @Override
            public int size() {
                return all.size();
            }

            @Override
            public int frames(int i) {
                return all.get(i).length / f;
            }

            @Override
            public void read(int i, float[] dst) {
                System.arraycopy(all.get(i), 0, dst, 0, all.get(i).length);
            }
        };
    }

    /** The utterances {@code which} standardised, padded and (in training) augmented, in that order. */
    private Frames frames(Utterances utterances, int[] which, boolean training) {
        if (which.length == 0) {
            throw new IllegalArgumentException("empty batch");
        }
        int f = spec.inputDim();
        int longest = 0;
        for (int i : which) {
            longest = Math.max(longest, utterances.frames(i));
        }
        int size = which.length * longest * f;
        if (batchFrames.length < size) {
            batchFrames = new float[size];
        }
        float[] x = batchFrames;
        int[] lengths = new int[which.length];
        boolean augmenting = training && augment.active();
        if (utterance.length < longest * f) {
            utterance = new float[longest * f];
        }
        float[] v = utterance;
        for (int b = 0; b < which.length; b++) {
            int n = utterances.frames(which[b]);
            utterances.read(which[b], v);
            int offset = b * longest * f;
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < f; j++) {
                    x[offset + t * f + j] = (v[t * f + j] - inputMean[j]) / inputStd[j];
                }
            }
            if (augmenting) {
                augment.apply(x, offset, n, f, augmentRng);
            }
            Arrays.fill(x, offset + n * f, offset + longest * f, 0f);
            lengths[b] = n;
        }
        return new Frames(x, lengths, longest, f);
    }

    /** {@link #flattened}: the model over flattened frames. */
    private final class Flattened implements Classifier<float[]> {
        @Override
        public void prepareTraining(double alpha, double temperature) {
            TdnnClassifier.this.prepareTraining(alpha, temperature);
        }

        @Override
        public void prepareTraining(double alpha, double temperature, KlReduction klReduction, double labelSmoothing) {
            TdnnClassifier.this.prepareTraining(alpha, temperature, klReduction, labelSmoothing);
        }

        @Override
        public void startEpoch(int epoch) {
            TdnnClassifier.this.startEpoch(epoch);
        }

        @Override
        public float[][] logits(List<float[]> inputs) {
            return forEachBatch(flat(inputs), LOGITS);
        }

        @Override
        public Step step(List<float[]> batch, int[] labels, List<float[]> targets, float[] classWeights) {
            return TdnnClassifier.this.step(flat(batch), labels, targets, classWeights);
        }

        @Override
        public boolean decayed(String parameter) {
            return TdnnClassifier.this.decayed(parameter);
        }

        @Override
        public TrainingEngine trainingEngine() {
            return engine;
        }

        @Override
        public Map<String, INDArray> parameters() {
            return TdnnClassifier.this.parameters();
        }

        @Override
        public byte[] toSafeTensors(Map<String, String> provenance) {
            return TdnnClassifier.this.toSafeTensors(provenance);
        }
    }

    private static SplittableRandom epochRng(long seed, int epoch) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    }

    private SDVariable var(Map<String, INDArray> weights, String name) {
        return sd.var(name, weights.get(name));
    }

    private static INDArray uniform(SplittableRandom rng, double limit, long... shape) {
        float[] w = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((2 * rng.nextDouble() - 1) * limit);
        }
        return Nd4j.create(w, shape, 'c');
    }

    static String convWeight(int i) {
        return "conv" + i + "_w";
    }

    static String convBias(int i) {
        return "conv" + i + "_b";
    }

    static String normGain(int i) {
        return "norm" + i + "_g";
    }

    static String normBias(int i) {
        return "norm" + i + "_b";
    }
}
