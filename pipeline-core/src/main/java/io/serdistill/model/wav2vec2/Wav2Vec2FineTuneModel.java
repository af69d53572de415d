package io.serdistill.model.wav2vec2;

import io.serdistill.model.KlReduction;
import io.serdistill.json.Json;
import io.serdistill.model.Classifier;
import io.serdistill.model.DistillationLossGraph;
import io.serdistill.model.FusedLoss;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.TrainingEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * wav2vec 2.0 "frozen-CNN" fine-tuning (the paper's and Hugging Face's recipe): everything after the conv feature
 * encoder is a trainable SameDiff graph, with a classification head on top. Trainable: the feature projection
 * (LayerNorm + linear), the weight-normed grouped positional conv (kept as g and v like Hugging Face, so both are
 * trained), the encoder LayerNorm, every transformer layer (post-LN or pre-LN "stable layer norm"), and the head
 * of {@link Wav2Vec2Head} (optional softmax-weighted sum of all hidden states, masked pooling that never averages
 * padding, projector, linear classifier). The CNN is not part of the graph: its output frames are the input,
 * computed once by {@link Wav2Vec2Model#featureEncoder} and cached like features.
 *
 * <p>Inputs: {@link #FEATURES} [B, T, conv_dim[-1]] (CNN frames, zero-padded to the batch's longest) and
 * {@link #MASK} [B, T] (1 real frame, 0 padding). Padding is handled exactly as {@link Wav2Vec2Model} does:
 * projected features of padding frames are zeroed before the positional conv and attention never looks at padding
 * keys, so real frames' hidden states do not depend on how much padding a batch has. Training graph: the head's
 * logits z, then alpha * CE + (1 - alpha) * T^2 * KL(target || softmax(z / T)) ({@link DistillationLossGraph}).
 * Dropout, LayerDrop and SpecAugment-style masking are not applied (Hugging Face applies them when training).
 *
 * <p>How a caller (e.g. a Spark task) uses it:
 * <pre>{@code
 * // (a) load: a Hugging Face directory (config.json + model.safetensors), a fresh head drawn from a seed
 * Wav2Vec2Model frozen = Wav2Vec2Model.load(dir);
 * HeadSpec head = Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), true, 256, Emotion.COUNT);
 * Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(dir, head, seed);
 * // (b) CNN frames, once per utterance (cache them: the CNN never changes)
 * INDArray frames = frozen.featureEncoder(List.of(Wav2Vec2Model.normalizeWaveform(samples))).get(0);
 * var example = new FrameExample(uttId, language, speaker, label, frames, teacherLogitsOrNull);
 * // (c) train: options from SerConfig.Training.fineTuning(...) without teachers, .distillation(...) with them
 * TrainedModel<Wav2Vec2FineTuneModel> trained = FrameModelTrainer.train(model, train, dev, options, checkpoints, log::info);
 * // (d) save and load: a self-contained safetensors file (Hugging Face names for the encoder and the CNN, the
 * //     head under "head.", config and head spec in the metadata), or a Hugging Face directory
 * byte[] bytes = trained.model().toSafeTensors(provenance);
 * Wav2Vec2FineTuneModel again = Wav2Vec2FineTuneModel.fromSafeTensors(bytes, "model.safetensors");
 * trained.model().saveDirectory(out, provenance); // Wav2Vec2Model.load(out) then runs the fine-tuned encoder
 * // (e) score: logits [n][classes] for CNN frame sequences of any lengths
 * float[][] logits = again.logits(List.of(frames));
 * }</pre>
 *
 * <p>Training steps and logits run on the graph ({@link TrainingEngine#SAMEDIFF}, the default) or, with
 * {@link TrainingEngine#FUSED} ({@link #setTrainingEngine}), on {@link FusedFineTune}: the same network, loss and
 * parameter arrays with a hand-written backward pass on OpenBLAS (CPU backend, float32, mean pooling).
 *
 * <p>Not thread-safe: one instance per thread (Spark task).
 */
public final class Wav2Vec2FineTuneModel implements Classifier<INDArray> {
    public static final String FEATURES = "features";
    public static final String MASK = Wav2Vec2Head.MASK;
    public static final String LOGITS = Wav2Vec2Head.LOGITS;
    /** Prefix of the head's tensors in {@link #toSafeTensors}. */
    public static final String HEAD_PREFIX = "head.";
    static final String CONFIG_KEY = "ser.wav2vec2.config";
    static final String HEAD_KEY = Wav2Vec2Head.SPEC_KEY;
    private static final String POS = "encoder.pos_conv_embed.conv.";
    private static final double MASKED = -1e9;
    /** Utterances per forward pass when scoring. */
    private static final int SCORING_BATCH = 8;

    private final Wav2Vec2Config config;
    private final String configJson;
    private final HeadSpec head;
    private final Map<String, SafeTensors.Tensor> frozen;
    private final DataType dtype;
    private final SameDiff sd;
    private final List<String> parameterNames = new ArrayList<>();
    /** [B, T] of the current input, as a LONG vector: dynamic shapes are built from it. */
    private final SDVariable batchAndTime;
    /** The training loss, once {@link #prepareTraining} added it. */
    private DistillationLossGraph loss;
    /** {@link TrainingEngine#SAMEDIFF} or {@link TrainingEngine#FUSED} (resolved). */
    private TrainingEngine engine = TrainingEngine.SAMEDIFF;
    /** The fused path, made when the engine is fused. */
    private FusedFineTune fused;

    private Wav2Vec2FineTuneModel(Wav2Vec2Model.Checkpoint checkpoint, HeadSpec head, Map<String, INDArray> headWeights,
                                  DataType dtype) throws IOException {
        this.config = checkpoint.config();
        this.configJson = checkpoint.configJson();
        this.head = head;
        this.dtype = dtype;
        int h = config.hiddenSize();
        if (head.hiddenSize() != h || head.prePooled()
                || head.numLayers() != (head.layerWeighting() ? config.numHiddenLayers() + 1 : 1)) {
            throw new IllegalArgumentException("head " + head + " does not fit this encoder: needs hiddenSize " + h
                    + ", frame-level input, and numLayers " + (config.numHiddenLayers() + 1) + " with layer weighting"
                    + " or 1 (the last layer) without");
        }
        CheckpointTensors t = checkpoint.tensors();
        frozen = new LinkedHashMap<>();
        for (String name : t.names()) {
            String bare = name.startsWith(CheckpointTensors.PREFIX) ? name.substring(CheckpointTensors.PREFIX.length()) : name;
            if (bare.startsWith("feature_extractor.") || bare.equals("masked_spec_embed")) {
                frozen.put(bare, t.tensor(name));
            }
        }
        sd = SameDiff.create();
        double eps = config.layerNormEps();
        int f = config.featureDim();
        int ffn = config.intermediateSize();
        SDVariable features = sd.placeHolder(FEATURES, dtype, -1, -1, f);
        SDVariable mask = sd.placeHolder(MASK, dtype, -1, -1);
        batchAndTime = sd.slice(sd.shape(features).castTo(DataType.LONG), new int[] {0}, 2);

        SDVariable x = layerNorm(features, t, "feature_projection.layer_norm", f, eps);
        x = linear(x, t, "feature_projection.projection", h, f);
        x = x.mul(sd.expandDims(mask, 2)); // padding frames start as zeros, as in Hugging Face
        x = x.add(gelu(positionalConv(x, t)));
        if (!config.doStableLayerNorm()) {
            x = layerNorm(x, t, "encoder.layer_norm", h, eps);
        }
        // [B, 1, 1, T]: 0 on real keys, a large negative number on padding keys
        SDVariable keyBias = sd.expandDims(sd.expandDims(mask.sub(1).mul(-MASKED), 1), 1);
        List<SDVariable> states = new ArrayList<>();
        states.add(sd.identity(hiddenStateName(0), x));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            if (config.doStableLayerNorm()) {
                SDVariable a = x.add(attention(layerNorm(x, t, p + "layer_norm", h, eps), t, p, keyBias));
                x = a.add(feedForward(layerNorm(a, t, p + "final_layer_norm", h, eps), t, p, ffn));
            } else {
                SDVariable a = layerNorm(x.add(attention(x, t, p, keyBias)), t, p + "layer_norm", h, eps);
                x = layerNorm(a.add(feedForward(a, t, p, ffn)), t, p + "final_layer_norm", h, eps);
            }
            boolean last = i == config.numHiddenLayers() - 1;
            SDVariable state = last && config.doStableLayerNorm() ? layerNorm(x, t, "encoder.layer_norm", h, eps) : x;
            states.add(sd.identity(hiddenStateName(i + 1), state));
        }
        SDVariable stacked = head.layerWeighting()
                ? sd.stack(1, states.toArray(new SDVariable[0])) : sd.expandDims(states.get(states.size() - 1), 1);
        Map<String, INDArray> hw = new LinkedHashMap<>();
        headWeights.forEach((n, a) -> hw.put(n, a.castTo(dtype)));
        Wav2Vec2Head.build(head, stacked, mask, hw);
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                parameterNames.add(v.name());
            }
        }
    }

    /** As {@link #load(Path, HeadSpec, long, DataType)} with the given head weights (Wav2Vec2Head names). */
    static Wav2Vec2FineTuneModel load(Path checkpointDir, HeadSpec head, Map<String, INDArray> headWeights,
                                      DataType dtype) throws IOException {
        try (Wav2Vec2Model.Checkpoint checkpoint = Wav2Vec2Model.readCheckpoint(checkpointDir)) {
            return new Wav2Vec2FineTuneModel(checkpoint, head, headWeights, dtype);
        }
    }

    /**
     * A model initialised from a Hugging Face wav2vec2 directory (config.json + model.safetensors, see
     * {@link Wav2Vec2Model#load}), with a fresh head drawn from {@code seed}.
     */
    public static Wav2Vec2FineTuneModel load(Path checkpointDir, HeadSpec head, long seed) throws IOException {
        return load(checkpointDir, head, seed, DataType.FLOAT);
    }

    /** As {@link #load(Path, HeadSpec, long)} in another precision (double for gradient checks). */
    static Wav2Vec2FineTuneModel load(Path checkpointDir, HeadSpec head, long seed, DataType dtype) throws IOException {
        try (Wav2Vec2Model.Checkpoint checkpoint = Wav2Vec2Model.readCheckpoint(checkpointDir)) {
            return new Wav2Vec2FineTuneModel(checkpoint, head, Wav2Vec2Head.initialWeights(head, seed), dtype);
        }
    }

    /**
     * The head of the paper and of Hugging Face's Wav2Vec2ForSequenceClassification over this encoder: masked mean
     * pooling, projector, classifier; with {@code allLayers} a learned softmax-weighted sum of every hidden state
     * (SUPERB style), otherwise the last layer only.
     */
    public static HeadSpec meanPoolingHead(Wav2Vec2Config config, boolean allLayers, int projectorDim, int numClasses) {
        return head(config, allLayers, HeadSpec.Pooling.MEAN, 0, projectorDim, numClasses);
    }

    /**
     * A head over this encoder pooling with {@code pooling} ({@code attentionDim} is the attention bottleneck of
     * attentive statistics, ignored for mean pooling); otherwise as {@link #meanPoolingHead}.
     */
    public static HeadSpec head(Wav2Vec2Config config, boolean allLayers, HeadSpec.Pooling pooling, int attentionDim,
                                int projectorDim, int numClasses) {
        return new HeadSpec(config.hiddenSize(), allLayers ? config.numHiddenLayers() + 1 : 1, allLayers,
                pooling, false, attentionDim, projectorDim, numClasses);
    }

    public Wav2Vec2Config config() {
        return config;
    }

    public HeadSpec headSpec() {
        return head;
    }

    /** Name of hidden state {@code i} (0 .. num_hidden_layers) in the graph, as in {@link Wav2Vec2Output#hiddenStates()}. */
    static String hiddenStateName(int i) {
        return "hidden_state_" + i;
    }

    // ---- graph pieces -------------------------------------------------------------------------------------------

    private SDVariable param(CheckpointTensors t, String name, long... shape) throws IOException {
        INDArray a = t.get(name, shape).castTo(dtype);
        return sd.var(name, a);
    }

    /** LayerNorm over the last axis of [B, T, dim]; biased variance and eps inside the root, like PyTorch. */
    private SDVariable layerNorm(SDVariable x, CheckpointTensors t, String name, int dim, double eps) throws IOException {
        SDVariable gain = sd.hasVariable(name + ".weight") ? sd.getVariable(name + ".weight") : param(t, name + ".weight", dim);
        SDVariable bias = sd.hasVariable(name + ".bias") ? sd.getVariable(name + ".bias") : param(t, name + ".bias", dim);
        SDVariable centred = x.sub(x.mean(true, 2));
        SDVariable std = sd.math.sqrt(centred.mul(centred).mean(true, 2).add(eps));
        return centred.div(std).mul(gain).add(bias);
    }

    /**
     * x W^T + b on [B, T, in] with W in PyTorch's [out, in] layout (so saved weights keep Hugging Face's shape), as
     * one [B * T, in] GEMM: tensorMmul would be shorter, but its gradient op fails on rank-3 input in M2.1.
     */
    private SDVariable linear(SDVariable x, CheckpointTensors t, String name, int out, int in) throws IOException {
        SDVariable w = param(t, name + ".weight", out, in);
        SDVariable b = param(t, name + ".bias", out);
        SDVariable y = sd.mmul(x.reshape(-1, in), w, false, true, false).add(b);
        return sd.reshape(y, shape(out));
    }

    /** [B, T, tail...] as a shape vector for the current input. */
    private SDVariable shape(long... tail) {
        return sd.concat(0, batchAndTime, sd.constant(Nd4j.createFromArray(tail)));
    }

    /** The exact GELU, x (1 + erf(x / sqrt 2)) / 2 (ND4J's gelu ops are approximations). */
    private SDVariable gelu(SDVariable x) {
        return x.mul(sd.math.erf(x.mul(1 / Math.sqrt(2))).add(1)).mul(0.5);
    }

    /**
     * Grouped conv over time with weight norm, [B, T, H] to [B, T, H]: weight = g v / ||v|| (norm over the output
     * and input channels of each kernel tap, Hugging Face's weight_norm(dim=2)); kernel k, zero padding k / 2 on both
     * sides; an even kernel yields one frame too many, the last, which is dropped. SameDiff's conv1d has no groups:
     * each group is its own conv over its slice of channels and the outputs are concatenated.
     */
    private SDVariable positionalConv(SDVariable x, CheckpointTensors t) throws IOException {
        int h = config.hiddenSize();
        int k = config.numConvPosEmbeddings();
        int groups = config.numConvPosEmbeddingGroups();
        int per = h / groups;
        INDArray[] gv = Wav2Vec2Model.positionalGV(t, h, per, k);
        SDVariable g = sd.var(POS + "weight_g", gv[0].castTo(dtype));
        SDVariable v = sd.var(POS + "weight_v", gv[1].castTo(dtype));
        SDVariable bias = param(t, POS + "bias", h);
        SDVariable weight = v.mul(g.div(sd.math.sqrt(v.mul(v).sum(true, 0, 1))));
        Conv1DConfig conv = new Conv1DConfig(k, 1, k / 2, 1, Conv1DConfig.NWC, PaddingMode.VALID);
        SDVariable[] outs = new SDVariable[groups];
        for (int gi = 0; gi < groups; gi++) {
            long from = (long) gi * per;
            long to = from + per;
            SDVariable xg = groups == 1 ? x
                    : sd.stridedSlice(x, new long[] {0, 0, from}, new long[] {0, 0, to}, new long[] {1, 1, 1}, 3, 3, 0, 0, 0);
            SDVariable wg = groups == 1 ? weight
                    : sd.stridedSlice(weight, new long[] {from, 0, 0}, new long[] {to, 0, 0}, new long[] {1, 1, 1}, 6, 6, 0, 0, 0);
            outs[gi] = sd.cnn.conv1d(xg, sd.permute(wg, 2, 1, 0), conv); // weights as [k, in, out]
        }
        SDVariable y = (groups == 1 ? outs[0] : sd.concat(2, outs)).add(bias);
        if (k % 2 == 0) {
            y = sd.stridedSlice(y, new long[] {0, 0, 0}, new long[] {0, -1, 0}, new long[] {1, 1, 1}, 7, 5, 0, 0, 0);
        }
        return y;
    }

    /** Multi-head self-attention on [B, T, H]; {@code keyBias} [B, 1, 1, T] masks padding keys. */
    private SDVariable attention(SDVariable x, CheckpointTensors t, String p, SDVariable keyBias) throws IOException {
        int h = config.hiddenSize();
        int heads = config.numAttentionHeads();
        int headDim = h / heads;
        SDVariable split = shape(heads, headDim);
        SDVariable q = heads(linear(x, t, p + "attention.q_proj", h, h).mul(1 / Math.sqrt(headDim)), split);
        SDVariable k = heads(linear(x, t, p + "attention.k_proj", h, h), split);
        SDVariable v = heads(linear(x, t, p + "attention.v_proj", h, h), split);
        SDVariable scores = sd.mmul(q, k, false, true, false).add(keyBias); // [B, heads, T, T]
        SDVariable context = sd.mmul(sd.nn.softmax(scores, 3), v); // [B, heads, T, headDim]
        SDVariable merged = sd.reshape(sd.permute(context, 0, 2, 1, 3), shape(h));
        return linear(merged, t, p + "attention.out_proj", h, h);
    }

    /** [B, T, H] to [B, heads, T, headDim]. */
    private SDVariable heads(SDVariable x, SDVariable shape) {
        return sd.permute(sd.reshape(x, shape), 0, 2, 1, 3);
    }

    private SDVariable feedForward(SDVariable x, CheckpointTensors t, String p, int ffn) throws IOException {
        int h = config.hiddenSize();
        SDVariable inner = gelu(linear(x, t, p + "feed_forward.intermediate_dense", ffn, h));
        return linear(inner, t, p + "feed_forward.output_dense", h, ffn);
    }

    // ---- inference ----------------------------------------------------------------------------------------------

    /** A padded batch of CNN frame sequences: features [B, T, F] zero-padded to the longest, mask [B, T]. */
    public record Batch(INDArray features, INDArray mask) {}

    /** Pads utterances' CNN frames ([frames_i, conv_dim[-1]] each) into one batch. */
    public Batch batch(List<INDArray> frames) {
        return pad(frames, config.featureDim(), dtype);
    }

    /** Pads frame sequences ([frames_i, f] each) into features [B, T, f] zero-padded to the longest, mask [B, T]. */
    static Batch pad(List<INDArray> frames, int f, DataType dtype) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("empty batch");
        }
        frames = List.copyOf(frames); // each element read once (callers may pass views that build arrays on get)
        long longest = 0;
        for (int i = 0; i < frames.size(); i++) {
            INDArray a = frames.get(i);
            if (a.rank() != 2 || a.size(1) != f || a.size(0) < 1) {
                throw new IllegalArgumentException("utterance " + i + " has frames of shape "
                        + java.util.Arrays.toString(a.shape()) + ", expected [frames >= 1, " + f + "]");
            }
            longest = Math.max(longest, a.size(0));
        }
        INDArray features = Nd4j.zeros(dtype, frames.size(), longest, f);
        INDArray mask = Nd4j.zeros(dtype, frames.size(), longest);
        for (int b = 0; b < frames.size(); b++) {
            long n = frames.get(b).size(0);
            features.get(NDArrayIndex.point(b), NDArrayIndex.interval(0, n), NDArrayIndex.all()).assign(frames.get(b));
            mask.get(NDArrayIndex.point(b), NDArrayIndex.interval(0, n)).assign(1);
        }
        return new Batch(features, mask);
    }

    /** Logits [n][classes] for utterances' CNN frames, scored in small padded batches. */
    @Override
    public float[][] logits(List<INDArray> frames) {
        float[][] out = new float[frames.size()][];
        for (int from = 0; from < frames.size(); from += SCORING_BATCH) {
            List<INDArray> chunk = frames.subList(from, Math.min(frames.size(), from + SCORING_BATCH));
            Batch b = batch(chunk);
            if (engine == TrainingEngine.FUSED) {
                float[][] z = fused().logits(parameters(), b.features(), realFrames(b.mask()));
                System.arraycopy(z, 0, out, from, z.length);
                continue;
            }
            float[][] z = sd.output(Map.of(FEATURES, b.features(), MASK, b.mask()), LOGITS).get(LOGITS)
                    .castTo(DataType.FLOAT).toFloatMatrix();
            System.arraycopy(z, 0, out, from, z.length);
        }
        return out;
    }

    /**
     * Every hidden state for a padded batch: num_hidden_layers + 1 arrays [B, T, H] as in
     * {@link Wav2Vec2Output#hiddenStates()} (padding frames hold garbage).
     */
    public List<INDArray> hiddenStates(Batch batch) {
        String[] names = new String[config.numHiddenLayers() + 1];
        for (int i = 0; i < names.length; i++) {
            names[i] = hiddenStateName(i);
        }
        Map<String, INDArray> out = sd.output(Map.of(FEATURES, batch.features(), MASK, batch.mask()), names);
        List<INDArray> states = new ArrayList<>();
        for (String n : names) {
            states.add(out.get(n));
        }
        return states;
    }

    // ---- training -----------------------------------------------------------------------------------------------

    /**
     * Adds the loss ({@link DistillationLossGraph}) to the graph; call once before {@link #step}.
     *
     * @param alpha weight of the label cross-entropy; 1 means no distillation targets
     */
    @Override
    public void prepareTraining(double alpha, double temperature) {
        prepareTraining(alpha, temperature, KlReduction.BATCHMEAN, 0);
    }

    @Override
    public void prepareTraining(double alpha, double temperature, KlReduction klReduction, double labelSmoothing) {
        if (loss != null) {
            throw new IllegalStateException("prepareTraining was already called");
        }
        loss = DistillationLossGraph.add(sd.getVariable(LOGITS), head.numClasses(), dtype, alpha, temperature,
                klReduction, labelSmoothing);
        if (engine == TrainingEngine.FUSED) {
            fused().prepare(FusedLoss.of(alpha, temperature, klReduction, labelSmoothing, head.numClasses()));
        }
    }

    /**
     * Which engine computes training steps and logits, {@link TrainingEngine#resolve}d; SameDiff by default. Set before
     * {@link #prepareTraining}. {@link TrainingEngine#AUTO} is fused where {@link #fusedSupported} holds.
     *
     * @throws IllegalArgumentException for {@link TrainingEngine#FUSED} where the fused path does not apply
     */
    public void setTrainingEngine(TrainingEngine engine) {
        if (loss != null) {
            throw new IllegalStateException("set the training engine before prepareTraining");
        }
        java.util.Objects.requireNonNull(engine, "engine");
        if (engine == TrainingEngine.AUTO && !fusedSupported()) {
            this.engine = TrainingEngine.SAMEDIFF;
            return;
        }
        TrainingEngine resolved = engine.resolve();
        if (resolved == TrainingEngine.FUSED && !fusedSupported()) {
            throw new IllegalArgumentException("the fused wav2vec2 fine-tuning path needs float32 parameters and mean"
                    + " pooling; this model has " + dtype + " and " + head.pooling());
        }
        this.engine = resolved;
    }

    /** Whether {@link FusedFineTune} computes this model: float32 parameters and mean pooling over frames. */
    public boolean fusedSupported() {
        return dtype == DataType.FLOAT && FusedFineTune.supports(head);
    }

    @Override
    public TrainingEngine trainingEngine() {
        return engine;
    }

    private FusedFineTune fused() {
        if (fused == null) {
            fused = new FusedFineTune(config, head, parameters());
        }
        return fused;
    }

    /** Hidden state i of the fused path's last forward pass, [B * T * H] (tests). */
    float[] fusedHiddenState(int i) {
        return fused().hiddenState(i);
    }

    /** Real frames per utterance from a mask [B, T] of ones then zeros. */
    private static int[] realFrames(INDArray mask) {
        float[][] m = mask.castTo(DataType.FLOAT).toFloatMatrix();
        int[] out = new int[m.length];
        for (int b = 0; b < m.length; b++) {
            int n = 0;
            for (float v : m[b]) {
                n += v > 0.5f ? 1 : 0;
            }
            out[b] = n;
        }
        return out;
    }

    @Override
    public Step step(List<INDArray> frames, int[] labels, List<float[]> targets, float[] classWeights) {
        return step(batch(frames), labels, targets, classWeights);
    }

    /**
     * @param targets      distillation targets [B][classes]; may be null when alpha = 1
     * @param classWeights per-class weights of the cross-entropy; null = all 1
     */
    public Step step(Batch batch, int[] labels, List<float[]> targets, float[] classWeights) {
        if (engine == TrainingEngine.FUSED) {
            if (loss == null) {
                throw new IllegalStateException("call prepareTraining first");
            }
            return fused().step(parameters(), batch.features(), realFrames(batch.mask()), labels, targets, classWeights);
        }
        if (labels.length == 1) {
            // M2.1's backward pass fails on a batch of one (a reduce op without input, NullPointerException); the
            // utterance twice has the same loss and the same gradients.
            batch = new Batch(Nd4j.concat(0, batch.features(), batch.features()), Nd4j.concat(0, batch.mask(), batch.mask()));
            labels = new int[] {labels[0], labels[0]};
            targets = targets == null ? null : List.of(targets.get(0), targets.get(0));
        }
        var out = sd.calculateGradientsAndOutputs(placeholders(batch, labels, targets, classWeights),
                List.of(DistillationLossGraph.LOSS), parameterNames);
        return new Step(out.getOutputs().get(DistillationLossGraph.LOSS).getDouble(0), out.getGradients());
    }

    /** The training loss over one batch (no update). */
    public double loss(Batch batch, int[] labels, List<float[]> targets, float[] classWeights) {
        return sd.output(placeholders(batch, labels, targets, classWeights), DistillationLossGraph.LOSS)
                .get(DistillationLossGraph.LOSS).getDouble(0);
    }

    private Map<String, INDArray> placeholders(Batch batch, int[] labels, List<float[]> targets, float[] classWeights) {
        if (loss == null) {
            throw new IllegalStateException("call prepareTraining first");
        }
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(FEATURES, batch.features());
        ph.put(MASK, batch.mask());
        ph.putAll(loss.placeholders(labels, targets, classWeights));
        return ph;
    }

    /** The live trainable arrays by name (updating them in place updates the model): Hugging Face names, then the head's. */
    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : parameterNames) {
            out.put(n, sd.getVariable(n).getArr());
        }
        return out;
    }

    // ---- serialisation ------------------------------------------------------------------------------------------

    /**
     * One self-contained safetensors file: the frozen CNN tensors as read and the trained encoder under Hugging Face
     * {@code Wav2Vec2Model} names (positional conv as weight_g / weight_v), the head under {@link #HEAD_PREFIX}, the
     * config.json text and the head spec in the metadata, plus {@code provenance}.
     */
    @Override
    public byte[] toSafeTensors(Map<String, String> provenance) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>(frozen);
        Map<String, String> headNames = new LinkedHashMap<>();
        Wav2Vec2Head.initialWeights(head, 0).keySet().forEach(n -> headNames.put(n, HEAD_PREFIX + n));
        parameters().forEach((n, a) -> tensors.put(headNames.getOrDefault(n, n),
                new SafeTensors.Tensor(a.shape(), a.castTo(DataType.FLOAT).dup('c').data().asFloat())));
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put(CONFIG_KEY, configJson);
        meta.put(HEAD_KEY, Json.compact(head));
        return new SafeTensors(tensors, meta).toBytes();
    }

    /** Loads what {@link #toSafeTensors} wrote; {@code source} names the file in errors. */
    public static Wav2Vec2FineTuneModel fromSafeTensors(byte[] bytes, String source) throws IOException {
        SafeTensors st = SafeTensors.parse(bytes, source);
        String json = st.metadata().get(CONFIG_KEY);
        String headJson = st.metadata().get(HEAD_KEY);
        if (json == null || headJson == null) {
            throw new IOException(source + ": no '" + CONFIG_KEY + "' / '" + HEAD_KEY + "' metadata; not a fine-tuned"
                    + " wav2vec2 model written by ser-distill");
        }
        HeadSpec head = Json.read(headJson, HeadSpec.class, source + " metadata '" + HEAD_KEY + "'");
        Map<String, INDArray> headWeights = Wav2Vec2Head.readWeights(st, HEAD_PREFIX, head, source);
        Wav2Vec2Config config = Wav2Vec2Config.parse(json, source + " metadata " + CONFIG_KEY);
        return new Wav2Vec2FineTuneModel(new Wav2Vec2Model.Checkpoint(config, json, CheckpointTensors.of(st.tensors(), source)),
                head, headWeights, DataType.FLOAT);
    }

    /**
     * Writes {@code dir/config.json} and {@code dir/model.safetensors} ({@link #toSafeTensors}): a Hugging Face
     * directory that {@link Wav2Vec2Model#load} reads as the fine-tuned encoder (the head tensors are ignored there)
     * and {@link #fromSafeTensors} reads back whole.
     */
    public void saveDirectory(Path dir, Map<String, String> provenance) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), configJson, StandardCharsets.UTF_8);
        Files.write(dir.resolve("model.safetensors"), toSafeTensors(provenance));
    }
}
