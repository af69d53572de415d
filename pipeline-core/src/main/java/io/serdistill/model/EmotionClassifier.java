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
 * An utterance-level emotion classifier in SameDiff: input standardisation, an MLP with ReLU, logits.
 * It also carries the training loss used for plain fine-tuning (alpha = 1) and for distillation:
 * alpha * CE(y, softmax(z)) + (1 - alpha) * T^2 * KL(target || softmax(z / T)) averaged over the batch.
 *
 * <p>Not thread-safe: one instance per thread (Spark task). Weights travel as safetensors.
 */
public final class EmotionClassifier {
    public static final String INPUT = "x";
    public static final String LABELS = "y";
    public static final String TARGETS = "soft";
    public static final String LOGITS = "logits";
    public static final String LOSS = "loss";
    public static final String CLASS_WEIGHTS = "class_weights";
    static final String LAYER_LOGITS = "layer_logits";

    private final ClassifierSpec spec;
    private final float[] inputMean;
    private final float[] inputStd;
    private final SameDiff sd;
    private boolean trainable;
    private boolean withTargets;

    private EmotionClassifier(ClassifierSpec spec, float[] inputMean, float[] inputStd, Map<String, float[]> weights) {
        if (inputMean.length != spec.inputDim() || inputStd.length != spec.inputDim()) {
            throw new IllegalArgumentException("normalisation vectors must have " + spec.inputDim() + " values");
        }
        this.spec = spec;
        this.inputMean = inputMean.clone();
        this.inputStd = inputStd.clone();
        this.sd = SameDiff.create();
        SDVariable h = sd.placeHolder(INPUT, DataType.FLOAT, -1, spec.inputDim());
        if (spec.inputLayers() > 1) {
            // Softmax over learnable per-layer logits. sd.nn.softmax, not exp / sum by hand: the gradient of that
            // division by the reduced sum is wrong in M2.1 (see Wav2Vec2FineTuneModelTest's gradient check).
            SDVariable layerLogits = sd.var(LAYER_LOGITS, Nd4j.create(weights.get(LAYER_LOGITS), new long[] {spec.inputLayers()}, 'c'));
            SDVariable layerWeights = sd.nn.softmax(layerLogits.reshape(1, spec.inputLayers()), 1).reshape(1, spec.inputLayers(), 1);
            h = h.reshape(-1, spec.inputLayers(), spec.mlpInput()).mul(layerWeights).sum(1);
        }
        for (int i = 0; i < spec.layers(); i++) {
            SDVariable w = sd.var(weightName(i), Nd4j.create(weights.get(weightName(i)), new long[] {spec.fanIn(i), spec.fanOut(i)}, 'c'));
            SDVariable b = sd.var(biasName(i), Nd4j.create(weights.get(biasName(i)), new long[] {spec.fanOut(i)}, 'c'));
            h = sd.nn.linear(i == spec.layers() - 1 ? LOGITS : "pre" + i, h, w, b);
            if (i < spec.layers() - 1) {
                h = sd.nn.relu(h, 0);
            }
        }
    }

    /** A fresh model with He-initialised weights drawn from {@code seed}. */
    public static EmotionClassifier initialise(ClassifierSpec spec, float[] inputMean, float[] inputStd, long seed) {
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
        return new EmotionClassifier(spec, inputMean, inputStd, weights);
    }

    public ClassifierSpec spec() {
        return spec;
    }

    /** Standardised inputs [n][inputDim] as an ND4J matrix. */
    private INDArray inputs(List<float[]> rows) {
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
        return Nd4j.create(flat, new long[] {rows.size(), spec.inputDim()}, 'c');
    }

    /** Logits [n][numClasses] for pooled inputs [n][inputDim]. */
    public float[][] logits(List<float[]> rows) {
        if (rows.isEmpty()) {
            return new float[0][];
        }
        INDArray out = sd.output(Map.of(INPUT, inputs(rows)), LOGITS).get(LOGITS);
        return out.toFloatMatrix();
    }

    /** Loss and gradients of one batch; gradient arrays are keyed by parameter name (see {@link #parameters()}). */
    public record Step(double loss, Map<String, INDArray> gradients) {}

