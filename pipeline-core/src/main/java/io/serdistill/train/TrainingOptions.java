package io.serdistill.train;

import java.io.Serializable;
import java.util.Objects;

/**
 * Everything a training run needs besides data and the model's shape: how it optimises, what it learns from, its
 * seed, and how often its state is checkpointed (when a checkpoint store is given).
 */
public record TrainingOptions(Optimisation optimisation, Objective objective, long seed,
                              CheckpointPolicy checkpointPolicy) implements Serializable {

    public TrainingOptions {
        Objects.requireNonNull(optimisation, "optimisation");
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(checkpointPolicy, "checkpointPolicy");
    }

    /** Checkpointed after every epoch. */
    public TrainingOptions(Optimisation optimisation, Objective objective, long seed) {
        this(optimisation, objective, seed, CheckpointPolicy.EVERY_EPOCH);
    }

    /** The same options checkpointed as {@code policy} says. */
    public TrainingOptions withCheckpointPolicy(CheckpointPolicy policy) {
        return new TrainingOptions(optimisation, objective, seed, policy);
    }

    public boolean distills() {
        return objective.distills();
    }
}
