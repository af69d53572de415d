package io.serdistill.train.linear;

import io.serdistill.model.linear.LogisticRegressionModel;
import java.util.List;

/**
 * A logistic regression whose L2 strength was chosen by speaker-grouped cross-validation, refitted on all the
 * data it was given, with the scores behind the choice (for a run's table).
 *
 * @param model  refitted on every example with C = {@link #c()}
 * @param c      the chosen inverse L2 strength
 * @param grid   one score per candidate C, in grid order
 * @param folds  inner folds the scores are means over
 * @param solver the optimiser's report of the refit
 */
public record LinearReference(LogisticRegressionModel model, double c, List<GridScore> grid, int folds,
                              Lbfgs.Result solver) {

    public LinearReference {
        grid = List.copyOf(grid);
    }

    /**
     * @param c      candidate inverse L2 strength
     * @param meanUa mean over folds of the held-out fold's UA (unweighted recall over the classes it contains)
     * @param foldUa UA of each fold, in fold order
     */
    public record GridScore(double c, double meanUa, List<Double> foldUa) {
        public GridScore {
            foldUa = List.copyOf(foldUa);
        }
    }
}
