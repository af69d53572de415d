package io.serdistill.model.linear;

import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A multinomial logistic regression on standardised inputs: {@code logits = W·((x − mean) / std) + b}, with
 * {@code W} of shape [classes][inputDim]. Parameters are float32, the project's weight format, so a model
 * written by {@link #toSafeTensors} and read back by {@link #fromSafeTensors} is the same model bit for bit;
 * standardisation, logits and probabilities are computed in double.
 *
 * <p>A class the model was never trained on has bias −∞ (and zero weights): its logit is −∞ and its
 * probability 0, as a model fitted without that class would give. Arrays are not copied; do not modify them.
 *
 * @param mean    per-input mean subtracted before scaling, length inputDim
 * @param std     per-input scale (&gt; 0), length inputDim
 * @param weights row-major [classes][inputDim]
 * @param bias    per-class bias, length classes (finite or −∞)
 */
public record LogisticRegressionModel(float[] mean, float[] std, float[] weights, float[] bias)
        implements io.serdistill.model.SafeTensorsWritable {

    /** Tensor names in the safetensors file; the metadata key {@value #KIND_KEY} marks the file's kind. */
    public static final String MEAN = "input_mean";
    public static final String STD = "input_std";
    public static final String WEIGHT = "weight";
    public static final String BIAS = "bias";
    public static final String KIND_KEY = "ser.model_kind";
    public static final String KIND = "logistic-regression";

    public LogisticRegressionModel {
        if (mean.length == 0 || std.length != mean.length) {
            throw new IllegalArgumentException("mean length " + mean.length + " and std length " + std.length
                    + ": must be equal and > 0");
        }
        if (bias.length == 0 || weights.length != (long) bias.length * mean.length) {
            throw new IllegalArgumentException("weights hold " + weights.length + " values; expected classes "
                    + bias.length + " x inputDim " + mean.length);
        }
        for (int j = 0; j < std.length; j++) {
            if (!(std[j] > 0) || !Float.isFinite(std[j]) || !Float.isFinite(mean[j])) {
                throw new IllegalArgumentException("input " + j + " has mean " + mean[j] + ", std " + std[j]
                        + ": mean must be finite and std finite and > 0");
            }
        }
        for (float w : weights) {
            if (!Float.isFinite(w)) {
                throw new IllegalArgumentException("weights must be finite, got " + w);
            }
        }
        for (float b : bias) {
            if (Float.isNaN(b) || b == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("bias must be finite or -Infinity, got " + b);
            }
        }
    }

    public int inputDim() {
        return mean.length;
    }

    public int numClasses() {
        return bias.length;
    }

    /** Logits of one raw (unstandardised) input, length {@link #numClasses()}. */
    public double[] logits(float[] input) {
        int d = inputDim();
        if (input.length != d) {
            throw new IllegalArgumentException("input has " + input.length + " values, model expects " + d);
        }
        double[] z = new double[d];
        for (int j = 0; j < d; j++) {
            z[j] = ((double) input[j] - mean[j]) / std[j];
        }
        double[] out = new double[numClasses()];
        for (int k = 0, row = 0; k < out.length; k++, row += d) {
            double s = bias[k];
            for (int j = 0; j < d; j++) {
                s += weights[row + j] * z[j];
            }
            out[k] = s;
        }
        return out;
    }

    /** Logits of each input rounded to float32, the form other models' logits take in the pipeline. */
    public float[][] logits(float[][] inputs) {
        float[][] out = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            double[] l = logits(inputs[i]);
            out[i] = new float[l.length];
            for (int k = 0; k < l.length; k++) {
                out[i][k] = (float) l[k];
            }
        }
        return out;
    }

    /** Softmax of {@link #logits(float[])}; sums to 1. */
    public double[] probabilities(float[] input) {
        return softmax(logits(input));
    }

    /** Arg-max class (the lowest index among equal logits). */
    public int predict(float[] input) {
        double[] l = logits(input);
        int best = 0;
        for (int k = 1; k < l.length; k++) {
            if (l[k] > l[best]) {
                best = k;
            }
        }
        return best;
    }

    public int[] predict(float[][] inputs) {
        int[] out = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            out[i] = predict(inputs[i]);
        }
        return out;
    }

    /** Numerically stable softmax; −∞ logits get probability 0. */
    public static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int k = 0; k < p.length; k++) {
            p[k] = Math.exp(logits[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < p.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    /** Serialises the parameters and the given provenance (e.g. the chosen C) as safetensors. */
    @Override
    public byte[] toSafeTensors(Map<String, String> provenance) {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put(MEAN, new SafeTensors.Tensor(new long[] {inputDim()}, mean));
        tensors.put(STD, new SafeTensors.Tensor(new long[] {inputDim()}, std));
        tensors.put(WEIGHT, new SafeTensors.Tensor(new long[] {numClasses(), inputDim()}, weights));
        tensors.put(BIAS, new SafeTensors.Tensor(new long[] {numClasses()}, bias));
        Map<String, String> meta = new LinkedHashMap<>(provenance);
        meta.put(KIND_KEY, KIND);
        return new SafeTensors(tensors, meta).toBytes();
    }

    /** Loads a model written by {@link #toSafeTensors}; {@code source} names the file in errors. */
    public static LogisticRegressionModel fromSafeTensors(byte[] bytes, String source) throws IOException {
        SafeTensors st = SafeTensors.parse(bytes, source);
        if (!KIND.equals(st.metadata().get(KIND_KEY))) {
            throw new IOException(source + ": metadata '" + KIND_KEY + "' is " + st.metadata().get(KIND_KEY)
                    + ", expected '" + KIND + "'; not a ser-distill logistic regression");
        }
        SafeTensors.Tensor w = tensor(st, WEIGHT, source);
        if (w.shape().length != 2) {
            throw new IOException(source + ": tensor '" + WEIGHT + "' has shape " + Arrays.toString(w.shape())
                    + ", expected [classes, inputDim]");
        }
        long classes = w.shape()[0];
        long dim = w.shape()[1];
        float[] mean = checked(st, MEAN, source, dim);
        float[] std = checked(st, STD, source, dim);
        float[] bias = checked(st, BIAS, source, classes);
        try {
            return new LogisticRegressionModel(mean, std, w.values(), bias);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    private static SafeTensors.Tensor tensor(SafeTensors st, String name, String source) throws IOException {
        SafeTensors.Tensor t = st.tensors().get(name);
        if (t == null) {
            throw new IOException(source + ": tensor '" + name + "' is missing");
        }
        return t;
    }

    private static float[] checked(SafeTensors st, String name, String source, long... shape) throws IOException {
        SafeTensors.Tensor t = tensor(st, name, source);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IOException(source + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t.values();
    }
}
