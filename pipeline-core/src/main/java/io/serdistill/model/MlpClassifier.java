package io.serdistill.model;

import io.serdistill.json.Json;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An utterance-level emotion classifier over pooled vectors in SameDiff: input standardisation, optional learned
 * layer weighting, an MLP with ReLU, logits; trained with {@link DistillationLossGraph}'s loss, its steps computed by
 * the graph or, with {@link TrainingEngine#FUSED} ({@link #setTrainingEngine}), by {@link FusedMlp} on the same
 * parameter arrays (which then also computes {@link #logits}).
 *
 * <p>Not thread-safe: one instance per thread (Spark task). Weights travel as safetensors.
 */
public final class MlpClassifier implements Classifier<float[]> {
    public static final String INPUT = "x";
    public static final String LOGITS = "logits";
    static final String LAYER_LOGITS = "layer_logits";
    /** Prefix of the training graph (dropout masks), which shares the inference graph's weights. */
    private static final String TRAIN = "train_";
    private static final String MASK = "mask";

    /**
     * Training-time perturbations of the pooled MLP (inference never applies them): inverted dropout on the
     * standardised inputs and on every hidden ReLU output (survivors scaled by 1 / (1 - p)), and Gaussian noise of
     * standard deviation {@code inputNoise} added to the standardised inputs before input dropout.
     */
    public record TrainingNoise(double inputDropout, double dropout, double inputNoise) implements java.io.Serializable {
        public static final TrainingNoise NONE = new TrainingNoise(0, 0, 0);

        public TrainingNoise {
            if (!(inputDropout >= 0 && inputDropout < 1 && dropout >= 0 && dropout < 1 && inputNoise >= 0
                    && Double.isFinite(inputNoise))) {
                throw new IllegalArgumentException("need dropout rates within [0, 1) and input noise >= 0, got "
                        + inputDropout + ", " + dropout + ", " + inputNoise);
            }
        }
    }

    private final ClassifierSpec spec;
    private final float[] inputMean;
    private final float[] inputStd;
    private final SameDiff sd;
    /** The training loss, once {@link #prepareTraining} added it. */
    private DistillationLossGraph loss;
    private TrainingNoise noise = TrainingNoise.NONE;
    /** {@link TrainingEngine#SAMEDIFF} or {@link TrainingEngine#FUSED} (resolved). */
    private TrainingEngine engine = TrainingEngine.SAMEDIFF;
    /** The fused path, made when the engine is fused. */
    private FusedMlp fused;
    /**
     * The list of rows the last unperturbed fused {@link #step} standardised, and its standardised values: full-batch
     * training passes the same list at every evaluation. Identity, not equality: a list passed again is taken to hold
     * the same arrays with the same values (training examples' inputs are never modified).
     */
    private List<float[]> lastRows;
    private float[] lastFlat;

    private MlpClassifier(ClassifierSpec spec, float[] inputMean, float[] inputStd, Map<String, float[]> weights) {
        if (inputMean.length != spec.inputDim() || inputStd.length != spec.inputDim()) {
            throw new IllegalArgumentException("normalisation vectors must have " + spec.inputDim() + " values");
        }
        this.spec = spec;
        this.inputMean = inputMean.clone();
        this.inputStd = inputStd.clone();
        this.sd = SameDiff.create();
        for (int i = 0; i < spec.layers(); i++) {
            sd.var(weightName(i), Nd4j.create(weights.get(weightName(i)), new long[] {spec.fanIn(i), spec.fanOut(i)}, 'c'));
            sd.var(biasName(i), Nd4j.create(weights.get(biasName(i)), new long[] {spec.fanOut(i)}, 'c'));
        }
        if (spec.inputLayers() > 1) {
            sd.var(LAYER_LOGITS, Nd4j.create(weights.get(LAYER_LOGITS), new long[] {spec.inputLayers()}, 'c'));
        }
        forward(sd.placeHolder(INPUT, DataType.FLOAT, -1, spec.inputDim()), "", false);
    }

    /**
     * The network from (standardised) inputs {@code x} to logits named {@code prefix + LOGITS}, on the graph's
     * weights. With {@code masked}, each hidden layer's ReLU output is multiplied by a placeholder
     * {@code prefix + "mask" + i} [batch, width] (dropout, the training graph's only difference).
     */
    private SDVariable forward(SDVariable x, String prefix, boolean masked) {
        SDVariable h = x;
        if (spec.inputLayers() > 1) {
            // Softmax over learnable per-layer logits. sd.nn.softmax, not exp / sum by hand: the gradient of that
            // division by the reduced sum is wrong in M2.1 (see Wav2Vec2FineTuneModelTest's gradient check).
            SDVariable layerLogits = sd.getVariable(LAYER_LOGITS);
            SDVariable layerWeights = sd.nn.softmax(layerLogits.reshape(1, spec.inputLayers()), 1).reshape(1, spec.inputLayers(), 1);
            h = h.reshape(-1, spec.inputLayers(), spec.mlpInput()).mul(layerWeights).sum(1);
        }
        for (int i = 0; i < spec.layers(); i++) {
            boolean last = i == spec.layers() - 1;
            h = sd.nn.linear(prefix + (last ? LOGITS : "pre" + i), h, sd.getVariable(weightName(i)), sd.getVariable(biasName(i)));
            if (!last) {
                h = sd.nn.relu(h, 0);
                if (masked) {
                    h = h.mul(sd.placeHolder(prefix + MASK + i, DataType.FLOAT, -1, spec.fanOut(i)));
                }
            }
        }
        return h;
    }

    /** A fresh model with He-initialised weights drawn from {@code seed}. */
    public static MlpClassifier initialise(ClassifierSpec spec, float[] inputMean, float[] inputStd, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (int i = 0; i < spec.layers(); i++) {
            int fanIn = spec.fanIn(i);
            int fanOut = spec.fanOut(i);
            double scale = Math.sqrt(2.0 / fanIn);
            float[] w = new float[fanIn * fanOut];
            for (int j = 0; j < w.length; j++) {
                w[j] = (float) (gaussian(rng) * scale);
            }
            weights.put(weightName(i), w);
            weights.put(biasName(i), new float[fanOut]);
        }
        if (spec.inputLayers() > 1) {
            weights.put(LAYER_LOGITS, new float[spec.inputLayers()]); // uniform layer weights to start
        }
        return new MlpClassifier(spec, inputMean, inputStd, weights);
    }

    public ClassifierSpec spec() {
        return spec;
    }

    /** Standardised inputs [n][inputDim] as an ND4J matrix. */
    private INDArray inputs(List<float[]> rows) {
        return Nd4j.create(standardised(rows), new long[] {rows.size(), spec.inputDim()}, 'c');
    }

    /** Standardised inputs [n][inputDim], row by row. */
    private float[] standardised(List<float[]> rows) {
        float[] flat = new float[rows.size() * spec.inputDim()];
        for (int r = 0; r < rows.size(); r++) {
            float[] x = rows.get(r);
            if (x.length != spec.inputDim()) {
                throw new IllegalArgumentException("input row " + r + " has " + x.length + " values, model expects " + spec.inputDim());
            }
            for (int j = 0; j < x.length; j++) {
                flat[r * x.length + j] = (x[j] - inputMean[j]) / inputStd[j];
            }
        }
        return flat;
    }

    /** Logits [n][numClasses] for pooled inputs [n][inputDim]. */
    @Override
    public float[][] logits(List<float[]> rows) {
        if (rows.isEmpty()) {
            return new float[0][];
        }
        if (engine == TrainingEngine.FUSED) {
            float[] flat = fused().logits(standardised(rows), rows.size());
            float[][] out = new float[rows.size()][spec.numClasses()];
            for (int r = 0; r < out.length; r++) {
                System.arraycopy(flat, r * spec.numClasses(), out[r], 0, spec.numClasses());
            }
            return out;
        }
        INDArray out = sd.output(Map.of(INPUT, inputs(rows)), LOGITS).get(LOGITS);
        return out.toFloatMatrix();
    }

    /**
     * Which engine computes training steps and logits ({@link TrainingEngine#resolve}d; SameDiff by default). Set
     * before {@link #prepareTraining}.
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

    private FusedMlp fused() {
        if (fused == null) {
            fused = new FusedMlp(spec, parameters());
        }
        return fused;
    }

    /**
     * What {@link #step} perturbs in training (none by default); set before {@link #prepareTraining}, which builds the
     * training graph (with dropout masks when {@code noise.dropout() > 0}).
     */
    public void setTrainingNoise(TrainingNoise noise) {
        if (loss != null) {
            throw new IllegalStateException("set the training noise before prepareTraining");
        }
        this.noise = java.util.Objects.requireNonNull(noise, "noise");
    }

    /**
     * Adds the training loss ({@link DistillationLossGraph}) to the graph. Call once before {@link #step}.
     *
     * @param alpha       weight of the label cross-entropy; 1 means no distillation term (and no targets needed)
     * @param temperature distillation temperature T
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
        // With hidden dropout the loss reads a second forward pass, on the same weights, whose hidden activations are
        // masked; the inference pass (LOGITS) stays mask-free.
        SDVariable logits = noise.dropout() > 0 ? forward(sd.getVariable(INPUT), TRAIN, true) : sd.getVariable(LOGITS);
        loss = DistillationLossGraph.add(logits, spec.numClasses(), DataType.FLOAT, alpha, temperature, klReduction,
                labelSmoothing);
        if (engine == TrainingEngine.FUSED) {
            fused().prepare(new FusedMlp.Loss(alpha, temperature, klReduction.factor(spec.numClasses()),
                    labelSmoothing, alpha < 1));
        }
    }

    /** Loss and gradients for a batch (no update: the optimiser lives in the trainer, which also clips). */
    @Override
    public Step step(List<float[]> rows, int[] labels, List<float[]> targets, float[] classWeights) {
        return step(rows, labels, targets, classWeights, 0L);
    }

    /**
     * Loss and gradients for a batch under this model's {@link TrainingNoise}, drawn from {@code noiseSeed}: input
     * noise, then input dropout, then one dropout mask per hidden layer.
     */
    @Override
    public Step step(List<float[]> rows, int[] labels, List<float[]> targets, float[] classWeights, long noiseSeed) {
        if (engine == TrainingEngine.FUSED) {
            if (loss == null) {
                throw new IllegalStateException("call prepareTraining first");
            }
            if (labels.length != rows.size()) {
                throw new IllegalArgumentException(rows.size() + " rows but " + labels.length + " labels");
            }
            if (perturbs()) {
                float[] flat = standardised(rows);
                float[][] masks = perturb(flat, rows.size(), noiseSeed);
                return fused().step(flat, rows.size(), labels, targets, classWeights, masks);
            }
            if (rows != lastRows) {
                lastFlat = standardised(rows);
                lastRows = rows;
            }
            return fused().step(lastFlat, rows.size(), labels, targets, classWeights, null);
        }
        if (rows.size() == 1) {
            // SameDiff M2.1 fails the backward pass of a one-row batch (a reduction over the batch axis of length 1
            // has no input); two copies of the row have the same loss and gradients (every term is a batch mean).
            rows = List.of(rows.get(0), rows.get(0));
            labels = new int[] {labels[0], labels[0]};
            targets = targets == null ? null : List.of(targets.get(0), targets.get(0));
        }
        Map<String, INDArray> ph = placeholders(rows, labels, targets, classWeights);
        if (perturbs()) {
            INDArray x = ph.get(INPUT);
            float[] flat = x.data().asFloat();
            float[][] masks = perturb(flat, rows.size(), noiseSeed);
            ph.put(INPUT, Nd4j.create(flat, x.shape(), 'c'));
            if (masks != null) {
                for (int i = 0; i < masks.length; i++) {
                    ph.put(TRAIN + MASK + i, Nd4j.create(masks[i], new long[] {rows.size(), spec.fanOut(i)}, 'c'));
                }
            }
        }
        var out = sd.calculateGradientsAndOutputs(ph, List.of(DistillationLossGraph.LOSS), parameterNames());
        return new Step(out.getOutputs().get(DistillationLossGraph.LOSS).getDouble(0), out.getGradients());
    }

    private boolean perturbs() {
        return noise.inputNoise() > 0 || noise.inputDropout() > 0 || noise.dropout() > 0;
    }

    /**
     * Applies this model's {@link TrainingNoise} drawn from {@code noiseSeed} to standardised inputs [n][inputDim]
     * in place (input noise, then input dropout) and returns one dropout mask [n][width] per hidden layer, drawn
     * next; null without hidden dropout. Both engines draw exactly this.
     */
    private float[][] perturb(float[] flat, int n, long noiseSeed) {
        if (!perturbs()) {
            return null;
        }
        SplittableRandom rng = new SplittableRandom(noiseSeed);
        if (noise.inputNoise() > 0) {
            for (int j = 0; j < flat.length; j++) {
                flat[j] += (float) (gaussian(rng) * noise.inputNoise());
            }
        }
        if (noise.inputDropout() > 0) {
            applyDropout(flat, noise.inputDropout(), rng);
        }
        if (!(noise.dropout() > 0)) {
            return null;
        }
        float[][] masks = new float[spec.layers() - 1][];
        for (int i = 0; i < spec.layers() - 1; i++) {
            float[] mask = new float[n * spec.fanOut(i)];
            java.util.Arrays.fill(mask, 1f);
            applyDropout(mask, noise.dropout(), rng);
            masks[i] = mask;
        }
        return masks;
    }

    /** Inverted dropout in place: each value zeroed with probability p, the others scaled by 1 / (1 - p). */
    private static void applyDropout(float[] values, double p, SplittableRandom rng) {
        float keep = (float) (1 / (1 - p));
        for (int j = 0; j < values.length; j++) {
            values[j] = rng.nextDouble() < p ? 0f : values[j] * keep;
        }
    }

    /** Loss over the given examples (no update, no training noise: dropout masks all ones). */
    public double loss(List<float[]> rows, int[] labels, List<float[]> targets, float[] classWeights) {
        Map<String, INDArray> ph = placeholders(rows, labels, targets, classWeights);
        if (noise.dropout() > 0) {
            for (int i = 0; i < spec.layers() - 1; i++) {
                ph.put(TRAIN + MASK + i, Nd4j.ones(DataType.FLOAT, rows.size(), spec.fanOut(i)));
            }
        }
        return sd.output(ph, DistillationLossGraph.LOSS).get(DistillationLossGraph.LOSS).getDouble(0);
    }

    /** Weight matrices are decayed; biases and the layer logits are not. */
    @Override
    public boolean decayed(String parameter) {
        return parameter.startsWith("w");
    }

    private Map<String, INDArray> placeholders(List<float[]> rows, int[] labels, List<float[]> targets,
                                               float[] classWeights) {
        if (loss == null) {
            throw new IllegalStateException("call prepareTraining first");
        }
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(INPUT, inputs(rows));
        ph.putAll(loss.placeholders(labels, targets, classWeights));
        return ph;
    }

    /** Names of the trainable parameters, in layer order. */
    public List<String> parameterNames() {
        List<String> names = new java.util.ArrayList<>();
        if (spec.inputLayers() > 1) {
            names.add(LAYER_LOGITS);
        }
        for (int i = 0; i < spec.layers(); i++) {
            names.add(weightName(i));
            names.add(biasName(i));
        }
        return names;
    }

    /** The learned weight of each input layer (softmax of the layer logits); [1.0] without layer weighting. */
    public double[] layerWeights() {
        if (spec.inputLayers() == 1) {
            return new double[] {1.0};
        }
        return Transforms.softmax(sd.getVariable(LAYER_LOGITS).getArr().castTo(DataType.DOUBLE), true).toDoubleVector();
    }

    /** The live parameter arrays (updating them in place updates the model). */
    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : parameterNames()) {
            out.put(n, sd.getVariable(n).getArr());
        }
        return out;
    }

    /** A copy of every weight, e.g. to keep the best epoch's model. */
    public Map<String, float[]> weights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        parameters().forEach((name, arr) -> out.put(name, arr.dup().data().asFloat()));
        return out;
    }

    /** Serialises spec, normalisation, weights and the given provenance as safetensors. */
    @Override
    public byte[] toSafeTensors(Map<String, String> provenance) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("input_mean", new SafeTensors.Tensor(new long[] {spec.inputDim()}, inputMean));
        tensors.put("input_std", new SafeTensors.Tensor(new long[] {spec.inputDim()}, inputStd));
        Map<String, float[]> w = weights();
        if (spec.inputLayers() > 1) {
            tensors.put(LAYER_LOGITS, new SafeTensors.Tensor(new long[] {spec.inputLayers()}, w.get(LAYER_LOGITS)));
        }
        for (int i = 0; i < spec.layers(); i++) {
            tensors.put(weightName(i), new SafeTensors.Tensor(new long[] {spec.fanIn(i), spec.fanOut(i)}, w.get(weightName(i))));
            tensors.put(biasName(i), new SafeTensors.Tensor(new long[] {spec.fanOut(i)}, w.get(biasName(i))));
        }
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put("ser.spec", Json.compact(spec));
        return new SafeTensors(tensors, meta).toBytes();
    }

    /** Loads a model written by {@link #toSafeTensors}; {@code source} names the file in errors. */
    public static MlpClassifier fromSafeTensors(byte[] bytes, String source) throws IOException {
        SafeTensors st = SafeTensors.parse(bytes, source);
        String specJson = st.metadata().get("ser.spec");
        if (specJson == null) {
            throw new IOException(source + ": no 'ser.spec' metadata; not a ser-distill classifier");
        }
        ClassifierSpec spec = Json.read(specJson, ClassifierSpec.class, source + " metadata 'ser.spec'");
        Map<String, float[]> weights = new LinkedHashMap<>();
        if (spec.inputLayers() > 1) {
            weights.put(LAYER_LOGITS, checked(st, LAYER_LOGITS, source, spec.inputLayers()));
        }
        for (int i = 0; i < spec.layers(); i++) {
            weights.put(weightName(i), checked(st, weightName(i), source, spec.fanIn(i), spec.fanOut(i)));
            weights.put(biasName(i), checked(st, biasName(i), source, spec.fanOut(i)));
        }
        return new MlpClassifier(spec, checked(st, "input_mean", source, spec.inputDim()),
                checked(st, "input_std", source, spec.inputDim()), weights);
    }

    private static float[] checked(SafeTensors st, String name, String source, long... shape) throws IOException {
        SafeTensors.Tensor t = st.tensors().get(name);
        if (t == null) {
            throw new IOException(source + ": tensor '" + name + "' is missing");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IOException(source + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t.values();
    }

    private static String weightName(int layer) {
        return "w" + layer;
    }

    private static String biasName(int layer) {
        return "b" + layer;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller; SplittableRandom has no nextGaussian in Java 17.
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
