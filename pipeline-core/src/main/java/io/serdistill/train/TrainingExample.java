package io.serdistill.train;

import java.io.Serializable;

/**
 * One utterance as a model sees it.
 *
 * @param input  pooled feature vector (e.g. per-bin mean and standard deviation of log-mel frames)
 * @param label  class index ({@link io.serdistill.data.Emotion} ordinal)
 * @param target distillation target over classes (teacher mix at temperature T), or null when not distilling
 */
public record TrainingExample(String uttId, String language, String speaker, int label, float[] input, float[] target)
        implements Serializable {

    public TrainingExample withTarget(float[] newTarget) {
        return new TrainingExample(uttId, language, speaker, label, input, newTarget);
    }
}
