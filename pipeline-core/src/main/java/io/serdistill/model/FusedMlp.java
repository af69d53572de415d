package io.serdistill.model;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link MlpClassifier}'s {@link TrainingEngine#FUSED} path: the same network and loss as its SameDiff graph and
 * {@link DistillationLossGraph}, with a hand-written backward pass. Matrix products are OpenBLAS sgemm calls on the
 * model's live parameter arrays and on native buffers kept between steps; everything else (bias, ReLU, dropout masks,
 * layer weighting, softmax and the loss gradient) is plain Java over heap copies of the small activations. A step
 * allocates no arrays once the buffers have grown to the batch size, and runs no graph.
 *
 * <p>Loss and its gradient with respect to the logits: {@link FusedLoss}.
 *
 * <p>CPU backend only (the buffers must be host memory). Not thread-safe, like the model.
 */
final class FusedMlp {
    private final ClassifierSpec spec;
    private final List<String> names;
    private final Native[] params;
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private final Native[] grads;
    /** Index into {@link #params} of layer i's weight (bias at +1); layer logits at 0 when weighted. */
    private final int first;
    private Loss loss;

    private int capacity;
    private Native x;
    private Native h0;
    private Native[] out;
    private Native[] delta;
    private Native dIn;
    private float[][] outHeap;
    private float[][] deltaHeap;
    private float[] dInHeap;
    private float[] h0Heap;

    /** The loss's settings ({@link DistillationLossGraph#add}'s arguments). */
    record Loss(double alpha, double temperature, double klFactor, double labelSmoothing, boolean withTargets) {}

    /** @param parameters the model's live arrays in {@link MlpClassifier#parameterNames()} order */
    FusedMlp(ClassifierSpec spec, Map<String, INDArray> parameters) {
        this.spec = spec;
        this.names = List.copyOf(parameters.keySet());
        this.params = new Native[names.size()];
        this.grads = new Native[names.size()];
        for (int k = 0; k < names.size(); k++) {
            INDArray p = parameters.get(names.get(k));
            params[k] = Native.of(p);
            INDArray g = Nd4j.create(DataType.FLOAT, p.shape(), 'c');
            gradients.put(names.get(k), g);
            grads[k] = Native.of(g);
        }
        this.first = spec.inputLayers() > 1 ? 1 : 0;
    }

    void prepare(Loss loss) {
        this.loss = loss;
    }

    /** Logits [n * classes] of standardised inputs {@code x} [n * inputDim], no training noise. */
    float[] logits(float[] xs, int n) {
        forward(xs, n, null);
        return outHeap[spec.layers() - 1];
    }

    /**
     * Loss and gradients of a batch: standardised (already perturbed) inputs [n * inputDim], class indices, soft
     * targets (when the loss has them), class weights (null: all 1) and each hidden layer's dropout mask [n * width]
     * (null: none). The gradient arrays are this object's, overwritten by the next step.
     */
    Classifier.Step step(float[] xs, int n, int[] labels, List<float[]> targets, float[] classWeights, float[][] masks) {
        if (loss == null) {
            throw new IllegalStateException("call prepareTraining first");
        }
        if (loss.withTargets() && (targets == null || targets.size() != n)) {
            throw new IllegalArgumentException("distillation needs one target distribution per utterance");
        }
        int c = spec.numClasses();
        if (classWeights != null && classWeights.length != c) {
            throw new IllegalArgumentException("need " + c + " class weights, got " + classWeights.length);
        }
        forward(xs, n, masks);
        int last = spec.layers() - 1;
        double value = lossAndDelta(outHeap[last], n, labels, targets, classWeights, deltaHeap[last]);
        delta[last].put(deltaHeap[last], n * c);
        for (int i = last; i >= 0; i--) {
            int fanIn = spec.fanIn(i);
            int fanOut = spec.fanOut(i);
            Native in = i > 0 ? out[i - 1] : spec.inputLayers() > 1 ? h0 : x;
            int w = first + 2 * i;
            // dW = in^T delta, db = column sums of delta
            gemm(true, false, fanIn, fanOut, n, in.pointer, fanIn, delta[i].pointer, fanOut, grads[w].pointer, fanOut);
            float[] d = deltaHeap[i];
            FloatBuffer gb = grads[w + 1].view;
            for (int j = 0; j < fanOut; j++) {
                double s = 0;
                for (int r = 0; r < n; r++) {
                    s += d[r * fanOut + j];
                }
                gb.put(j, (float) s);
            }
            if (i == 0 && spec.inputLayers() == 1) {
                break;
            }
            // d(in) = delta W^T
            gemm(false, true, n, fanIn, fanOut, delta[i].pointer, fanOut, params[w].pointer, fanOut, dIn.pointer, fanIn);
            dIn.get(dInHeap, n * fanIn);
            if (i > 0) {
                // Through the mask and the ReLU: the output is > 0 exactly where the pre-activation is and the
                // mask keeps the value (mask values are 0 or 1 / (1 - p)).
                float[] o = outHeap[i - 1];
                float[] mask = masks == null ? null : masks[i - 1];
                float[] dPrev = deltaHeap[i - 1];
                for (int k = 0; k < n * fanIn; k++) {
                    dPrev[k] = o[k] > 0 ? (mask == null ? dInHeap[k] : dInHeap[k] * mask[k]) : 0f;
                }
                delta[i - 1].put(dPrev, n * fanIn);
            } else {
                layerLogitsGradient(xs, n);
            }
        }
        return new Classifier.Step(value, gradients, false);
    }