    /**
     * Adds the training loss to the graph. Call once before {@link #step}. The label term is class-weighted
     * cross-entropy normalised by the summed weights (PyTorch's convention); the distillation term is averaged over
     * the batch.
     *
     * @param alpha       weight of the label cross-entropy; 1 means no distillation term (and no targets needed)
     * @param temperature distillation temperature T
     */
    public void prepareTraining(double alpha, double temperature) {
        if (trainable) {
            throw new IllegalStateException("prepareTraining was already called");
        }
        SDVariable z = sd.getVariable(LOGITS);
        SDVariable y = sd.placeHolder(LABELS, DataType.FLOAT, -1, spec.numClasses());
        SDVariable classWeights = sd.placeHolder(CLASS_WEIGHTS, DataType.FLOAT, spec.numClasses());
        SDVariable exampleWeights = y.mul(classWeights).sum(1);
        SDVariable ce = y.mul(logSoftmax(z)).sum(1).mul(exampleWeights).sum().div(exampleWeights.sum()).neg();
        SDVariable loss;
        withTargets = alpha < 1;
        if (withTargets) {
            SDVariable target = sd.placeHolder(TARGETS, DataType.FLOAT, -1, spec.numClasses());
            SDVariable logTarget = sd.math.log(target.add(1e-12));
            SDVariable kl = target.mul(logTarget.sub(logSoftmax(z.div(temperature)))).sum(1).mean();
            loss = ce.mul(alpha).add(kl.mul((1 - alpha) * temperature * temperature));
        } else {
            loss = ce.mul(1.0);
        }
        loss.rename(LOSS);
        sd.setLossVariables(LOSS);
        trainable = true;
    }

    // log-softmax from exp/sum/log with max subtraction: sd.nn.logSoftmax has no working gradient in M2.1.
    private static SDVariable logSoftmax(SDVariable z) {
        SDVariable shifted = z.sub(z.max(true, 1));
        SameDiff g = z.getSameDiff();
        return shifted.sub(g.math.log(g.math.exp(shifted).sum(true, 1)));
    }

    /**
     * Loss and gradients for a batch (no update: the optimiser lives in the trainer, which also clips).
     *
     * @param targets      distillation targets [n][classes]; may be null when alpha = 1
     * @param classWeights per-class weights of the cross-entropy [classes]; null = all 1
     */
    public Step step(List<float[]> rows, int[] labels, List<float[]> targets, float[] classWeights) {
        var out = sd.calculateGradientsAndOutputs(placeholders(rows, labels, targets, classWeights), List.of(LOSS),
                parameterNames());
        return new Step(out.getOutputs().get(LOSS).getDouble(0), out.getGradients());
    }

    /** Loss over the given examples (no update). */
    public double loss(List<float[]> rows, int[] labels, List<float[]> targets, float[] classWeights) {
        return sd.output(placeholders(rows, labels, targets, classWeights), LOSS).get(LOSS).getDouble(0);
    }

    private Map<String, INDArray> placeholders(List<float[]> rows, int[] labels, List<float[]> targets,
                                               float[] classWeights) {
        if (!trainable) {
            throw new IllegalStateException("call prepareTraining first");
        }
        int c = spec.numClasses();
        float[] oneHot = new float[labels.length * c];
        for (int i = 0; i < labels.length; i++) {
            oneHot[i * c + labels[i]] = 1f;
        }
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(INPUT, inputs(rows));
        ph.put(LABELS, Nd4j.create(oneHot, new long[] {labels.length, c}, 'c'));
        float[] cw = classWeights == null ? filled(c, 1f) : classWeights;
        ph.put(CLASS_WEIGHTS, Nd4j.create(cw, new long[] {c}, 'c'));
        if (withTargets) {
            if (targets == null) {
                throw new IllegalArgumentException("distillation needs targets");
            }
            float[] soft = new float[labels.length * c];
            for (int i = 0; i < labels.length; i++) {
                System.arraycopy(targets.get(i), 0, soft, i * c, c);
            }
            ph.put(TARGETS, Nd4j.create(soft, new long[] {labels.length, c}, 'c'));
        }
        return ph;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
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
    public static EmotionClassifier fromSafeTensors(byte[] bytes, String source) throws IOException {
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
        return new EmotionClassifier(spec, checked(st, "input_mean", source, spec.inputDim()),
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
