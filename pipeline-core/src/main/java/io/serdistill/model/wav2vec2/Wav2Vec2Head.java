package io.serdistill.model.wav2vec2;

import io.serdistill.model.KlReduction;
import io.serdistill.json.Json;
import io.serdistill.model.Classifier;
import io.serdistill.model.DistillationLossGraph;
import io.serdistill.model.MaskedPooling;
import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trainable SameDiff head over precomputed frozen wav2vec2 hidden states: optional softmax-weighted layer sum,
 * masked pooling (mean or attentive statistics), projector, linear classifier. Inputs:
 * {@link #HIDDEN} [B, numLayers, T, H] with {@link #MASK} [B, T] (1 real frame, 0 padding), or, when
 * {@link HeadSpec#prePooled()}, [B, numLayers, H] and no mask.
 *
 * <p>Pooling happens before the projector: for mean pooling that equals Hugging Face's projector-then-mean
 * (both are affine); for attentive statistics the statistics are taken on the hidden states themselves.
 *
 * <p>Not thread-safe: one instance per thread (Spark task).
 */
public final class Wav2Vec2Head {
    public static final String HIDDEN = "hidden";
    public static final String MASK = "mask";
    public static final String LAYER_LOGITS = "layer_logits";
    public static final String POOLED = "pooled";
    public static final String LOGITS = "logits";
    /** Metadata key of the head spec's JSON in {@link #toSafeTensors}. */
    public static final String SPEC_KEY = "ser.head_spec";

    private final HeadSpec spec;
    private final SameDiff sd;
    /** The training loss, once {@link #prepareTraining} added it. */
    private DistillationLossGraph loss;

    private Wav2Vec2Head(HeadSpec spec, Map<String, INDArray> weights) {
        this.spec = spec;
        this.sd = SameDiff.create();
        SDVariable x = spec.prePooled()
                ? sd.placeHolder(HIDDEN, DataType.FLOAT, -1, spec.numLayers(), spec.hiddenSize())
                : sd.placeHolder(HIDDEN, DataType.FLOAT, -1, spec.numLayers(), -1, spec.hiddenSize());
        build(spec, x, spec.prePooled() ? null : sd.placeHolder(MASK, DataType.FLOAT, -1, -1), weights);
    }

    /**
     * Adds the head to {@code x}'s graph, its trainable variables named as in {@link #weights()}: layer weighting,
     * pooling, projector, classifier; returns the logits [B, classes], named {@link #LOGITS}. Shared with
     * {@link Wav2Vec2FineTuneModel}, which feeds it hidden states computed in the same graph.
     *
     * @param x    [B, numLayers, T, H], or [B, numLayers, H] when {@link HeadSpec#prePooled()}
     * @param mask [B, T], 1 for real frames and 0 for padding; null when pre-pooled
     */
    static SDVariable build(HeadSpec spec, SDVariable x, SDVariable mask, Map<String, INDArray> weights) {
        SameDiff sd = x.getSameDiff();
        int layers = spec.numLayers();
        if (spec.layerWeighting()) {
            // sd.nn.softmax: exp(l - max) / sum built by hand has a wrong gradient in M2.1 (the division by the
            // reduced sum), checked by finite differences in Wav2Vec2FineTuneModelTest.
            SDVariable w = sd.nn.softmax(sd.reshape(sd.var(LAYER_LOGITS, weights.get(LAYER_LOGITS)), 1, layers), 1);
            x = x.mul(spec.prePooled() ? sd.reshape(w, 1, layers, 1) : sd.reshape(w, 1, layers, 1, 1));
        }
        x = x.sum(1); // the weighted sum, or dropping the single-layer axis
        SDVariable pooled;
        if (spec.prePooled()) {
            pooled = x;
        } else {
            pooled = spec.pooling() == HeadSpec.Pooling.MEAN ? MaskedPooling.mean(x, mask)
                    : MaskedPooling.attentiveStatistics(x, mask, sd.var("att_w", weights.get("att_w")),
                            sd.var("att_b", weights.get("att_b")), sd.var("att_v", weights.get("att_v")), spec.hiddenSize());
        }
        pooled = sd.identity(POOLED, pooled);
        SDVariable projected = sd.nn.linear(pooled, sd.var("proj_w", weights.get("proj_w")), sd.var("proj_b", weights.get("proj_b")));
        return sd.nn.linear(LOGITS, projected, sd.var("cls_w", weights.get("cls_w")), sd.var("cls_b", weights.get("cls_b")));
    }

    /** Fresh weights from {@code seed}: uniform layer weights, Glorot-uniform matrices, zero biases. */
    public static Wav2Vec2Head initialise(HeadSpec spec, long seed) {
        return new Wav2Vec2Head(spec, initialWeights(spec, seed));
    }

    /** The weights {@link #initialise} starts from, by variable name. */
    static Map<String, INDArray> initialWeights(HeadSpec spec, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        if (spec.layerWeighting()) {
            w.put(LAYER_LOGITS, Nd4j.zeros(DataType.FLOAT, spec.numLayers()));
        }
        if (!spec.prePooled() && spec.pooling() == HeadSpec.Pooling.ATTENTIVE_STATS) {
            w.put("att_w", glorot(rng, spec.hiddenSize(), spec.attentionDim()));
            w.put("att_b", Nd4j.zeros(DataType.FLOAT, spec.attentionDim()));
            w.put("att_v", glorot(rng, spec.attentionDim(), 1));
        }
        w.put("proj_w", glorot(rng, spec.pooledDim(), spec.projectorDim()));
        w.put("proj_b", Nd4j.zeros(DataType.FLOAT, spec.projectorDim()));
        w.put("cls_w", glorot(rng, spec.projectorDim(), spec.numClasses()));
        w.put("cls_b", Nd4j.zeros(DataType.FLOAT, spec.numClasses()));
        return w;
    }

    public HeadSpec spec() {
        return spec;
    }

    /** Softmax of the layer logits: the weight of each hidden state, summing to 1. */
    public float[] layerWeights() {
        if (!spec.layerWeighting()) {
            return new float[] {1f};
        }
        return Transforms.softmax(sd.getVariable(LAYER_LOGITS).getArr(), true).toFloatVector();
    }

    /** Logits [B, classes]. {@code mask} is null for pre-pooled input. */
    public INDArray logits(INDArray hidden, INDArray mask) {
        return sd.output(inputs(hidden, mask), LOGITS).get(LOGITS);
    }

    /** The pooled vector fed to the projector, [B, H] (or [B, 2H] for attentive statistics). */
    public INDArray pooled(INDArray hidden, INDArray mask) {
        return sd.output(inputs(hidden, mask), POOLED).get(POOLED);
    }

    /**
     * Adds the loss ({@link DistillationLossGraph}), for an optimiser outside the graph ({@link #step} and
     * {@link #parameters()}); call once.
     *
     * @param alpha weight of the label cross-entropy; 1 means no distillation targets
     */
    public void prepareTraining(double alpha, double temperature) {
        prepareTraining(alpha, temperature, KlReduction.BATCHMEAN, 0);
    }

    /**
     * As above with the distillation term's KL reduced over the batch as {@code klReduction} says and the label
     * term's target smoothed by {@code labelSmoothing} ({@link DistillationLossGraph}).
     */
    public void prepareTraining(double alpha, double temperature, KlReduction klReduction, double labelSmoothing) {
        if (loss != null) {
            throw new IllegalStateException("the loss was already added");
        }
        loss = DistillationLossGraph.add(sd.getVariable(LOGITS), spec.numClasses(), DataType.FLOAT, alpha, temperature,
                klReduction, labelSmoothing);
    }

    /**
     * Loss and gradients of one batch (no update), gradients keyed as {@link #parameters()}.
     *
     * @param targets      distillation targets [B][classes]; may be null when alpha = 1
     * @param classWeights per-class weights of the cross-entropy; null = all 1
     */
    public Classifier.Step step(INDArray hidden, INDArray mask, int[] labels, List<float[]> targets, float[] classWeights) {
        var out = sd.calculateGradientsAndOutputs(placeholders(hidden, mask, labels, targets, classWeights),
                List.of(DistillationLossGraph.LOSS), List.copyOf(parameters().keySet()));
        return new Classifier.Step(out.getOutputs().get(DistillationLossGraph.LOSS).getDouble(0), out.getGradients());
    }

    /** The live trainable arrays by name (updating them in place updates the head). */
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE) {
                out.put(v.name(), v.getArr());
            }
        }
        return out;
    }

    /** The head alone as one safetensors file: its weights by name, the spec's JSON under {@link #SPEC_KEY}, and {@code provenance}. */
    public byte[] toSafeTensors(Map<String, String> provenance) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        parameters().forEach((n, a) -> tensors.put(n, new SafeTensors.Tensor(a.shape(), a.castTo(DataType.FLOAT).dup('c').data().asFloat())));
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put(SPEC_KEY, Json.compact(spec));
        return new SafeTensors(tensors, meta).toBytes();
    }

    /** Loads what {@link #toSafeTensors} wrote; {@code source} names the file in errors. */
    public static Wav2Vec2Head fromSafeTensors(byte[] bytes, String source) throws IOException {
        SafeTensors st = SafeTensors.parse(bytes, source);
        String json = st.metadata().get(SPEC_KEY);
        if (json == null) {
            throw new IOException(source + ": no '" + SPEC_KEY + "' metadata; not a wav2vec2 frame head written by ser-distill");
        }
        HeadSpec spec = Json.read(json, HeadSpec.class, source + " metadata '" + SPEC_KEY + "'");
        return new Wav2Vec2Head(spec, readWeights(st, "", spec, source));
    }

    /**
     * The head weights {@code spec} needs, read from {@code st} under {@code prefix}; a missing tensor or one of
     * another shape fails naming it and {@code source}.
     */
    static Map<String, INDArray> readWeights(SafeTensors st, String prefix, HeadSpec spec, String source) throws IOException {
        Map<String, INDArray> weights = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : initialWeights(spec, 0).entrySet()) {
            SafeTensors.Tensor t = st.tensors().get(prefix + e.getKey());
            if (t == null || !Arrays.equals(t.shape(), e.getValue().shape())) {
                throw new IOException(source + ": head tensor '" + prefix + e.getKey() + "' is missing or has"
                        + " the wrong shape (expected " + Arrays.toString(e.getValue().shape()) + ")");
            }
            weights.put(e.getKey(), Nd4j.create(t.values(), t.shape(), 'c'));
        }
        return weights;
    }

    /** Mean training loss over a batch, no update. */
    public double loss(INDArray hidden, INDArray mask, int[] labels, List<float[]> targets, float[] classWeights) {
        return sd.output(placeholders(hidden, mask, labels, targets, classWeights), DistillationLossGraph.LOSS)
                .get(DistillationLossGraph.LOSS).getDouble(0);
    }

    private Map<String, INDArray> placeholders(INDArray hidden, INDArray mask, int[] labels, List<float[]> targets,
                                               float[] classWeights) {
        if (loss == null) {
            throw new IllegalStateException("call prepareTraining first");
        }
        Map<String, INDArray> ph = inputs(hidden, mask);
        ph.putAll(loss.placeholders(labels, targets, classWeights));
        return ph;
    }

    /** A copy of every trainable array by name. */
    public Map<String, INDArray> weights() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        parameters().forEach((n, a) -> out.put(n, a.dup()));
        return out;
    }

    private Map<String, INDArray> inputs(INDArray hidden, INDArray mask) {
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(HIDDEN, hidden);
        if (!spec.prePooled()) {
            if (mask == null) {
                throw new IllegalArgumentException("frame-level input needs a mask [B, T]");
            }
            ph.put(MASK, mask);
        }
        return ph;
    }

    private static INDArray glorot(SplittableRandom rng, int in, int out) {
        double limit = Math.sqrt(6.0 / (in + out));
        float[] w = new float[in * out];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((2 * rng.nextDouble() - 1) * limit);
        }
        return Nd4j.create(w, new long[] {in, out}, 'c');
    }
}
