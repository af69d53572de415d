package io.serdistill.train;

import io.serdistill.model.HostArrays;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW (Loshchilov &amp; Hutter): Adam moments with bias correction and decoupled weight decay, plus optional
 * clipping of the global gradient norm and an optional coupled L2 penalty. Its state (moments, step) is exposed so
 * checkpoints can resume it exactly.
 *
 * <p>One step, PyTorch's conventions ({@code clip_grad_norm_} then {@code torch.optim.AdamW}), for a parameter w
 * with gradient g at learning rate lr: g' = g * min(1, clip / ||all g||) + l2 * w (the L2 term only for decayed
 * parameters), Adam's moments of g', then w = w * (1 - lr * weightDecay) - lr * m_hat / (sqrt(v_hat) + eps), the
 * decay only for decayed parameters. Which parameters are decayed is the caller's choice (models decay their weight
 * matrices, not biases); by default all are.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final double l2;
    private final double clipNorm;
    private final Predicate<String> decayed;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long step;
    private INDArray scratchBuffer;
    private boolean hostLoop;
    /** The host loop's state: moments (authoritative while it runs), gradient and parameter copies, shapes. */
    private final Map<String, float[]> hostM = new LinkedHashMap<>();
    private final Map<String, float[]> hostV = new LinkedHashMap<>();
    private final Map<String, float[]> hostG = new HashMap<>();
    private final Map<String, float[]> hostP = new HashMap<>();
    private final Map<String, long[]> shapes = new HashMap<>();

    /**
     * @param clipNorm maximum global L2 norm of the gradients; 0 disables clipping
     */
    public AdamW(double weightDecay, double clipNorm) {
        this(0.9, 0.999, 1e-8, weightDecay, clipNorm);
    }

    public AdamW(double beta1, double beta2, double epsilon, double weightDecay, double clipNorm) {
        this(beta1, beta2, epsilon, weightDecay, 0, clipNorm, name -> true);
    }

    /**
     * @param weightDecay decoupled decay per unit learning rate (w *= 1 - lr * weightDecay every step)
     * @param l2          coupled L2 penalty strength (l2 * w added to the clipped gradient)
     * @param clipNorm    maximum global L2 norm of the gradients; 0 disables clipping
     * @param decayed     which parameters (by name) weight decay and the L2 penalty apply to
     */
    public AdamW(double weightDecay, double l2, double clipNorm, Predicate<String> decayed) {
        this(0.9, 0.999, 1e-8, weightDecay, l2, clipNorm, decayed);
    }

    public AdamW(double beta1, double beta2, double epsilon, double weightDecay, double l2, double clipNorm,
                 Predicate<String> decayed) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.l2 = l2;
        this.clipNorm = clipNorm;
        this.decayed = decayed;
    }

    /**
     * Computes updates in one Java loop per parameter over the arrays' host memory ({@link HostArrays}) rather than
     * as a dozen ND4J ops each: the same update in float arithmetic as the ops, for the
     * CPU backend, where the ops' call overhead dominates for small models. Arrays that are not dense host floats
     * still take the ND4J path.
     */
    public void useHostLoop() {
        this.hostLoop = true;
    }

    /**
     * One update of {@code params} in place.
     *
     * @return the global gradient norm before clipping
     */
    public double apply(Map<String, INDArray> params, Map<String, INDArray> grads, double learningRate) {
        if (hostLoop && allDense(params, grads)) {
            return applyOnHost(params, grads, learningRate);
        }
        if (!hostM.isEmpty()) {
            // Continuing on the ops after host-loop steps: their moments first.
            syncMoments();
            hostM.clear();
            hostV.clear();
        }
        double norm = globalNorm(grads);
        double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        // Everything in place: a scratch array shared by all parameters (a view of one buffer as long as the
        // largest), so a step allocates nothing. With fresh temporaries a base-sized wav2vec2 step made ~1.5 GB of
        // off-heap garbage that only a Java GC frees, and allocating it was ~20 % of the step's time.
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray p = e.getValue();
            INDArray g = grads.get(e.getKey());
            if (g == null) {
                throw new IllegalStateException("no gradient for parameter " + e.getKey());
            }
            INDArray mi = m.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray vi = v.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray s = scratch(p);
            boolean decays = decayed.test(e.getKey());
            if (decays && l2 > 0) {
                // g' = scale g + l2 w (one temporary: the caller's gradient is left as it was)
                try (INDArray gl = p.mul(l2).addi(s.assign(g).muli(scale))) {
                    mi.muli(beta1).addi(s.assign(gl).muli(1 - beta1));
                    vi.muli(beta2).addi(s.assign(gl).muli(gl).muli(1 - beta2));
                }
            } else {
                // m = beta1 m + (1 - beta1) g', v = beta2 v + (1 - beta2) g'^2 with g' = scale g (clipped)
                mi.muli(beta1).addi(s.assign(g).muli((1 - beta1) * scale));
                vi.muli(beta2).addi(s.assign(g).muli(g).muli((1 - beta2) * scale * scale));
            }
            // update = lr (m / c1) / (sqrt(v / c2) + eps)
            Transforms.sqrt(s.assign(vi).divi(c2), false).addi(epsilon).rdivi(mi).muli(learningRate / c1);
            if (decays && weightDecay > 0) {
                p.muli(1 - learningRate * weightDecay);
            }
            p.subi(s);
        }
        return norm;
    }

    private boolean allDense(Map<String, INDArray> params, Map<String, INDArray> grads) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = grads.get(e.getKey());
            INDArray mi = m.get(e.getKey());
            INDArray vi = v.get(e.getKey());
            if (g == null || !HostArrays.dense(e.getValue()) || !HostArrays.dense(g) || g.length() != e.getValue().length()
                    || mi != null && !HostArrays.dense(mi) || vi != null && !HostArrays.dense(vi)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #apply} as one loop per parameter (see {@link #useHostLoop}). The moments live on the heap between
     * steps ({@link #firstMoments()} and {@link #secondMoments()} copy them back into their arrays when asked); each
     * step copies the gradients and parameters to heap arrays in bulk, updates in float arithmetic in a loop the JIT
     * vectorises, and copies the parameters back.
     */
    private double applyOnHost(Map<String, INDArray> params, Map<String, INDArray> grads, double learningRate) {
        double sumSq = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray g = grads.get(e.getKey());
            int n = (int) g.length();
            float[] ga = host(hostG, e.getKey(), n, null);
            HostArrays.view(g).get(0, ga, 0, n);
            double s = 0;
            for (int j = 0; j < n; j++) {
                s += ga[j] * ga[j];
            }
            sumSq += s;
        }
        double norm = Math.sqrt(sumSq);
        double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float rb1 = (float) (1 - beta1);
        float rb2 = (float) (1 - beta2);
        float eps = (float) epsilon;
        float stepSize = (float) (learningRate / c1);
        float invC2 = (float) (1 / c2);
        float gScale = (float) scale;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            INDArray p = e.getValue();
            int n = (int) p.length();
            shapes.putIfAbsent(name, p.shape());
            boolean decays = decayed.test(name);
            float l2w = decays ? (float) l2 : 0f;
            float shrink = decays && weightDecay > 0 ? (float) (1 - learningRate * weightDecay) : 1f;
            FloatBuffer pb = HostArrays.view(p);
            float[] pa = host(hostP, name, n, null);
            float[] ga = hostG.get(name);
            float[] ma = host(hostM, name, n, m.get(name));
            float[] va = host(hostV, name, n, v.get(name));
            pb.get(0, pa, 0, n);
            for (int j = 0; j < n; j++) {
                float w = pa[j];
                float g = ga[j] * gScale + l2w * w;
                float mj = b1 * ma[j] + rb1 * g;
                float vj = b2 * va[j] + rb2 * g * g;
                ma[j] = mj;
                va[j] = vj;
                pa[j] = w * shrink - stepSize * mj / ((float) Math.sqrt(vj * invC2) + eps);
            }
            pb.put(0, pa, 0, n);
        }
        return norm;
    }

    /** {@code name}'s heap array in {@code arrays}, made (from {@code from}'s values when given, else zeros) once. */
    private static float[] host(Map<String, float[]> arrays, String name, int n, INDArray from) {
        float[] a = arrays.get(name);
        if (a == null || a.length != n) {
            a = from == null ? new float[n] : from.dup('c').data().asFloat();
            arrays.put(name, a);
        }
        return a;
    }

    /** Copies the heap moments of the host loop into the moment arrays (made when missing). */
    private void syncMoments() {
        for (Map.Entry<String, float[]> e : hostM.entrySet()) {
            String name = e.getKey();
            INDArray mi = m.computeIfAbsent(name, k -> Nd4j.zeros(DataType.FLOAT, shapes.get(k)));
            INDArray vi = v.computeIfAbsent(name, k -> Nd4j.zeros(DataType.FLOAT, shapes.get(k)));
            mi.assign(Nd4j.create(e.getValue(), mi.shape(), 'c'));
            vi.assign(Nd4j.create(hostV.get(name), vi.shape(), 'c'));
        }
    }

    /** A [shape of p] view at the start of the shared scratch buffer, grown when p is larger than any before. */
    private INDArray scratch(INDArray p) {
        if (scratchBuffer == null || scratchBuffer.length() < p.length() || scratchBuffer.dataType() != p.dataType()) {
            scratchBuffer = Nd4j.create(p.dataType(), Math.max(p.length(), scratchBuffer == null ? 0 : scratchBuffer.length()));
        }
        return scratchBuffer.get(NDArrayIndex.interval(0, p.length())).reshape(p.shape());
    }

    static double globalNorm(Map<String, INDArray> grads) {
        double sumSq = 0;
        for (INDArray g : grads.values()) {
            double n = g.norm2Number().doubleValue();
            sumSq += n * n;
        }
        return Math.sqrt(sumSq);
    }

    public long step() {
        return step;
    }

    /**
     * First and second moments by parameter name: live arrays, except that after host-loop steps
     * ({@link #useHostLoop}) they are copies brought up to date by each call.
     */
    public Map<String, INDArray> firstMoments() {
        syncMoments();
        return m;
    }

    public Map<String, INDArray> secondMoments() {
        syncMoments();
        return v;
    }

    /** Restores state saved from {@link #step()}, {@link #firstMoments()} and {@link #secondMoments()}. */
    public void restore(long savedStep, Map<String, INDArray> savedM, Map<String, INDArray> savedV) {
        step = savedStep;
        hostM.clear();
        hostV.clear();
        m.clear();
        m.putAll(savedM);
        v.clear();
        v.putAll(savedV);
    }
}
