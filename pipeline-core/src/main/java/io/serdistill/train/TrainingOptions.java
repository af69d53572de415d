package io.serdistill.train;

import io.serdistill.distill.TeacherWeighting;
import java.io.Serializable;
import java.util.List;

/**
 * Everything a training run needs besides data. {@code io.serdistill.config.SerConfig.Training} builds them from a
 * model family's settings.
 *
 * @param alpha          weight of the label cross-entropy; 1 = plain fine-tuning
 * @param temperature    distillation temperature T
 * @param patience       epochs without dev-UA improvement before stopping; 0 = run all epochs
 * @param warmupFraction share of the optimiser steps spent warming the learning rate up linearly
 * @param clipNorm       maximum global gradient norm; 0 = no clipping
 * @param classWeighted  weigh the cross-entropy by inverse class frequency of the training set
 * @param weighting      how teacher soft targets are mixed per utterance (null when alpha = 1)
 * @param teachers       teacher languages, in the order of {@link TrainingExample#teacherLogits()}
 * @param inputLayers    stacked input vectors combined by learned layer weights (1 = a plain pooled vector)
 * @param checkpointPolicy how often training state is checkpointed (when a checkpoint store is given)
 */
public record TrainingOptions(List<Integer> hidden, int epochs, int batchSize, double learningRate,
                              double weightDecay, int patience, LearningRateSchedule.Shape schedule,
                              double warmupFraction, double clipNorm, boolean classWeighted,
                              double alpha, double temperature, TeacherWeighting weighting, List<String> teachers,
                              long seed, int inputLayers, CheckpointPolicy checkpointPolicy) implements Serializable {

    public TrainingOptions {
        hidden = List.copyOf(hidden);
        if (checkpointPolicy == null) {
            throw new IllegalArgumentException("checkpointPolicy must not be null");
        }
        teachers = teachers == null ? List.of() : List.copyOf(teachers);
        if (inputLayers < 1) {
            throw new IllegalArgumentException("inputLayers must be >= 1, got " + inputLayers);
        }
        if (alpha < 1 && (weighting == null || teachers.isEmpty())) {
            throw new IllegalArgumentException("distillation (alpha < 1) needs a teacher weighting and teachers");
        }
    }

    /** Options checkpointed after every epoch. */
    public TrainingOptions(List<Integer> hidden, int epochs, int batchSize, double learningRate, double weightDecay,
                           int patience, LearningRateSchedule.Shape schedule, double warmupFraction, double clipNorm,
                           boolean classWeighted, double alpha, double temperature, TeacherWeighting weighting,
                           List<String> teachers, long seed, int inputLayers) {
        this(hidden, epochs, batchSize, learningRate, weightDecay, patience, schedule, warmupFraction, clipNorm,
                classWeighted, alpha, temperature, weighting, teachers, seed, inputLayers, CheckpointPolicy.EVERY_EPOCH);
    }

    /** The same options for inputs of {@code layers} stacked vectors (learned layer weighting). */
    public TrainingOptions withInputLayers(int layers) {
        return new TrainingOptions(hidden, epochs, batchSize, learningRate, weightDecay, patience, schedule,
                warmupFraction, clipNorm, classWeighted, alpha, temperature, weighting, teachers, seed, layers,
                checkpointPolicy);
    }

    /** The same options checkpointed as {@code policy} says. */
    public TrainingOptions withCheckpointPolicy(CheckpointPolicy policy) {
        return new TrainingOptions(hidden, epochs, batchSize, learningRate, weightDecay, patience, schedule,
                warmupFraction, clipNorm, classWeighted, alpha, temperature, weighting, teachers, seed, inputLayers,
                policy);
    }

    public boolean distills() {
        return alpha < 1;
    }
}
