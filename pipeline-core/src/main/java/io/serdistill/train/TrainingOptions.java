package io.serdistill.train;

import io.serdistill.config.SerConfig;
import java.io.Serializable;
import java.util.List;

/**
 * Everything a training run needs besides data.
 *
 * @param alpha       weight of the label cross-entropy; 1 = plain fine-tuning
 * @param temperature distillation temperature T
 * @param patience    epochs without dev-UA improvement before stopping; 0 = run all epochs
 */
public record TrainingOptions(List<Integer> hidden, int epochs, int batchSize, double learningRate,
                              double weightDecay, int patience, double alpha, double temperature, long seed)
        implements Serializable {

    public static TrainingOptions of(SerConfig.Training t, double alpha, double temperature, long seed) {
        return new TrainingOptions(t.hidden(), t.epochs(), t.batchSize(), t.learningRate(), t.weightDecay(),
                t.patience(), alpha, temperature, seed);
    }
}