    private void forward(float[] xs, int n, float[][] masks) {
        ensure(n);
        int dim = spec.inputDim();
        x.put(xs, n * dim);
        Native in = x;
        if (spec.inputLayers() > 1) {
            int layers = spec.inputLayers();
            int width = spec.mlpInput();
            double[] lw = layerWeights();
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < width; j++) {
                    double s = 0;
                    for (int l = 0; l < layers; l++) {
                        s += lw[l] * xs[r * dim + l * width + j];
                    }
                    h0Heap[r * width + j] = (float) s;
                }
            }
            h0.put(h0Heap, n * width);
            in = h0;
        }
        for (int i = 0; i < spec.layers(); i++) {
            int fanIn = spec.fanIn(i);
            int fanOut = spec.fanOut(i);
            int w = first + 2 * i;
            gemm(false, false, n, fanOut, fanIn, in.pointer, fanIn, params[w].pointer, fanOut, out[i].pointer, fanOut);
            float[] o = outHeap[i];
            out[i].get(o, n * fanOut);
            FloatBuffer b = params[w + 1].view;
            boolean hidden = i < spec.layers() - 1;
            float[] mask = hidden && masks != null ? masks[i] : null;
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < fanOut; j++) {
                    int k = r * fanOut + j;
                    float v = o[k] + b.get(j);
                    if (hidden) {
                        v = Math.max(v, 0f);
                        if (mask != null) {
                            v *= mask[k];
                        }
                    }
                    o[k] = v;
                }
            }
            if (hidden) {
                out[i].put(o, n * fanOut);
            }
            in = out[i];
        }
    }

    /** Softmax of the layer logits. */
    private double[] layerWeights() {
        int layers = spec.inputLayers();
        double[] a = new double[layers];
        double max = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < layers; l++) {
            a[l] = params[0].view.get(l);
            max = Math.max(max, a[l]);
        }
        double sum = 0;
        for (int l = 0; l < layers; l++) {
            a[l] = Math.exp(a[l] - max);
            sum += a[l];
        }
        for (int l = 0; l < layers; l++) {
            a[l] /= sum;
        }
        return a;
    }

    /** d loss / d layer logits from d loss / d h0 (in {@link #dInHeap}): softmax's Jacobian on per-layer sums. */
    private void layerLogitsGradient(float[] xs, int n) {
        int layers = spec.inputLayers();
        int width = spec.mlpInput();
        int dim = spec.inputDim();
        double[] lw = layerWeights();
        double[] dw = new double[layers];
        for (int r = 0; r < n; r++) {
            for (int l = 0; l < layers; l++) {
                double s = 0;
                for (int j = 0; j < width; j++) {
                    s += (double) dInHeap[r * width + j] * xs[r * dim + l * width + j];
                }
                dw[l] += s;
            }
        }
        double mean = 0;
        for (int l = 0; l < layers; l++) {
            mean += lw[l] * dw[l];
        }
        for (int l = 0; l < layers; l++) {
            grads[0].view.put(l, (float) (lw[l] * (dw[l] - mean)));
        }
    }

    /** The loss of logits z [n * classes], writing d loss / dz into {@code dz} ({@link FusedLoss}). */
    private double lossAndDelta(float[] z, int n, int[] labels, List<float[]> targets, float[] classWeights,
                                float[] dz) {
        return new FusedLoss(loss.alpha(), loss.temperature(), loss.klFactor(), loss.labelSmoothing(),
                loss.withTargets()).lossAndDelta(z, n, spec.numClasses(), labels, targets, classWeights, dz);
    }

    /** Grows the per-batch buffers to {@code n} rows. */
    private void ensure(int n) {
        if (n <= capacity) {
            return;
        }
        int layers = spec.layers();
        x = Native.allocate((long) n * spec.inputDim());
        if (spec.inputLayers() > 1) {
            h0 = Native.allocate((long) n * spec.mlpInput());
            h0Heap = new float[n * spec.mlpInput()];
        }
        out = new Native[layers];
        delta = new Native[layers];
        outHeap = new float[layers][];
        deltaHeap = new float[layers][];
        int widest = 0;
        for (int i = 0; i < layers; i++) {
            out[i] = Native.allocate((long) n * spec.fanOut(i));
            delta[i] = Native.allocate((long) n * spec.fanOut(i));
            outHeap[i] = new float[n * spec.fanOut(i)];
            deltaHeap[i] = new float[n * spec.fanOut(i)];
            widest = Math.max(widest, spec.fanIn(i));
        }
        dIn = Native.allocate((long) n * widest);
        dInHeap = new float[n * widest];
        capacity = n;
    }

    /**
     * C[m, n] = op(A) op(B), row-major: op(A) is [m, k] (A stored [k, m] when {@code transA}), op(B) [k, n] (B stored
     * [n, k] when {@code transB}); lda, ldb, ldc the stored row lengths.
     */
    private static void gemm(boolean transA, boolean transB, int m, int n, int k, FloatPointer a, int lda,
                             FloatPointer b, int ldb, FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, 1f, a, lda, b, ldb,
                0f, c, ldc);
    }

    /** Native floats: a pointer for OpenBLAS and a buffer view of the same memory for Java. */
    private record Native(FloatPointer pointer, FloatBuffer view, Object owner) {
        /** {@code a}'s memory ({@link HostArrays#dense} arrays only). */
        static Native of(INDArray a) {
            return new Native(HostArrays.pointer(a), HostArrays.view(a), a);
        }

        static Native allocate(long n) {
            FloatPointer p = new FloatPointer(Math.max(n, 1));
            return new Native(p, p.asBuffer(), p);
        }

        void put(float[] src, int n) {
            view.put(0, src, 0, n);
        }

        void get(float[] dst, int n) {
            view.get(0, dst, 0, n);
        }
    }
}
