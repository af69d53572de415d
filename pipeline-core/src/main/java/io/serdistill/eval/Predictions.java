package io.serdistill.eval;

/** The class a model predicts from its logits: the index of the largest logit, the lowest index on ties. */
public final class Predictions {

    private Predictions() {
    }

    /** The predicted class of one input's logits [classes]. */
    public static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The predicted class of each row of logits [n][classes]. */
    public static int[] argMax(float[][] logits) {
        int[] out = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = argMax(logits[i]);
        }
        return out;
    }
}
