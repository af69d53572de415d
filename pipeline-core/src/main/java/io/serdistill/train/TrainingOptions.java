package io.serdistill.train;

import io.serdistill.model.TrainingEngine;
import java.io.Serializable;
import java.util.Objects;

/**
 * Everything a training run needs besides data and the model's shape: how it optimises, how it is regularised, what
 * it learns from, its seed, how often its state is checkpointed (when a checkpoint store is given), and which
 * {@link TrainingEngine} computes its steps (models without a fused path always use SameDiff).
 */
public record TrainingOptions(Optimisation optimisation, Regularisation regularisation, Objective objective, long seed,
                              CheckpointPolicy checkpointPolicy, TrainingEngine engine) implements Serializable {

    public TrainingOptions {
        Objects.requireNonNull(optimisation, "optimisation");
        Objects.requireNonNull(regularisation, "regularisation");
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(checkpointPolicy, "checkpointPolicy");
        Objects.requireNonNull(engine, "engine");
    }

    /** Trained by the {@link TrainingEngine#AUTO} engine. */
    public TrainingOptions(Optimisation optimisation, Regularisation regularisation, Objective objective, long seed,
                           CheckpointPolicy checkpointPolicy) {
        this(optimisation, regularisation, objective, seed, checkpointPolicy, TrainingEngine.AUTO);
    }

    /** No regularisation beyond weight decay. */
    public TrainingOptions(Optimisation optimisation, Objective objective, long seed, CheckpointPolicy checkpointPolicy) {
        this(optimisation, Regularisation.NONE, objective, seed, checkpointPolicy);
    }

    /** No regularisation beyond weight decay, checkpointed after every epoch. */
    public TrainingOptions(Optimisation optimisation, Objective objective, long seed) {
        this(optimisation, Regularisation.NONE, objective, seed, CheckpointPolicy.EVERY_EPOCH);
    }

    /** The same options optimised as {@code o} says. */
    public TrainingOptions withOptimisation(Optimisation o) {
        return new TrainingOptions(o, regularisation, objective, seed, checkpointPolicy, engine);
    }

    /** The same options checkpointed as {@code policy} says. */
    public TrainingOptions withCheckpointPolicy(CheckpointPolicy policy) {
        return new TrainingOptions(optimisation, regularisation, objective, seed, policy, engine);
    }

    /** The same options regularised as {@code r} says. */
    public TrainingOptions withRegularisation(Regularisation r) {
        return new TrainingOptions(optimisation, r, objective, seed, checkpointPolicy, engine);
    }

    /** The same options trained by {@code e}. */
    public TrainingOptions withEngine(TrainingEngine e) {
        return new TrainingOptions(optimisation, regularisation, objective, seed, checkpointPolicy, e);
    }

    public boolean distills() {
        return objective.distills();
    }
}
