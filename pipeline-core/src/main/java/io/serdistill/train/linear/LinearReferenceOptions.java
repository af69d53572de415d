package io.serdistill.train.linear;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How {@link LinearReferenceTrainer} chooses the L2 strength.
 *
 * @param cGrid  candidate inverse L2 strengths C, strictly increasing, each finite and &gt; 0; ties in CV score
 *               go to the earlier (smaller C, stronger penalty)
 * @param folds  speaker-grouped inner folds, ≥ 2; the data must have at least this many speakers
 * @param solver L-BFGS settings of every fit
 */
public record LinearReferenceOptions(List<Double> cGrid, int folds, Lbfgs.Options solver) {

    public LinearReferenceOptions {
        cGrid = List.copyOf(cGrid);
        if (cGrid.isEmpty()) {
            throw new IllegalArgumentException("cGrid is empty");
        }
        for (int i = 0; i < cGrid.size(); i++) {
            double c = cGrid.get(i);
            if (!(c > 0) || !Double.isFinite(c)) {
                throw new IllegalArgumentException("cGrid[" + i + "] = " + c + ": must be finite and > 0");
            }
            if (i > 0 && !(c > cGrid.get(i - 1))) {
                throw new IllegalArgumentException("cGrid must be strictly increasing; got " + cGrid);
            }
        }
        if (folds < 2) {
            throw new IllegalArgumentException("folds = " + folds + ": must be >= 2");
        }
        Objects.requireNonNull(solver, "solver");
    }

    /** C ∈ logspace(−4, 2, 13) (10⁻⁴, 10⁻³·⁵, …, 10²), 5 folds, {@link Lbfgs.Options#defaults()}. */
    public static LinearReferenceOptions defaults() {
        return new LinearReferenceOptions(logspace(-4, 2, 13), 5, Lbfgs.Options.defaults());
    }

    /** {@code points} values 10^e, e evenly spaced from {@code fromExponent} to {@code toExponent} inclusive. */
    public static List<Double> logspace(double fromExponent, double toExponent, int points) {
        if (points < 1 || (points == 1 && fromExponent != toExponent)) {
            throw new IllegalArgumentException("points = " + points + " for [" + fromExponent + ", " + toExponent + "]");
        }
        List<Double> out = new ArrayList<>(points);
        for (int i = 0; i < points; i++) {
            double e = points == 1 ? fromExponent : fromExponent + i * (toExponent - fromExponent) / (points - 1);
            out.add(Math.pow(10, e));
        }
        return out;
    }
}
