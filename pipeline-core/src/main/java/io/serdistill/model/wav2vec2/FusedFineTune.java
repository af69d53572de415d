package io.serdistill.model.wav2vec2;

import io.serdistill.model.Classifier;
import io.serdistill.model.FusedLoss;
import io.serdistill.model.HostArrays;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Wav2Vec2FineTuneModel}'s {@link io.serdistill.model.TrainingEngine#FUSED} path: the same network (feature
 * projection, weight-normed grouped positional conv + GELU, post-LN or pre-LN transformer layers, mean-pooling head
 * with optional layer weighting) and the same loss ({@link FusedLoss}) as its SameDiff graph, with a forward pass that
 * keeps the activations the backward pass needs and a hand-written backward pass. Every matrix product is one
 * OpenBLAS sgemm on the model's live parameter arrays or on native buffers kept between steps (grown to the largest
 * batch seen); the element-wise parts (layer norms, GELU, softmax, the head, the loss) are plain Java loops. No graph
 * runs and no ND4J array is allocated per step.
 *
 * <p>Rows are frames, [B * T, width] row-major, T the batch's longest utterance. Padding rows are computed like
 * real ones (as the graph does) but never read by a real row: attention keys stop at each utterance's real frames,
 * projected features of padding frames are zeroed before the positional conv, and pooling reads real frames only;
 * their gradients are therefore exactly zero. The positional conv is, per utterance and group, im2col from a
 * zero-padded group-major copy of its input (one copy per patch row) and one GEMM, with its weight g v / ||v|| laid
 * out tap-major once per step.
 *
 * <p>CPU backend only (the arrays must be host memory); float32 parameters only. Not thread-safe, like the model.
 */
final class FusedFineTune {
    private static final String FP = "feature_projection.";
    private static final String POS = "encoder.pos_conv_embed.conv.";
    private static final String ENC_LN = "encoder.layer_norm";
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final float[] ZEROS = new float[4096];

    private final Wav2Vec2Config config;
    private final HeadSpec head;
    private final int f;
    private final int h;
    private final int ffn;
    private final int heads;
    private final int headDim;
    private final int numLayers;
    private final int kernel;
    private final int groups;
    private final int per;
    private final int pad;
    private final float eps;
    private final boolean stable;
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private final Map<String, Buf> pool = new HashMap<>();
    private final Map<String, float[]> heap = new HashMap<>();
    private FusedLoss loss;

    // The current batch.
    private Map<String, INDArray> params;
    private int batch;
    private int frames;
    private int rows;
    private int[] real;
    /** Start of utterance b's attention probabilities in each layer's buffer, per head block of frames x real[b]. */
    private long[] probOffset;
    /** Per state: the mean over real frames, [B][H]. */
    private double[][][] pooledStates;
    private double[] layerWeights;
    private double[][] pooled;
    private double[][] projected;
    private float[] logits;

    FusedFineTune(Wav2Vec2Config config, HeadSpec head, Map<String, INDArray> parameters) {
        if (head.pooling() != HeadSpec.Pooling.MEAN || head.prePooled()) {
            throw new IllegalArgumentException("the fused path has mean pooling over frames only, not " + head);
        }
        this.config = config;
        this.head = head;
        this.f = config.featureDim();
        this.h = config.hiddenSize();
        this.ffn = config.intermediateSize();
        this.heads = config.numAttentionHeads();
        this.headDim = h / heads;
        this.numLayers = config.numHiddenLayers();
        this.kernel = config.numConvPosEmbeddings();
        this.groups = config.numConvPosEmbeddingGroups();
        this.per = h / groups;
        this.pad = kernel / 2;
        this.eps = (float) config.layerNormEps();
        this.stable = config.doStableLayerNorm();
        parameters.forEach((n, p) -> {
            if (!HostArrays.dense(p)) {
                throw new IllegalArgumentException("parameter " + n + " is not a dense float array");
            }
            gradients.put(n, Nd4j.create(DataType.FLOAT, p.shape(), 'c'));
        });
    }

    /** Whether the fused path computes this head. */
    static boolean supports(HeadSpec head) {
        return head.pooling() == HeadSpec.Pooling.MEAN && !head.prePooled();
    }

    void prepare(FusedLoss loss) {
        this.loss = loss;
    }

