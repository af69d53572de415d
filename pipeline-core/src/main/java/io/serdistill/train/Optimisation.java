package io.serdistill.train;

import static io.serdistill.train.InvalidOption.require;

import java.io.Serializable;
import java.util.Objects;

/**
 * How one model family is optimised: AdamW with a learning-rate schedule over mini-batches, early stopping on dev UA.
 * Validated on construction; an error names the option ({@link InvalidOption}).
 *
 * @param patience       epochs without dev-UA improvement before stopping; 0 = run all epochs
 * @param warmupFraction share of the optimiser steps spent warming the learning rate up linearly
 * @param clipNorm       maximum global gradient norm; 0 = no clipping
 * @param classWeighted  weigh the cross-entropy by inverse class frequency of the training set
 */
public record Optimisation(int epochs, int batchSize, double learningRate, double weightDecay, int patience,
                           LearningRateSchedule.Shape schedule, double warmupFraction, double clipNorm,
                           boolean classWeighted) implements Serializable {

    public Optimisation {
        Objects.requireNonNull(schedule, "schedule");
        require(epochs >= 1, "epochs", "must be >= 1, got " + epochs);
        require(batchSize >= 1, "batch-size", "must be >= 1, got " + batchSize);
        require(learningRate > 0 && learningRate < 1, "learning-rate", "must be within (0, 1), got " + learningRate);
        require(weightDecay >= 0, "weight-decay", "must be >= 0");
        require(patience >= 0, "patience", "must be >= 0 (0 = no early stopping)");
        require(warmupFraction >= 0 && warmupFraction < 1, "warmup-fraction",
                "must be within [0, 1), got " + warmupFraction);
        require(clipNorm >= 0, "clip-norm", "must be >= 0 (0 = no clipping), got " + clipNorm);
    }
}
