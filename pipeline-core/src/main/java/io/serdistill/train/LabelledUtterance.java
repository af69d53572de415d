package io.serdistill.train;

/** What the training loop needs to know of an utterance besides the model's input. */
public interface LabelledUtterance {
    String uttId();

    /** ISO 639-1 code; selects the teacher weights of language-aware distillation. */
    String language();

    /** Class index ({@link io.serdistill.data.Emotion} ordinal). */
    int label();

    /** [teachers][classes] raw teacher logits, or null when not distilling. */
    float[][] teacherLogits();
}
