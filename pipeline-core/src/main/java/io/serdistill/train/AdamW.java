package io.serdistill.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW (Loshchilov &amp; Hutter): Adam moments with bias correction and decoupled weight decay, plus optional
 * clipping of the global gradient norm. Its state (moments, step) is exposed so checkpoints can resume it exactly.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final double clipNorm;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long step;

    /**
     * @param clipNorm maximum global L2 norm of the gradients; 0 disables clipping
     */
    public AdamW(double weightDecay, double clipNorm) {
        this(0.9, 0.999, 1e-8, weightDecay, clipNorm);
    }

    public AdamW(double beta1, double beta2, double epsilon, double weightDecay, double clipNorm) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
    }

    /**
     * One update of {@code params} in place.
     *
     * @return the global gradient norm before clipping
     */
    public double apply(Map<String, INDArray> params, Map<String, INDArray> grads, double learningRate) {
        double norm = globalNorm(grads);
        double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1.0;
        step++;
        double c1 = 1 - Math.pow(beta1, step);
        double c2 = 1 - Math.pow(beta2, step);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray p = e.getValue();
            INDArray g = grads.get(e.getKey());
            if (g == null) {
                throw new IllegalStateException("no gradient for parameter " + e.getKey());
            }
            if (scale != 1.0) {
                g = g.mul(scale);
            }
            INDArray mi = m.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            INDArray vi = v.computeIfAbsent(e.getKey(), k -> p.ulike().assign(0));
            mi.muli(beta1).addi(g.mul(1 - beta1));
            vi.muli(beta2).addi(g.mul(g).muli(1 - beta2));
            INDArray update = mi.div(c1).divi(Transforms.sqrt(vi.div(c2), false).addi(epsilon));
            if (weightDecay > 0) {
                p.muli(1 - learningRate * weightDecay);
            }
            p.subi(update.muli(learningRate));
        }
        return norm;
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

    /** First and second moments by parameter name (live arrays). */
    public Map<String, INDArray> firstMoments() {
        return m;
    }

    public Map<String, INDArray> secondMoments() {
        return v;
    }

    /** Restores state saved from {@link #step()}, {@link #firstMoments()} and {@link #secondMoments()}. */
    public void restore(long savedStep, Map<String, INDArray> savedM, Map<String, INDArray> savedV) {
        step = savedStep;
        m.clear();
        m.putAll(savedM);
        v.clear();
        v.putAll(savedV);
    }
}
