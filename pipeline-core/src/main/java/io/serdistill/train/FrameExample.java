package io.serdistill.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One utterance for wav2vec2 fine-tuning ({@link Wav2Vec2FineTuner}).
 *
 * @param frames        the frozen CNN's output for the utterance, [frames, conv_dim[-1]] float (one frame per 20 ms),
 *                      from {@link io.serdistill.model.wav2vec2.Wav2Vec2Model#featureEncoder}
 * @param label         class index ({@link io.serdistill.data.Emotion} ordinal)
 * @param teacherLogits [teachers][classes] raw teacher logits, or null when not distilling
 */
public record FrameExample(String uttId, String language, String speaker, int label, INDArray frames,
                           float[][] teacherLogits) implements LabelledUtterance {

    public FrameExample withTeacherLogits(float[][] logits) {
        return new FrameExample(uttId, language, speaker, label, frames, logits);
    }
}