    /** Logits [B][classes] of a padded batch ({@code parameters}: the model's live arrays). */
    float[][] logits(Map<String, INDArray> parameters, INDArray features, int[] realFrames) {
        forward(parameters, features, realFrames);
        int c = head.numClasses();
        float[][] out = new float[batch][c];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(logits, b * c, out[b], 0, c);
        }
        return out;
    }

    /**
     * Loss and gradients of a padded batch: features [B, T, F] (dense float, zero-padded), each utterance's real
     * frames, labels, soft targets (when the loss has them), class weights (null: all 1). The gradient arrays are
     * this object's, overwritten by the next step.
     */
    Classifier.Step step(Map<String, INDArray> parameters, INDArray features, int[] realFrames, int[] labels,
                         List<float[]> targets, float[] classWeights) {
        if (loss == null) {
            throw new IllegalStateException("call prepareTraining first");
        }
        forward(parameters, features, realFrames);
        int c = head.numClasses();
        float[] dz = new float[batch * c];
        double value = loss.lossAndDelta(logits, batch, c, labels, targets, classWeights, dz);
        backward(dz);
        return new Classifier.Step(value, gradients, false);
    }

    /** Hidden state i of the last forward pass, [B * T * H] (for stable models state L before the final norm). */
    float[] hiddenState(int i) {
        float[] out = new float[rows * h];
        state(i).get(0, out, rows * h);
        return out;
    }

    // ---- forward ------------------------------------------------------------------------------------------------

    private void forward(Map<String, INDArray> parameters, INDArray features, int[] realFrames) {
        if (features.rank() != 3 || features.size(2) != f || features.size(0) != realFrames.length) {
            throw new IllegalArgumentException("features " + java.util.Arrays.toString(features.shape())
                    + " do not fit " + realFrames.length + " utterances of " + f + " channels");
        }
        this.params = parameters;
        this.batch = realFrames.length;
        this.frames = (int) features.size(1);
        this.rows = batch * frames;
        this.real = realFrames.clone();
        for (int b = 0; b < batch; b++) {
            if (real[b] < 1 || real[b] > frames) {
                throw new IllegalArgumentException("utterance " + b + " has " + real[b] + " real frames of " + frames);
            }
        }
        probOffset = new long[batch + 1];
        for (int b = 0; b < batch; b++) {
            probOffset[b + 1] = probOffset[b] + (long) heads * frames * real[b];
        }
        INDArray dense = HostArrays.dense(features) ? features : features.castTo(DataType.FLOAT).dup('c');
        Buf input = buf("input", (long) rows * f);
        copy(new Buf(HostArrays.pointer(dense), HostArrays.view(dense)), 0, input, 0, (long) rows * f);

        // feature projection: LN over the CNN channels, linear, padding frames zeroed
        Buf lnF = buf("fp.ln", (long) rows * f);
        layerNorm(input, lnF, f, FP + "layer_norm", buf("fp.xhat", (long) rows * f), floats("fp.inv", rows));
        Buf x0 = buf("x0", (long) rows * h);
        linear(lnF, FP + "projection", h, f, x0, null);
        for (int b = 0; b < batch; b++) {
            zero(x0, ((long) b * frames + real[b]) * h, (long) (frames - real[b]) * h);
        }
        // x1 = x0 + GELU(pos conv(x0)); the conv's pre-activation kept
        Buf conv = buf("pos.pre", (long) rows * h);
        positionalForward(x0, conv);
        Buf x1 = stable ? state(0) : buf("x1", (long) rows * h);
        geluResidual(conv, x0, x1);
        if (!stable) {
            layerNorm(x1, state(0), h, ENC_LN, buf("enc.xhat", (long) rows * h), floats("enc.inv", rows));
        }
        for (int i = 0; i < numLayers; i++) {
            if (stable) {
                stableLayer(i, state(i), state(i + 1));
            } else {
                baseLayer(i, state(i), state(i + 1));
            }
        }
        Buf last = state(numLayers);
        if (stable) {
            Buf normed = buf("last.ln", (long) rows * h);
            layerNorm(last, normed, h, ENC_LN, buf("enc.xhat", (long) rows * h), floats("enc.inv", rows));
            last = normed;
        }
        headForward(last);
    }

    /** Hidden state i's buffer ([B * T, H]); for stable models state L is before the final encoder norm. */
    private Buf state(int i) {
        return buf("state." + i, (long) rows * h);
    }

    private void baseLayer(int i, Buf in, Buf out) {
        String p = "encoder.layers." + i + ".";
        String s = "l" + i + ".";
        long n = (long) rows * h;
        attentionForward(p, s, in);
        Buf s1 = buf("tmp.a", n);
        linear(buf(s + "ctx", n), p + "attention.out_proj", h, h, s1, in);
        Buf a = buf(s + "a", n);
        layerNorm(s1, a, h, p + "layer_norm", buf(s + "xhat1", n), floats(s + "inv1", rows));
        feedForwardForward(p, s, a, buf("tmp.b", n), a);
        layerNorm(buf("tmp.b", n), out, h, p + "final_layer_norm", buf(s + "xhat2", n), floats(s + "inv2", rows));
    }

    private void stableLayer(int i, Buf in, Buf out) {
        String p = "encoder.layers." + i + ".";
        String s = "l" + i + ".";
        long n = (long) rows * h;
        Buf u = buf(s + "u", n);
        layerNorm(in, u, h, p + "layer_norm", buf(s + "xhat1", n), floats(s + "inv1", rows));
        attentionForward(p, s, u);
        Buf a = buf(s + "a", n);
        linear(buf(s + "ctx", n), p + "attention.out_proj", h, h, a, in);
        Buf w = buf(s + "w", n);
        layerNorm(a, w, h, p + "final_layer_norm", buf(s + "xhat2", n), floats(s + "inv2", rows));
        feedForwardForward(p, s, w, out, a);
    }

    /** q (scaled by 1 / sqrt(head dim)), k, v of {@code u}, softmax(q k^T) over real keys, context. */
    private void attentionForward(String p, String s, Buf u) {
        long n = (long) rows * h;
        Buf q = buf(s + "q", n);
        Buf k = buf(s + "k", n);
        Buf v = buf(s + "v", n);
        linear(u, p + "attention.q_proj", h, h, q, null);
        linear(u, p + "attention.k_proj", h, h, k, null);
        linear(u, p + "attention.v_proj", h, h, v, null);
        scale(q, n, (float) (1 / Math.sqrt(headDim)));
        Buf probs = buf(s + "p", probOffset[batch]);
        Buf ctx = buf(s + "ctx", n);
        for (int b = 0; b < batch; b++) {
            int keys = real[b];
            for (int hd = 0; hd < heads; hd++) {
                long block = (long) b * frames * h + (long) hd * headDim;
                long pAt = probOffset[b] + (long) hd * frames * keys;
                gemm(false, true, frames, keys, headDim, 1f, q, block, h, k, block, h, 0f, probs, pAt, keys);
                softmaxRows(probs, pAt, frames, keys);
                gemm(false, false, frames, headDim, keys, 1f, probs, pAt, keys, v, block, h, 0f, ctx, block, h);
            }
        }
    }

    /** out = residual + W2 GELU(W1 x + b1) + b2; the pre-activation and the activation kept. */
    private void feedForwardForward(String p, String s, Buf x, Buf out, Buf residual) {
        long n = (long) rows * ffn;
        Buf pre = buf(s + "f1", n);
        linear(x, p + "feed_forward.intermediate_dense", ffn, h, pre, null);
        Buf act = buf(s + "g1", n);
        gelu(pre, act, n);
        linear(act, p + "feed_forward.output_dense", h, ffn, out, residual);
    }

    /** conv [B * T, H] = grouped conv of x0 with weight g v / ||v|| and bias (before the GELU). */
    private void positionalForward(Buf x0, Buf conv) {
        Buf weight = buf("pos.w", (long) h * kernel * per);
        float[] norms = floats("pos.norm", kernel);
        positionalWeight(weight, norms);
        int padded = frames + 2 * pad;
        Buf xpad = buf("pos.xpad", (long) batch * groups * padded * per);
        zero(xpad, 0, (long) batch * groups * padded * per);
        float[] row = floats("row.h", h);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < frames; t++) {
                x0.get(((long) b * frames + t) * h, row, h);
                for (int g = 0; g < groups; g++) {
                    xpad.put((((long) b * groups + g) * padded + t + pad) * per, row, g * per, per);
                }
            }
        }
        fillRows(conv, rows, h, params(POS + "bias"), null);
        int width = kernel * per;
        Buf patches = buf("pos.patch", (long) frames * width);
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < groups; g++) {
                patches(xpad, ((long) b * groups + g) * padded * per, patches);
                gemm(false, true, frames, per, width, 1f, patches, 0, width, weight, (long) g * per * width, width, 1f,
                        conv, (long) b * frames * h + (long) g * per, h);
            }
        }
    }

    /**
     * im2col of one (utterance, group) block of the padded group-major input: patch row t = padded rows t .. t + k - 1,
     * which lie next to each other, so each row is one copy.
     */
    private void patches(Buf xpad, long at, Buf patches) {
        int width = kernel * per;
        for (int t = 0; t < frames; t++) {
            copy(xpad, at + (long) t * per, patches, (long) t * width, width);
        }
    }

    /** The conv weight tap-major, [H][kernel * per] with element (o, j * per + c) = g_j v[o, c, j] / ||v[:, :, j]||. */
    private void positionalWeight(Buf weight, float[] norms) {
        FloatBuffer g = params(POS + "weight_g");
        FloatBuffer v = params(POS + "weight_v");
        double[] sq = new double[kernel];
        int n = h * per * kernel;
        float[] va = floats("pos.v", n);
        v.get(0, va, 0, n);
        for (int i = 0; i < n; i++) {
            sq[i % kernel] += (double) va[i] * va[i];
        }
        float[] scale = new float[kernel];
        for (int j = 0; j < kernel; j++) {
            norms[j] = (float) Math.sqrt(sq[j]);
            scale[j] = (float) (g.get(j) / Math.sqrt(sq[j]));
        }
        float[] w = floats("pos.wt", n);
        for (int o = 0; o < h; o++) {
            for (int c = 0; c < per; c++) {
                int src = (o * per + c) * kernel;
                for (int j = 0; j < kernel; j++) {
                    w[o * kernel * per + j * per + c] = va[src + j] * scale[j];
                }
            }
        }
        weight.put(0, w, 0, n);
    }

    /**
     * The head: per hidden state the mean over real frames; layer weighting is a softmax-weighted sum of those means
     * (pooling is linear); projector and classifier.
     */
    private void headForward(Buf last) {
        int states = head.layerWeighting() ? numLayers + 1 : 1;
        pooledStates = new double[states][][];
        for (int l = 0; l < states; l++) {
            Buf s = !head.layerWeighting() ? last : l == numLayers ? last : state(l);
            pooledStates[l] = meanOverRealFrames(s);
        }
        layerWeights = new double[states];
        if (head.layerWeighting()) {
            FloatBuffer lg = params(Wav2Vec2Head.LAYER_LOGITS);
            double max = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < states; l++) {
                max = Math.max(max, lg.get(l));
            }
            double sum = 0;
            for (int l = 0; l < states; l++) {
                layerWeights[l] = Math.exp(lg.get(l) - max);
                sum += layerWeights[l];
            }
            for (int l = 0; l < states; l++) {
                layerWeights[l] /= sum;
            }
        } else {
            layerWeights[0] = 1;
        }
        pooled = new double[batch][h];
        for (int l = 0; l < states; l++) {
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < h; j++) {
                    pooled[b][j] += layerWeights[l] * pooledStates[l][b][j];
                }
            }
        }
        int pd = head.projectorDim();
        int c = head.numClasses();
        projected = affine(pooled, params("proj_w"), params("proj_b"), h, pd);
        double[][] z = affine(projected, params("cls_w"), params("cls_b"), pd, c);
        logits = new float[batch * c];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < c; k++) {
                logits[b * c + k] = (float) z[b][k];
            }
        }
    }

    private double[][] meanOverRealFrames(Buf s) {
        double[][] out = new double[batch][h];
        float[] row = floats("row.h", h);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < real[b]; t++) {
                s.get(((long) b * frames + t) * h, row, h);
                for (int j = 0; j < h; j++) {
                    out[b][j] += row[j];
                }
            }
            for (int j = 0; j < h; j++) {
                out[b][j] /= real[b];
            }
        }
        return out;
    }

    /** x W + b for x [B][in], W [in, out] (x W layout), b [out]. */
    private double[][] affine(double[][] x, FloatBuffer w, FloatBuffer bias, int in, int out) {
        double[][] y = new double[x.length][out];
        for (int b = 0; b < x.length; b++) {
            for (int o = 0; o < out; o++) {
                y[b][o] = bias.get(o);
            }
            for (int i = 0; i < in; i++) {
                double xi = x[b][i];
                for (int o = 0; o < out; o++) {
                    y[b][o] += xi * w.get(i * out + o);
                }
            }
        }
        return y;
    }

    // ---- backward -----------------------------------------------------------------------------------------------

    private void backward(float[] dz) {
        int c = head.numClasses();
        int pd = head.projectorDim();
        double[][] dLogits = new double[batch][c];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < c; k++) {
                dLogits[b][k] = dz[b * c + k];
            }
        }
        double[][] dProjected = affineBackward(projected, dLogits, params("cls_w"), "cls_w", "cls_b", pd, c);
        double[][] dPooled = affineBackward(pooled, dProjected, params("proj_w"), "proj_w", "proj_b", h, pd);
        if (head.layerWeighting()) {
            int states = numLayers + 1;
            double[] dw = new double[states];
            for (int l = 0; l < states; l++) {
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < h; j++) {
                        dw[l] += dPooled[b][j] * pooledStates[l][b][j];
                    }
                }
            }
            double mean = 0;
            for (int l = 0; l < states; l++) {
                mean += layerWeights[l] * dw[l];
            }
            FloatBuffer g = grad(Wav2Vec2Head.LAYER_LOGITS);
            for (int l = 0; l < states; l++) {
                g.put(l, (float) (layerWeights[l] * (dw[l] - mean)));
            }
        }
        long n = (long) rows * h;
        // d loss / d (last state); then down the layers, each state also receiving its share of the pooled gradient
        Buf dx = buf("d.x", n);
        zero(dx, 0, n);
        int top = head.layerWeighting() ? numLayers : 0;
        if (stable) {
            Buf dLast = buf("d.tmp", n);
            zero(dLast, 0, n);
            addPooledGradient(dLast, dPooled, layerWeights[top]);
            layerNormBackward(dLast, buf("enc.xhat", n), floats("enc.inv", rows), h, ENC_LN, dx, false);
        } else {
            addPooledGradient(dx, dPooled, layerWeights[top]);
        }
        for (int i = numLayers - 1; i >= 0; i--) {
            if (stable) {
                stableLayerBackward(i, dx);
            } else {
                baseLayerBackward(i, dx);
            }
            if (head.layerWeighting()) {
                addPooledGradient(dx, dPooled, layerWeights[i]);
            }
        }
        // state 0 = x1 (stable) or LN(x1) (base), x1 = x0 + GELU(conv(x0))
        Buf dx1 = dx;
        if (!stable) {
            dx1 = buf("d.tmp", n);
            layerNormBackward(dx, buf("enc.xhat", n), floats("enc.inv", rows), h, ENC_LN, dx1, false);
        }
        Buf dConv = buf("d.conv", n);
        geluBackward(dx1, buf("pos.pre", n), dConv, n);
        Buf dx0 = dx1; // x0's gradient: the residual's plus the conv's, accumulated in place
        positionalBackward(dConv, dx0);
        for (int b = 0; b < batch; b++) {
            zero(dx0, ((long) b * frames + real[b]) * h, (long) (frames - real[b]) * h);
        }
        Buf dLnF = buf("d.lnf", (long) rows * f);
        linearBackward(buf("fp.ln", (long) rows * f), dx0, FP + "projection", h, f, dLnF, false);
        normParameterGradients(dLnF, buf("fp.xhat", (long) rows * f), f, FP + "layer_norm");
    }

    /** Adds weight * dPooled[b] / real[b] to every real row of utterance b. */
    private void addPooledGradient(Buf d, double[][] dPooled, double weight) {
        float[] row = floats("row.h", h);
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < real[b]; t++) {
                long at = ((long) b * frames + t) * h;
                d.get(at, row, h);
                for (int j = 0; j < h; j++) {
                    row[j] += (float) (weight * dPooled[b][j] / real[b]);
                }
                d.put(at, row, 0, h);
            }
        }
    }

    /** Gradients of y = x W + b (x W layout) into W's and b's arrays; returns d loss / dx. */
    private double[][] affineBackward(double[][] x, double[][] dy, FloatBuffer w, String wName, String bName, int in,
                                      int out) {
        FloatBuffer gw = grad(wName);
        FloatBuffer gb = grad(bName);
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int b = 0; b < batch; b++) {
                s += dy[b][o];
            }
            gb.put(o, (float) s);
        }
        double[][] dx = new double[batch][in];
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int b = 0; b < batch; b++) {
                    s += x[b][i] * dy[b][o];
                }
                gw.put(i * out + o, (float) s);
                double wio = w.get(i * out + o);
                for (int b = 0; b < batch; b++) {
                    dx[b][i] += dy[b][o] * wio;
                }
            }
        }
        return dx;
    }

    /** dx holds d loss / d (layer i's output) and becomes d loss / d (its input). */
    private void baseLayerBackward(int i, Buf dx) {
        String p = "encoder.layers." + i + ".";
        String s = "l" + i + ".";
        long n = (long) rows * h;
        Buf ds2 = buf("d.a", n);
        layerNormBackward(dx, buf(s + "xhat2", n), floats(s + "inv2", rows), h, p + "final_layer_norm", ds2, false);
        // ds2 is d s2 = d a (residual) + d FFN output; the FFN's input gradient accumulates onto it
        feedForwardBackward(p, s, buf(s + "a", n), ds2, ds2, true);
        layerNormBackward(ds2, buf(s + "xhat1", n), floats(s + "inv1", rows), h, p + "layer_norm", dx, false);
        // dx is now d s1 = d in (residual) + d attention output; attention's input gradient accumulates onto it
        attentionBackward(p, s, state(i), dx, dx);
    }

    private void stableLayerBackward(int i, Buf dx) {
        String p = "encoder.layers." + i + ".";
        String s = "l" + i + ".";
        long n = (long) rows * h;
        // out = a + FFN(LN2(a)): dx becomes d a
        Buf dw = buf("d.a", n);
        feedForwardBackward(p, s, buf(s + "w", n), dx, dw, false);
        layerNormBackward(dw, buf(s + "xhat2", n), floats(s + "inv2", rows), h, p + "final_layer_norm", dx, true);
        // a = in + attention(LN1(in)): dx becomes d in
        Buf du = buf("d.u", n);
        attentionBackward(p, s, buf(s + "u", n), dx, du);
        layerNormBackward(du, buf(s + "xhat1", n), floats(s + "inv1", rows), h, p + "layer_norm", dx, true);
    }

    /**
     * The FFN's backward pass from dOut (its output's gradient): parameter gradients, and d loss / d x written into
     * dx (added to it when {@code accumulate}; dx may be dOut then).
     */
    private void feedForwardBackward(String p, String s, Buf x, Buf dOut, Buf dx, boolean accumulate) {
        long n = (long) rows * ffn;
        Buf dAct = buf("d.ffn", n);
        linearBackward(buf(s + "g1", n), dOut, p + "feed_forward.output_dense", h, ffn, dAct, false);
        geluBackward(dAct, buf(s + "f1", n), dAct, n);
        linearBackward(x, dAct, p + "feed_forward.intermediate_dense", ffn, h, dx, accumulate);
    }

    /**
     * Self-attention's backward pass from dOut (the out projection's output gradient): parameter gradients, and
     * d loss / d u (its input) written into du, or added when du is dOut.
     */
    private void attentionBackward(String p, String s, Buf u, Buf dOut, Buf du) {
        long n = (long) rows * h;
        Buf dCtx = buf("d.ctx", n);
        linearBackward(buf(s + "ctx", n), dOut, p + "attention.out_proj", h, h, dCtx, false);
        Buf q = buf(s + "q", n);
        Buf k = buf(s + "k", n);
        Buf v = buf(s + "v", n);
        Buf probs = buf(s + "p", probOffset[batch]);
        Buf dq = buf("d.q", n);
        Buf dk = buf("d.k", n);
        Buf dv = buf("d.v", n);
        zero(dk, 0, n);
        zero(dv, 0, n);
        float scale = (float) (1 / Math.sqrt(headDim));
        for (int b = 0; b < batch; b++) {
            int keys = real[b];
            Buf dp = buf("d.p", (long) frames * keys);
            for (int hd = 0; hd < heads; hd++) {
                long block = (long) b * frames * h + (long) hd * headDim;
                long pAt = probOffset[b] + (long) hd * frames * keys;
                gemm(false, true, frames, keys, headDim, 1f, dCtx, block, h, v, block, h, 0f, dp, 0, keys);
                gemm(true, false, keys, headDim, frames, 1f, probs, pAt, keys, dCtx, block, h, 0f, dv, block, h);
                softmaxBackwardRows(probs, pAt, dp, frames, keys);
                gemm(false, false, frames, headDim, keys, scale, dp, 0, keys, k, block, h, 0f, dq, block, h);
                gemm(true, false, keys, headDim, frames, 1f, dp, 0, keys, q, block, h, 0f, dk, block, h);
            }
        }
        boolean accumulate = du == dOut;
        linearBackward(u, dq, p + "attention.q_proj", h, h, du, accumulate);
        linearBackward(u, dk, p + "attention.k_proj", h, h, du, true);
        linearBackward(u, dv, p + "attention.v_proj", h, h, du, true);
    }

    /** Adds the conv's input gradient (from dConv, its pre-activation's) to dx0; the conv's parameter gradients. */
    private void positionalBackward(Buf dConv, Buf dx0) {
        int padded = frames + 2 * pad;
        int width = kernel * per;
        Buf xpad = buf("pos.xpad", (long) batch * groups * padded * per);
        Buf weight = buf("pos.w", (long) h * width);
        Buf dWeight = buf("d.pos.w", (long) h * width);
        Buf dPatch = buf("d.pos.patch", (long) frames * width);
        Buf patches = buf("pos.patch", (long) frames * width);
        float[] patchRow = floats("row.patch", width);
        float[] acc = floats("pos.dxpad", padded * per);
        float[] row = floats("row.h", h);
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < groups; g++) {
                long xAt = ((long) b * groups + g) * padded * per;
                long dAt = (long) b * frames * h + (long) g * per;
                patches(xpad, xAt, patches);
                gemm(true, false, per, width, frames, 1f, dConv, dAt, h, patches, 0, width, b == 0 ? 0f : 1f, dWeight,
                        (long) g * per * width, width);
                gemm(false, false, frames, width, per, 1f, dConv, dAt, h, weight, (long) g * per * width, width, 0f,
                        dPatch, 0, width);
                java.util.Arrays.fill(acc, 0, padded * per, 0f);
                for (int t = 0; t < frames; t++) {
                    dPatch.get((long) t * width, patchRow, width);
                    int base = t * per;
                    for (int i = 0; i < width; i++) {
                        acc[base + i] += patchRow[i];
                    }
                }
                for (int t = 0; t < frames; t++) {
                    long at = ((long) b * frames + t) * h + (long) g * per;
                    dx0.get(at, row, per);
                    for (int c = 0; c < per; c++) {
                        row[c] += acc[(t + pad) * per + c];
                    }
                    dx0.put(at, row, 0, per);
                }
            }
        }
        // bias: column sums of dConv
        columnSums(dConv, rows, h, grad(POS + "bias"));
        // weight norm: w = g v / ||v|| per tap j
        int n = h * per * kernel;
        float[] dw = floats("pos.dw", n);
        float[] dwt = floats("pos.dwt", n);
        dWeight.get(0, dwt, n);
        for (int o = 0; o < h; o++) {
            for (int c = 0; c < per; c++) {
                int dst = (o * per + c) * kernel;
                for (int j = 0; j < kernel; j++) {
                    dw[dst + j] = dwt[o * width + j * per + c];
                }
            }
        }
        float[] va = floats("pos.v", n); // filled by positionalWeight this step
        float[] norms = floats("pos.norm", kernel);
        FloatBuffer g = params(POS + "weight_g");
        double[] dot = new double[kernel];
        for (int i = 0; i < n; i++) {
            dot[i % kernel] += (double) dw[i] * va[i];
        }
        FloatBuffer gg = grad(POS + "weight_g");
        float[] dg = new float[kernel];
        float[] a = new float[kernel];
        float[] bb = new float[kernel];
        for (int j = 0; j < kernel; j++) {
            dg[j] = (float) (dot[j] / norms[j]);
            gg.put(j, dg[j]);
            a[j] = g.get(j) / norms[j];
            bb[j] = a[j] * dg[j] / norms[j];
        }
        float[] dv = floats("pos.dv", n);
        for (int i = 0; i < n; i++) {
            int j = i % kernel;
            dv[i] = a[j] * dw[i] - bb[j] * va[i];
        }
        grad(POS + "weight_v").put(0, dv, 0, n);
    }

    // ---- building blocks ----------------------------------------------------------------------------------------

    /** y [rows, out] = x [rows, in] W^T + b (+ residual), W the named [out, in] parameter. */
    private void linear(Buf x, String name, int out, int in, Buf y, Buf residual) {
        fillRows(y, rows, out, params(name + ".bias"), residual);
        gemm(false, true, rows, out, in, 1f, x, 0, in, pointerBuf(name + ".weight"), 0, in, 1f, y, 0, out);
    }

    /**
     * Gradients of y = x W^T + b from dy: W's (dy^T x) and b's (column sums of dy) into their arrays, and, when dx is
     * not null, d loss / dx = dy W written into dx (added when {@code accumulate}); dx is not dy.
     */
    private void linearBackward(Buf x, Buf dy, String name, int out, int in, Buf dx, boolean accumulate) {
        gemm(true, false, out, in, rows, 1f, dy, 0, out, x, 0, in, 0f, gradBuf(name + ".weight"), 0, in);
        columnSums(dy, rows, out, grad(name + ".bias"));
        if (dx != null) {
            gemm(false, false, rows, in, out, 1f, dy, 0, out, pointerBuf(name + ".weight"), 0, in, accumulate ? 1f : 0f,
                    dx, 0, in);
        }
    }

    /** Every row of y [n, width] := bias (+ the residual's row). */
    private void fillRows(Buf y, int n, int width, FloatBuffer bias, Buf residual) {
        float[] b = floats("row.bias", width);
        bias.get(0, b, 0, width);
        float[] row = floats("row.fill", width);
        for (int r = 0; r < n; r++) {
            long at = (long) r * width;
            if (residual == null) {
                y.put(at, b, 0, width);
            } else {
                residual.get(at, row, width);
                for (int j = 0; j < width; j++) {
                    row[j] += b[j];
                }
                y.put(at, row, 0, width);
            }
        }
    }

    private void columnSums(Buf d, int n, int width, FloatBuffer out) {
        double[] s = new double[width];
        float[] row = floats("row.sum", width);
        for (int r = 0; r < n; r++) {
            d.get((long) r * width, row, width);
            for (int j = 0; j < width; j++) {
                s[j] += row[j];
            }
        }
        for (int j = 0; j < width; j++) {
            out.put(j, (float) s[j]);
        }
    }

    /** LayerNorm over rows of width dim (biased variance, eps inside the root); x-hat and 1 / std kept. */
    private void layerNorm(Buf x, Buf y, int dim, String name, Buf xhat, float[] inv) {
        float[] g = floats("ln.g", dim);
        float[] bias = floats("ln.b", dim);
        params(name + ".weight").get(0, g, 0, dim);
        params(name + ".bias").get(0, bias, 0, dim);
        float[] row = floats("row.ln", dim);
        for (int r = 0; r < rows; r++) {
            long at = (long) r * dim;
            x.get(at, row, dim);
            double mean = 0;
            for (int j = 0; j < dim; j++) {
                mean += row[j];
            }
            mean /= dim;
            double var = 0;
            for (int j = 0; j < dim; j++) {
                double c = row[j] - mean;
                var += c * c;
            }
            var /= dim;
            float is = (float) (1 / Math.sqrt(var + eps));
            float m = (float) mean;
            inv[r] = is;
            for (int j = 0; j < dim; j++) {
                row[j] = (row[j] - m) * is;
            }
            xhat.put(at, row, 0, dim);
            for (int j = 0; j < dim; j++) {
                row[j] = row[j] * g[j] + bias[j];
            }
            y.put(at, row, 0, dim);
        }
    }

    /**
     * LayerNorm's backward pass from dy: gain and bias gradients into their arrays; d loss / dx written into dx (added
     * when {@code accumulate}). dx and dy are different buffers.
     */
    private void layerNormBackward(Buf dy, Buf xhat, float[] inv, int dim, String name, Buf dx, boolean accumulate) {
        float[] g = floats("ln.g", dim);
        params(name + ".weight").get(0, g, 0, dim);
        double[] dGain = new double[dim];
        double[] dBias = new double[dim];
        float[] d = floats("row.ln", dim);
        float[] xh = floats("row.xhat", dim);
        float[] out = floats("row.lnout", dim);
        for (int r = 0; r < rows; r++) {
            long at = (long) r * dim;
            dy.get(at, d, dim);
            xhat.get(at, xh, dim);
            double m1 = 0;
            double m2 = 0;
            for (int j = 0; j < dim; j++) {
                dGain[j] += d[j] * xh[j];
                dBias[j] += d[j];
                float dh = d[j] * g[j];
                m1 += dh;
                m2 += dh * xh[j];
            }
            float a = (float) (m1 / dim);
            float c = (float) (m2 / dim);
            float is = inv[r];
            if (accumulate) {
                dx.get(at, out, dim);
            }
            for (int j = 0; j < dim; j++) {
                float v = is * (d[j] * g[j] - a - xh[j] * c);
                out[j] = accumulate ? out[j] + v : v;
            }
            dx.put(at, out, 0, dim);
        }
        FloatBuffer gg = grad(name + ".weight");
        FloatBuffer gb = grad(name + ".bias");
        for (int j = 0; j < dim; j++) {
            gg.put(j, (float) dGain[j]);
            gb.put(j, (float) dBias[j]);
        }
    }

    /** LayerNorm's gain and bias gradients alone (its input needs none). */
    private void normParameterGradients(Buf dy, Buf xhat, int dim, String name) {
        double[] dGain = new double[dim];
        double[] dBias = new double[dim];
        float[] d = floats("row.ln", dim);
        float[] xh = floats("row.xhat", dim);
        for (int r = 0; r < rows; r++) {
            long at = (long) r * dim;
            dy.get(at, d, dim);
            xhat.get(at, xh, dim);
            for (int j = 0; j < dim; j++) {
                dGain[j] += d[j] * xh[j];
                dBias[j] += d[j];
            }
        }
        FloatBuffer gg = grad(name + ".weight");
        FloatBuffer gb = grad(name + ".bias");
        for (int j = 0; j < dim; j++) {
            gg.put(j, (float) dGain[j]);
            gb.put(j, (float) dBias[j]);
        }
    }

    /** The exact GELU, x (1 + erf(x / sqrt 2)) / 2 ({@link FastErf}), of n values. */
    private void gelu(Buf x, Buf y, long n) {
        float[] row = floats("row.gelu", 4096);
        for (long at = 0; at < n; at += row.length) {
            int len = (int) Math.min(row.length, n - at);
            x.get(at, row, len);
            FastErf.gelu(row, 0, len, 0.5f);
            y.put(at, row, 0, len);
        }
    }

    /** y = residual + GELU(x) over rows * H values. */
    private void geluResidual(Buf x, Buf residual, Buf y) {
        long n = (long) rows * h;
        float[] row = floats("row.gelu", 4096);
        float[] res = floats("row.res", 4096);
        for (long at = 0; at < n; at += row.length) {
            int len = (int) Math.min(row.length, n - at);
            x.get(at, row, len);
            residual.get(at, res, len);
            FastErf.gelu(row, 0, len, 0.5f);
            for (int i = 0; i < len; i++) {
                row[i] += res[i];
            }
            y.put(at, row, 0, len);
        }
    }

    /** d = dy * GELU'(x), GELU'(x) = Phi(x) + x phi(x); d may be dy. */
    private void geluBackward(Buf dy, Buf x, Buf d, long n) {
        float[] dr = floats("row.gelu", 4096);
        float[] xr = floats("row.res", 4096);
        for (long at = 0; at < n; at += dr.length) {
            int len = (int) Math.min(dr.length, n - at);
            dy.get(at, dr, len);
            x.get(at, xr, len);
            for (int i = 0; i < len; i++) {
                float v = xr[i];
                float cdf = 0.5f * (1f + FastErf.erf(v * INV_SQRT2));
                float pdf = (float) (INV_SQRT_2PI * Math.exp(-0.5 * v * v));
                dr[i] *= cdf + v * pdf;
            }
            d.put(at, dr, 0, len);
        }
    }

    private void softmaxRows(Buf s, long at, int n, int width) {
        float[] row = floats("row.soft", width);
        for (int r = 0; r < n; r++) {
            long o = at + (long) r * width;
            s.get(o, row, width);
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                max = Math.max(max, row[j]);
            }
            double sum = 0;
            for (int j = 0; j < width; j++) {
                float e = (float) Math.exp(row[j] - max);
                row[j] = e;
                sum += e;
            }
            float inv = (float) (1 / sum);
            for (int j = 0; j < width; j++) {
                row[j] *= inv;
            }
            s.put(o, row, 0, width);
        }
    }

    /** dp := p * (dp - sum(p * dp)) row by row, dp [n, width] at 0, p at {@code pAt}. */
    private void softmaxBackwardRows(Buf p, long pAt, Buf dp, int n, int width) {
        float[] pr = floats("row.soft", width);
        float[] dr = floats("row.dsoft", width);
        for (int r = 0; r < n; r++) {
            p.get(pAt + (long) r * width, pr, width);
            dp.get((long) r * width, dr, width);
            double dot = 0;
            for (int j = 0; j < width; j++) {
                dot += pr[j] * dr[j];
            }
            float d = (float) dot;
            for (int j = 0; j < width; j++) {
                dr[j] = pr[j] * (dr[j] - d);
            }
            dp.put((long) r * width, dr, 0, width);
        }
    }

    private void scale(Buf x, long n, float s) {
        float[] row = floats("row.gelu", 4096);
        for (long at = 0; at < n; at += row.length) {
            int len = (int) Math.min(row.length, n - at);
            x.get(at, row, len);
            for (int i = 0; i < len; i++) {
                row[i] *= s;
            }
            x.put(at, row, 0, len);
        }
    }

    // ---- memory -------------------------------------------------------------------------------------------------

    private FloatBuffer params(String name) {
        return HostArrays.view(param(name));
    }

    private INDArray param(String name) {
        INDArray a = params.get(name);
        if (a == null) {
            throw new IllegalStateException("no parameter " + name);
        }
        return a;
    }

    private Buf pointerBuf(String name) {
        INDArray a = param(name);
        return new Buf(HostArrays.pointer(a), null);
    }

    private FloatBuffer grad(String name) {
        return HostArrays.view(gradients.get(name));
    }

    private Buf gradBuf(String name) {
        return new Buf(HostArrays.pointer(gradients.get(name)), null);
    }

    /** The named native buffer, at least n floats (contents kept only while it does not grow). */
    private Buf buf(String name, long n) {
        Buf b = pool.get(name);
        if (b == null || b.capacity() < n) {
            if (b != null) {
                b.pointer().deallocate();
            }
            FloatPointer p = new FloatPointer(Math.max(n, 1));
            b = new Buf(p, p.asBuffer());
            pool.put(name, b);
        }
        return b;
    }

    /** The named heap array, at least n floats. */
    private float[] floats(String name, int n) {
        float[] a = heap.get(name);
        if (a == null || a.length < n) {
            a = new float[n];
            heap.put(name, a);
        }
        return a;
    }

    private static void zero(Buf b, long from, long n) {
        for (long at = from; at < from + n; at += ZEROS.length) {
            int len = (int) Math.min(ZEROS.length, from + n - at);
            b.put(at, ZEROS, 0, len);
        }
    }

    /** n floats from src at {@code from} into dst at {@code to} (buffer to buffer, no heap copy). */
    private static void copy(Buf src, long from, Buf dst, long to, long n) {
        dst.view().put(Math.toIntExact(to), src.view(), Math.toIntExact(from), Math.toIntExact(n));
    }

    private static FloatPointer offset(FloatPointer p, long n) {
        return new FloatPointer(p).position(p.position() + n);
    }

    /**
     * C = alpha op(A) op(B) + beta C, row-major, each operand a buffer and an element offset: op(A) is [m, k] (A
     * stored [k, m] when {@code transA}), op(B) [k, n]; lda, ldb, ldc the stored row lengths.
     */
    private static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Buf a, long aAt, int lda,
                             Buf b, long bAt, int ldb, float beta, Buf c, long cAt, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, alpha,
                offset(a.pointer(), aAt), lda, offset(b.pointer(), bAt), ldb, beta, offset(c.pointer(), cAt), ldc);
    }

    /** Native floats: a pointer for OpenBLAS and (for pooled buffers) a buffer view of the same memory for Java. */
    private record Buf(FloatPointer pointer, FloatBuffer view) {
        long capacity() {
            return view.capacity();
        }

        void get(long at, float[] dst, int n) {
            view.get(Math.toIntExact(at), dst, 0, n);
        }

        void put(long at, float[] src, int from, int n) {
            view.put(Math.toIntExact(at), src, from, n);
        }
    }
}
