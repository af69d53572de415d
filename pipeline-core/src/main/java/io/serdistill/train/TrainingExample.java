package io.serdistill.train;

import java.io.Serializable;

/**
 * One utterance as a model sees it.
 *
 * @param input         pooled feature vector (e.g. per-bin mean and standard deviation of log-mel frames)
 * @param label         class index ({@link io.serdistill.data.Emotion} ordinal)
 * @param teacherLogits [teachers][classes] raw teacher logits (soft targets are formed at temperature T during
 *                      training, weighted per utterance), or null when not distilling
 */
public record TrainingExample(String uttId, String language, String speaker, int label, float[] input,
                              float[][] teacherLogits) implements Serializable, LabelledUtterance {

    public TrainingExample withTeacherLogits(float[][] logits) {
        return new TrainingExample(uttId, language, speaker, label, input, logits);
    }
}
