package io.serdistill.train;

import static io.serdistill.train.InvalidOption.require;

import java.io.Serializable;
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
 */
public record Optimisation(int epochs, int batchSize, double learningRate, double weightDecay, int patience,
                           LearningRateSchedule.Shape schedule, double warmupFraction, double clipNorm,
                           boolean classWeighted, Optimiser optimiser, int lbfgsIterations, double lbfgsL2)
        implements Serializable {

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
                clipNorm, classWeighted, o, iterations, l2);
    }

    /** The same settings for exactly {@code n} epochs (AdamW's count; L-BFGS reads its own iteration limit). */
    public Optimisation withEpochs(int n) {
        return new Optimisation(n, batchSize, learningRate, weightDecay, patience, schedule, warmupFraction, clipNorm,
                classWeighted, optimiser, lbfgsIterations, lbfgsL2);
    }

    /** Most epochs (AdamW) or iterations (L-BFGS) one training runs: what a progress line counts towards. */
    public int rounds() {
        return optimiser == Optimiser.LBFGS ? lbfgsIterations : epochs;
    }
}
