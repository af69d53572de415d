package io.serdistill.model.tdnn;

import io.serdistill.model.Classifier;
import io.serdistill.model.FusedLoss;
import io.serdistill.model.HostArrays;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TdnnClassifier}'s {@link io.serdistill.model.TrainingEngine#FUSED} path: the same network as its SameDiff
 * graph (dilated "same" convolutions, ReLU, optional per-frame layer norm, the frame mask, masked attentive
 * statistics pooling as {@link io.serdistill.model.MaskedPooling#attentiveStatistics}, the linear classifier) and
 * the same loss ({@link FusedLoss}), with a forward pass that keeps what the backward pass needs and a hand-written
 * backward pass. Matrix products are OpenBLAS sgemm calls on the model's live parameter arrays and on native
 * buffers kept between steps (grown to the largest batch seen); the element-wise parts are plain Java loops. No
 * graph runs and no ND4J array is allocated per step.
 *
 * <p>Layout: frames are rows of one [rows, width] matrix in which each utterance occupies T + 2P rows (T the batch's
 * longest utterance, P the widest layer's "same" padding): P zero rows, its frames, zero rows up to T, P zero rows.
 * A convolution tap at frame offset s is then a single GEMM over the whole batch, input rows shifted by s, and a
 * layer is k such GEMMs accumulated; the rows it computes for padding frames are never read, because every layer's
 * output is set to 0 on padding rows (the mask multiply), as the graph does, and the borders keep a real frame's
 * receptive field inside its own utterance. Pooling and the backward pass read real frames only, so padding's
 * gradients are exactly 0. Nothing a real frame sees depends on the other utterances of its batch.
 *
 * <p>CPU backend only (the arrays must be host memory). Not thread-safe, like the model.
 */
final class FusedTdnn {
    private static final double LAYER_NORM_EPS = 1e-5;
    /** MaskedPooling's variance floor inside the square root. */
    private static final double STD_EPS = 1e-6;

    private final TdnnSpec spec;
    private final int layers;
    private final int pad;
    private final int widest;
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private FusedLoss loss;

    // The batch of the last forward pass.
    private int batch;
    private int stride;
    private int rows;
    private int[] lengths;

    private int capacity;
    /** in[i]: layer i's input [rows, fanIn(i)]; in[layers]: the last layer's output, pooling's input. */
    private Native[] in;
    private float[][] inHeap;
    /** Each layer's ReLU output (before layer norm) and, with layer norm, its normalised values and 1 / std per row. */
    private float[][] act;
    private float[][] normed;
    private float[][] invStd;
    private Native scratch;
    private float[] scratchHeap;
    private Native dOut;
    private Native dIn;
    private float[] dHeap;
    private float[] dPrevHeap;
    private float[] zeros;
    private Native att;
    private float[] attHeap;
    private float[] alpha;
    private float[] pooled;
    private float[] logits;

    FusedTdnn(TdnnSpec spec, Map<String, INDArray> parameters) {
        this.spec = spec;
        this.layers = spec.layers();
        int p = 0;
        int w = spec.inputDim();
        for (int i = 0; i < layers; i++) {
            p = Math.max(p, (spec.kernelSizes().get(i) - 1) / 2 * spec.dilations().get(i));
            w = Math.max(w, spec.channels().get(i));
        }
        this.pad = p;
        this.widest = Math.max(w, spec.attentionDim());
        parameters.forEach((n, a) -> {
            if (!HostArrays.dense(a)) {
                throw new IllegalArgumentException("the fused TDNN path needs dense float32 parameters; " + n + " is "
                        + a.shapeInfoToString());
            }
            gradients.put(n, Nd4j.create(DataType.FLOAT, a.shape(), 'c'));
        });
    }

    void prepare(FusedLoss loss) {
        this.loss = loss;
    }

    /**
     * Logits [n * classes] and pooled statistics (into {@code pooledOut} [n * 2H] when not null) of standardised
     * frames {@code x} [n, longest, inputDim] (zero after each utterance's end) with {@code lengths} real frames.
     */
    float[] logits(Map<String, INDArray> parameters, float[] x, int n, int longest, int[] lengths, float[] pooledOut) {
        forward(parameters, x, n, longest, lengths);
        if (pooledOut != null) {
            System.arraycopy(pooled, 0, pooledOut, 0, n * 2 * spec.outputChannels());
        }
        return Arrays.copyOf(logits, n * spec.numClasses());
    }

    /**
     * Loss and gradients of a batch of standardised (already augmented) frames, as {@link #logits}; class indices,
     * soft targets (when the loss has them) and class weights (null: all 1). The gradient arrays are this object's,
     * overwritten by the next step.
     */
    Classifier.Step step(Map<String, INDArray> parameters, float[] x, int n, int longest, int[] lengths, int[] labels,
                         List<float[]> targets, float[] classWeights) {
        if (loss == null) {
            throw new IllegalStateException("call prepareTraining first");
        }
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " utterances but " + labels.length + " labels");
        }
        forward(parameters, x, n, longest, lengths);
        int c = spec.numClasses();
        float[] dz = new float[n * c];
        double value = loss.lossAndDelta(logits, n, c, labels, targets, classWeights, dz);
        backward(parameters, dz);
        return new Classifier.Step(value, gradients, false);
    }

    private void forward(Map<String, INDArray> parameters, float[] x, int n, int longest, int[] lengths) {
        int f = spec.inputDim();
        this.batch = n;
        this.stride = longest + 2 * pad;
        this.rows = n * stride;
        this.lengths = lengths.clone();
        ensure(rows);
        float[] x0 = inHeap[0];
        zeroPadding(x0, f);
        for (int b = 0; b < n; b++) {
            System.arraycopy(x, b * longest * f, x0, (b * stride + pad) * f, lengths[b] * f);
        }
        in[0].put(x0, rows * f);
        for (int i = 0; i < layers; i++) {
            layerForward(parameters, i);
        }
        pool(parameters);
    }

    private void layerForward(Map<String, INDArray> parameters, int i) {
        int cin = spec.fanIn(i);
        int cout = spec.channels().get(i);
        int k = spec.kernelSizes().get(i);
        int d = spec.dilations().get(i);
        int half = (k - 1) / 2;
        FloatPointer w = HostArrays.pointer(parameters.get(TdnnClassifier.convWeight(i)));
        int m = rows - 2 * pad;
        for (int j = 0; j < k; j++) {
            int s = (j - half) * d;
            gemm(false, false, m, cout, cin, in[i].pointer, (long) (pad + s) * cin, cin, w, (long) j * cin * cout, cout,
                    j == 0 ? 0f : 1f, scratch.pointer, (long) pad * cout, cout);
        }
        float[] y = scratchHeap;
        scratch.get(y, rows * cout);
        float[] bias = host(parameters.get(TdnnClassifier.convBias(i)));
        boolean norm = spec.layerNorm();
        float[] gain = norm ? host(parameters.get(TdnnClassifier.normGain(i))) : null;
        float[] shift = norm ? host(parameters.get(TdnnClassifier.normBias(i))) : null;
        float[] a = act[i];
        float[] h = inHeap[i + 1];
        zeroPadding(h, cout);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                int r = b * stride + pad + t;
                int o0 = r * cout;
                for (int o = 0; o < cout; o++) {
                    a[o0 + o] = Math.max(y[o0 + o] + bias[o], 0f);
                }
                if (!norm) {
                    System.arraycopy(a, o0, h, o0, cout);
                    continue;
                }
                float mean = sum(a, o0, cout) / cout;
                float inv = (float) (1 / Math.sqrt(sumOfSquares(a, o0, cout, mean) / cout + LAYER_NORM_EPS));
                invStd[i][r] = inv;
                float[] nv = normed[i];
                for (int o = 0; o < cout; o++) {
                    float v = (a[o0 + o] - mean) * inv;
                    nv[o0 + o] = v;
                    h[o0 + o] = v * gain[o] + shift[o];
                }
            }
        }
        in[i + 1].put(h, rows * cout);
    }

    /** Attentive statistics pooling of in[layers] per utterance, then the classifier. */
    private void pool(Map<String, INDArray> parameters) {
        int hw = spec.outputChannels();
        int ad = spec.attentionDim();
        int c = spec.numClasses();
        gemm(false, false, rows, ad, hw, in[layers].pointer, 0, hw, HostArrays.pointer(parameters.get("att_w")), 0, ad,
                0f, att.pointer, 0, ad);
        float[] z = attHeap;
        att.get(z, rows * ad);
        float[] attB = host(parameters.get("att_b"));
        float[] attV = host(parameters.get("att_v"));
        float[] x = inHeap[layers];
        double[] mean = new double[hw];
        double[] var = new double[hw];
        for (int b = 0; b < batch; b++) {
            int r0 = b * stride + pad;
            int n = lengths[b];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) {
                int r = r0 + t;
                double score = 0;
                for (int q = 0; q < ad; q++) {
                    float a = tanh(z[r * ad + q] + attB[q]);
                    z[r * ad + q] = a;
                    score += a * attV[q];
                }
                alpha[r] = (float) score;
                max = Math.max(max, score);
            }
            double sum = 0;
            for (int t = 0; t < n; t++) {
                double e = Math.exp(alpha[r0 + t] - max);
                alpha[r0 + t] = (float) e;
                sum += e;
            }
            Arrays.fill(mean, 0);
            Arrays.fill(var, 0);
            for (int t = 0; t < n; t++) {
                int r = r0 + t;
                alpha[r] = (float) (alpha[r] / sum);
                double al = alpha[r];
                for (int j = 0; j < hw; j++) {
                    mean[j] += al * x[r * hw + j];
                }
            }
            for (int t = 0; t < n; t++) {
                int r = r0 + t;
                double al = alpha[r];
                for (int j = 0; j < hw; j++) {
                    double dv = x[r * hw + j] - mean[j];
                    var[j] += al * dv * dv;
                }
            }
            int p0 = b * 2 * hw;
            for (int j = 0; j < hw; j++) {
                pooled[p0 + j] = (float) mean[j];
                pooled[p0 + hw + j] = (float) Math.sqrt(var[j] + STD_EPS);
            }
        }
        FloatBuffer w = HostArrays.view(parameters.get("cls_w"));
        float[] clsB = host(parameters.get("cls_b"));
        float[] clsW = new float[2 * hw * c];
        w.get(0, clsW, 0, clsW.length);
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < c; k++) {
                double s = clsB[k];
                for (int j = 0; j < 2 * hw; j++) {
                    s += (double) pooled[b * 2 * hw + j] * clsW[j * c + k];
                }
                logits[b * c + k] = (float) s;
            }
        }
    }

    private void backward(Map<String, INDArray> parameters, float[] dz) {
        int hw = spec.outputChannels();
        int ad = spec.attentionDim();
        int c = spec.numClasses();
        float[] clsW = host(parameters.get("cls_w"));
        // Classifier.
        float[] gClsW = new float[2 * hw * c];
        float[] gClsB = new float[c];
        float[] dPooled = new float[batch * 2 * hw];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < 2 * hw; j++) {
                double s = 0;
                float pj = pooled[b * 2 * hw + j];
                for (int k = 0; k < c; k++) {
                    float g = dz[b * c + k];
                    gClsW[j * c + k] += pj * g;
                    s += (double) g * clsW[j * c + k];
                }
                dPooled[b * 2 * hw + j] = (float) s;
            }
            for (int k = 0; k < c; k++) {
                gClsB[k] += dz[b * c + k];
            }
        }
        put("cls_w", gClsW);
        put("cls_b", gClsB);
        // Pooling: d loss / d x into dHeap, d loss / d (attention pre-activation) into the scratch rows.
        float[] attV = host(parameters.get("att_v"));
        float[] x = inHeap[layers];
        float[] a = attHeap;
        // Real rows of dx are assigned below; its padding rows are never read.
        float[] dx = dHeap;
        float[] dPre = scratchHeap;
        zeroPadding(dPre, ad);
        double[] gAttB = new double[ad];
        double[] gAttV = new double[ad];
        double[] mean = new double[hw];
        double[] dVar = new double[hw];
        double[] dMean = new double[hw];
        for (int b = 0; b < batch; b++) {
            int r0 = b * stride + pad;
            int n = lengths[b];
            int p0 = b * 2 * hw;
            for (int j = 0; j < hw; j++) {
                mean[j] = pooled[p0 + j];
                // std = sqrt(var + eps): d std / d var = 1 / (2 std)
                dVar[j] = dPooled[p0 + hw + j] / (2.0 * pooled[p0 + hw + j]);
            }
            // The mean's gradient: direct, plus through the variance's centring (-2 dVar sum_t alpha (x - mean),
            // zero up to rounding since the weights sum to 1).
            double[] centredSum = new double[hw];
            for (int t = 0; t < n; t++) {
                int r = r0 + t;
                for (int j = 0; j < hw; j++) {
                    centredSum[j] += alpha[r] * (x[r * hw + j] - mean[j]);
                }
            }
            for (int j = 0; j < hw; j++) {
                dMean[j] = dPooled[p0 + j] - 2 * dVar[j] * centredSum[j];
            }
            double[] dAlpha = new double[n];
            double weighted = 0;
            for (int t = 0; t < n; t++) {
                int r = r0 + t;
                double al = alpha[r];
                double s = 0;
                for (int j = 0; j < hw; j++) {
                    double cx = x[r * hw + j] - mean[j];
                    s += dMean[j] * x[r * hw + j] + dVar[j] * cx * cx;
                    dx[r * hw + j] = (float) (al * (dMean[j] + 2 * dVar[j] * cx));
                }
                dAlpha[t] = s;
                weighted += al * s;
            }
            for (int t = 0; t < n; t++) {
                int r = r0 + t;
                double dScore = alpha[r] * (dAlpha[t] - weighted);
                for (int q = 0; q < ad; q++) {
                    double aq = a[r * ad + q];
                    gAttV[q] += dScore * aq;
                    double g = dScore * attV[q] * (1 - aq * aq);
                    dPre[r * ad + q] = (float) g;
                    gAttB[q] += g;
                }
            }
        }
        put("att_b", gAttB);
        put("att_v", gAttV);
        att.put(dPre, rows * ad);
        gemm(true, false, hw, ad, rows, in[layers].pointer, 0, hw, att.pointer, 0, ad, 0f, grad("att_w"), 0, ad);
        gemm(false, true, rows, hw, ad, att.pointer, 0, ad, HostArrays.pointer(parameters.get("att_w")), 0, ad, 0f,
                dIn.pointer, 0, hw);
        dIn.get(dPrevHeap, rows * hw);
        for (int r = 0; r < rows * hw; r++) {
            dx[r] += dPrevHeap[r];
        }
        for (int i = layers - 1; i >= 0; i--) {
            layerBackward(parameters, i);
        }
    }

    /** Layer i's gradients from d loss / d (its masked output) in {@link #dHeap}; leaves d loss / d input there. */
    private void layerBackward(Map<String, INDArray> parameters, int i) {
        int cin = spec.fanIn(i);
        int cout = spec.channels().get(i);
        int k = spec.kernelSizes().get(i);
        int d = spec.dilations().get(i);
        int half = (k - 1) / 2;
        boolean norm = spec.layerNorm();
        float[] gain = norm ? host(parameters.get(TdnnClassifier.normGain(i))) : null;
        // Column sums over the batch's real frames, in float as the graph's reductions are.
        float[] gGain = new float[cout];
        float[] gShift = new float[cout];
        float[] gBias = new float[cout];
        float[] dn = new float[cout];
        float[] dh = dHeap;
        float[] dPre = scratchHeap;
        zeroPadding(dPre, cout);
        float[] a = act[i];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                int r = b * stride + pad + t;
                int o0 = r * cout;
                if (norm) {
                    float[] nv = normed[i];
                    for (int o = 0; o < cout; o++) {
                        float g = dh[o0 + o];
                        gGain[o] += g * nv[o0 + o];
                        gShift[o] += g;
                        dn[o] = g * gain[o];
                    }
                    float mg = sum(dn, 0, cout) / cout;
                    float mgn = dot(dn, nv, o0, cout) / cout;
                    float inv = invStd[i][r];
                    for (int o = 0; o < cout; o++) {
                        float v = (dn[o] - mg - nv[o0 + o] * mgn) * inv * active(a[o0 + o]);
                        dPre[o0 + o] = v;
                        gBias[o] += v;
                    }
                } else {
                    for (int o = 0; o < cout; o++) {
                        float v = dh[o0 + o] * active(a[o0 + o]);
                        dPre[o0 + o] = v;
                        gBias[o] += v;
                    }
                }
            }
        }
        if (norm) {
            put(TdnnClassifier.normGain(i), gGain);
            put(TdnnClassifier.normBias(i), gShift);
        }
        put(TdnnClassifier.convBias(i), gBias);
        dOut.put(dPre, rows * cout);
        int m = rows - 2 * pad;
        FloatPointer gw = grad(TdnnClassifier.convWeight(i));
        for (int j = 0; j < k; j++) {
            int s = (j - half) * d;
            gemm(true, false, cin, cout, m, in[i].pointer, (long) (pad + s) * cin, cin, dOut.pointer, (long) pad * cout,
                    cout, 0f, gw, (long) j * cin * cout, cout);
        }
        if (i == 0) {
            return;
        }
        FloatPointer w = HostArrays.pointer(parameters.get(TdnnClassifier.convWeight(i)));
        // The centre tap (offset 0) writes rows [P, rows - P) first; the others add to them and to the border rows,
        // which start at 0.
        dIn.view.put(0, zeros, 0, pad * cin);
        dIn.view.put((rows - pad) * cin, zeros, 0, pad * cin);
        gemm(false, true, m, cin, cout, dOut.pointer, (long) pad * cout, cout, w, (long) half * cin * cout, cout, 0f,
                dIn.pointer, (long) pad * cin, cin);
        for (int j = 0; j < k; j++) {
            if (j == half) {
                continue;
            }
            int s = (j - half) * d;
            gemm(false, true, m, cin, cout, dOut.pointer, (long) pad * cout, cout, w, (long) j * cin * cout, cout, 1f,
                    dIn.pointer, (long) (pad + s) * cin, cin);
        }
        // Padding rows of the input are masked (set to 0) in the forward pass: their gradient is never read.
        dIn.get(dh, rows * cin);
    }

    /**
     * ReLU's derivative at an output {@code a} = max(x, 0) (never -0): 1 where a > 0, else 0, without a branch (a
     * ReLU's pattern defeats branch prediction): for a >= 0 the bits of a are > 0 exactly when a > 0.
     */
    private static float active(float a) {
        return (Float.floatToRawIntBits(a) + 0x7fffffff) >>> 31;
    }

    /** sum of a[from .. from + n), in four running sums (no loop-carried dependence on one register). */
    private static float sum(float[] a, int from, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int o = 0;
        for (; o + 3 < n; o += 4) {
            s0 += a[from + o];
            s1 += a[from + o + 1];
            s2 += a[from + o + 2];
            s3 += a[from + o + 3];
        }
        for (; o < n; o++) {
            s0 += a[from + o];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** sum of (a[from + o] - mean)^2 over o < n, as {@link #sum}. */
    private static float sumOfSquares(float[] a, int from, int n, float mean) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int o = 0;
        for (; o + 3 < n; o += 4) {
            float c0 = a[from + o] - mean;
            float c1 = a[from + o + 1] - mean;
            float c2 = a[from + o + 2] - mean;
            float c3 = a[from + o + 3] - mean;
            s0 += c0 * c0;
            s1 += c1 * c1;
            s2 += c2 * c2;
            s3 += c3 * c3;
        }
        for (; o < n; o++) {
            float c = a[from + o] - mean;
            s0 += c * c;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** sum of x[o] y[from + o] over o < n, as {@link #sum}. */
    private static float dot(float[] x, float[] y, int from, int n) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int o = 0;
        for (; o + 3 < n; o += 4) {
            s0 += x[o] * y[from + o];
            s1 += x[o + 1] * y[from + o + 1];
            s2 += x[o + 2] * y[from + o + 2];
            s3 += x[o + 3] * y[from + o + 3];
        }
        for (; o < n; o++) {
            s0 += x[o] * y[from + o];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Sets the padding rows of {@code a} [rows, width] (borders and each utterance's tail) to 0. */
    private void zeroPadding(float[] a, int width) {
        for (int b = 0; b < batch; b++) {
            int r0 = b * stride;
            Arrays.fill(a, r0 * width, (r0 + pad) * width, 0f);
            Arrays.fill(a, (r0 + pad + lengths[b]) * width, (r0 + stride) * width, 0f);
        }
    }

    /** tanh from one exp (the JDK's is StrictMath's, several times slower); within float rounding of it. */
    private static float tanh(double x) {
        return (float) (1 - 2 / (Math.exp(2 * x) + 1));
    }

    private float[] host(INDArray a) {
        float[] out = new float[(int) a.length()];
        HostArrays.view(a).get(0, out, 0, out.length);
        return out;
    }

    private FloatPointer grad(String name) {
        return HostArrays.pointer(gradients.get(name));
    }

    private void put(String name, float[] values) {
        HostArrays.view(gradients.get(name)).put(0, values, 0, values.length);
    }

    private void put(String name, double[] values) {
        FloatBuffer g = HostArrays.view(gradients.get(name));
        for (int j = 0; j < values.length; j++) {
            g.put(j, (float) values[j]);
        }
    }

    /** Grows the per-batch buffers to {@code n} rows. */
    private void ensure(int n) {
        if (n <= capacity) {
            if (logits.length < batch * spec.numClasses()) {
                growPerUtterance();
            }
            return;
        }
        in = new Native[layers + 1];
        inHeap = new float[layers + 1][];
        act = new float[layers][];
        normed = new float[layers][];
        invStd = new float[layers][];
        for (int i = 0; i <= layers; i++) {
            int w = i == 0 ? spec.inputDim() : spec.channels().get(i - 1);
            in[i] = Native.allocate((long) n * w);
            inHeap[i] = new float[n * w];
            if (i < layers) {
                act[i] = new float[n * spec.channels().get(i)];
                if (spec.layerNorm()) {
                    normed[i] = new float[n * spec.channels().get(i)];
                    invStd[i] = new float[n];
                }
            }
        }
        scratch = Native.allocate((long) n * widest);
        scratchHeap = new float[n * widest];
        dOut = Native.allocate((long) n * widest);
        dIn = Native.allocate((long) n * widest);
        dHeap = new float[n * widest];
        dPrevHeap = new float[n * widest];
        zeros = new float[Math.max(pad, 1) * widest];
        att = Native.allocate((long) n * spec.attentionDim());
        attHeap = new float[n * spec.attentionDim()];
        alpha = new float[n];
        capacity = n;
        growPerUtterance();
    }

    private void growPerUtterance() {
        pooled = new float[batch * 2 * spec.outputChannels()];
        logits = new float[batch * spec.numClasses()];
    }

    /**
     * C[m, n] = op(A) op(B) + beta C, row-major, each matrix starting {@code *Off} floats after its pointer: op(A) is
     * [m, k] (A stored [k, m] when {@code transA}), op(B) [k, n] (B stored [n, k] when {@code transB}).
     */
    private static void gemm(boolean transA, boolean transB, int m, int n, int k, FloatPointer a, long aOff, int lda,
                             FloatPointer b, long bOff, int ldb, float beta, FloatPointer c, long cOff, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, 1f, at(a, aOff), lda,
                at(b, bOff), ldb, beta, at(c, cOff), ldc);
    }

    private static FloatPointer at(FloatPointer p, long offset) {
        return offset == 0 ? p : new FloatPointer(p).position(p.position() + offset);
    }

    /** Native floats: a pointer for OpenBLAS and a buffer view of the same memory for Java. */
    private record Native(FloatPointer pointer, FloatBuffer view) {
        static Native allocate(long n) {
            FloatPointer p = new FloatPointer(Math.max(n, 1));
            return new Native(p, p.asBuffer());
        }

        void put(float[] src, int n) {
            view.put(0, src, 0, n);
        }

        void get(float[] dst, int n) {
            view.get(0, dst, 0, n);
        }
    }
}
