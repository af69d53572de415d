package io.serdistill.train;

import static io.serdistill.train.InvalidOption.require;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * How one model family is optimised: {@link Optimiser#ADAMW} with a learning-rate schedule over mini-batches and early
 * stopping on dev UA, or {@link Optimiser#LBFGS}: full-batch L-BFGS on the whole training loss plus the L2 penalty
 * (lbfgsL2 / 2) ||W||^2 to convergence, keeping the last iterate (pooled MLPs only; epochs, batch size, learning rate,
 * weight decay, patience, schedule, warm-up and clipping are AdamW's and not read by it, nor is
 * {@link Regularisation#l2()}, AdamW's coupled penalty).
 * Validated on construction; an error names the option ({@link InvalidOption}).
 *
 * @param patience        epochs without dev-UA improvement before stopping; 0 = run all epochs
 * @param warmupFraction  share of the optimiser steps spent warming the learning rate up linearly
 * @param clipNorm        maximum global gradient norm; 0 = no clipping
 * @param classWeighted   weigh the cross-entropy by inverse class frequency of the training set
 * @param optimiser       which optimiser trains the model
 * @param lbfgsIterations most L-BFGS iterations (each one full-batch gradient plus its line search), &ge; 1; read by
 *                        {@link Optimiser#LBFGS} only
 * @param lbfgsL2         L-BFGS's L2 penalty (lbfgsL2 / 2) ||W||^2 on the parameters the model decays (an MLP's weight
 *                        matrices), added to the mean training loss, &ge; 0; read by {@link Optimiser#LBFGS} only
 *                        and only when {@code lbfgsSearch} is null
 * @param lbfgsSearch     null: the penalty is {@code lbfgsL2}; otherwise (config {@code lbfgs.l2 = cv}, linear models
 *                        only) the training task chooses it itself, as the linear reference chooses its C, by
 *                        speaker-grouped cross-validation over its training utterances ({@link PenaltySearch})
 */
public record Optimisation(int epochs, int batchSize, double learningRate, double weightDecay, int patience,
                           LearningRateSchedule.Shape schedule, double warmupFraction, double clipNorm,
                           boolean classWeighted, Optimiser optimiser, int lbfgsIterations, double lbfgsL2,
                           PenaltySearch lbfgsSearch)
        implements Serializable {

    /**
     * How a linear model's L-BFGS penalty is chosen inside its training task (config {@code lbfgs.l2 = cv}): the
     * inverse strength C of {@code cGrid} with the best mean held-out UA over min(folds, speakers) speaker-grouped
     * folds of the task's training utterances (multinomial logistic regression on standardised inputs, exactly the
     * linear reference's search, {@link io.serdistill.train.linear.LinearReferenceTrainer}); then l2 = 1 / (C n),
     * n the training utterances, which is the reference's objective at that C.
     *
     * @param cGrid candidate C values, strictly increasing, each finite and &gt; 0 (ser.reference.c-grid)
     * @param folds most folds, &ge; 2 (ser.reference.folds)
     */
    public record PenaltySearch(List<Double> cGrid, int folds) implements Serializable {
        public PenaltySearch {
            cGrid = List.copyOf(cGrid);
            require(!cGrid.isEmpty(), "lbfgs.l2", "cv needs a non-empty C grid (ser.reference.c-grid)");
            for (int i = 0; i < cGrid.size(); i++) {
                require(cGrid.get(i) > 0 && Double.isFinite(cGrid.get(i)) && (i == 0 || cGrid.get(i) > cGrid.get(i - 1)),
                        "lbfgs.l2", "cv needs a strictly increasing grid of finite C > 0, got " + cGrid);
            }
            require(folds >= 2, "lbfgs.l2", "cv needs at least 2 folds (ser.reference.folds), got " + folds);
        }
    }

    /** With a fixed L-BFGS penalty (no search). */
    public Optimisation(int epochs, int batchSize, double learningRate, double weightDecay, int patience,
                        LearningRateSchedule.Shape schedule, double warmupFraction, double clipNorm,
                        boolean classWeighted, Optimiser optimiser, int lbfgsIterations, double lbfgsL2) {
        this(epochs, batchSize, learningRate, weightDecay, patience, schedule, warmupFraction, clipNorm, classWeighted,
                optimiser, lbfgsIterations, lbfgsL2, null);
    }

    /** The two optimisers a family can train with. */
    public enum Optimiser {
        /** Mini-batch AdamW with a learning-rate schedule, early stopping and model selection on dev UA. */
        ADAMW,
        /** Full-batch L-BFGS to convergence on the training loss plus the L2 penalty; the last iterate is kept. */
        LBFGS;

        /** The config spelling: adamw, lbfgs. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An AdamW optimisation. */
    public Optimisation(int epochs, int batchSize, double learningRate, double weightDecay, int patience,
                        LearningRateSchedule.Shape schedule, double warmupFraction, double clipNorm,
                        boolean classWeighted) {
        this(epochs, batchSize, learningRate, weightDecay, patience, schedule, warmupFraction, clipNorm, classWeighted,
                Optimiser.ADAMW, 1, 0);
    }

    public Optimisation {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(optimiser, "optimiser");
        require(lbfgsIterations >= 1, "lbfgs.max-iterations", "must be >= 1, got " + lbfgsIterations);
        require(lbfgsL2 >= 0 && Double.isFinite(lbfgsL2), "lbfgs.l2", "must be >= 0, got " + lbfgsL2);
        require(epochs >= 1, "epochs", "must be >= 1, got " + epochs);
        require(batchSize >= 1, "batch-size", "must be >= 1, got " + batchSize);
        require(learningRate > 0 && learningRate < 1, "learning-rate", "must be within (0, 1), got " + learningRate);
        require(weightDecay >= 0, "weight-decay", "must be >= 0");
        require(patience >= 0, "patience", "must be >= 0 (0 = no early stopping)");
        require(warmupFraction >= 0 && warmupFraction < 1, "warmup-fraction",
                "must be within [0, 1), got " + warmupFraction);
        require(clipNorm >= 0, "clip-norm", "must be >= 0 (0 = no clipping), got " + clipNorm);
    }

    /** The same settings trained by {@code o}, L-BFGS with at most {@code iterations} iterations and penalty {@code l2}. */
    public Optimisation withOptimiser(Optimiser o, int iterations, double l2) {
        return new Optimisation(epochs, batchSize, learningRate, weightDecay, patience, schedule, warmupFraction,
                clipNorm, classWeighted, o, iterations, l2, null);
    }

    /** The same settings with the fixed L-BFGS penalty {@code l2}: what a {@link PenaltySearch} resolves to. */
    public Optimisation withLbfgsL2(double l2) {
        return new Optimisation(epochs, batchSize, learningRate, weightDecay, patience, schedule, warmupFraction,
                clipNorm, classWeighted, optimiser, lbfgsIterations, l2, null);
    }

    /** The same settings for exactly {@code n} epochs (AdamW's count; L-BFGS reads its own iteration limit). */
    public Optimisation withEpochs(int n) {
        return new Optimisation(n, batchSize, learningRate, weightDecay, patience, schedule, warmupFraction, clipNorm,
                classWeighted, optimiser, lbfgsIterations, lbfgsL2, lbfgsSearch);
    }

    /** Most epochs (AdamW) or iterations (L-BFGS) one training runs: what a progress line counts towards. */
    public int rounds() {
        return optimiser == Optimiser.LBFGS ? lbfgsIterations : epochs;
    }
}
