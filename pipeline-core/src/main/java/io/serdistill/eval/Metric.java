package io.serdistill.eval;

/** A summary metric of a {@link ConfusionMatrix}, as a fraction in [0, 1]. */
public enum Metric {
    /** Weighted accuracy (WA, the paper's WR): {@link ConfusionMatrix#accuracy()}. */
    WA,
    /** Unweighted accuracy (UA, the paper's UR): {@link ConfusionMatrix#unweightedRecall()}. */
    UA,
    /** Macro-averaged F1 over classes with support: {@link ConfusionMatrix#macroF1()}. */
    MACRO_F1;

    /** This metric's value on {@code matrix}. */
    public double of(ConfusionMatrix matrix) {
        return switch (this) {
            case WA -> matrix.accuracy();
            case UA -> matrix.unweightedRecall();
            case MACRO_F1 -> matrix.macroF1();
        };
    }
}
