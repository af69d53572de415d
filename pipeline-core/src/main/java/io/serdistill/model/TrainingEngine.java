package io.serdistill.model;

import java.util.Locale;

/**
 * How a model's training steps are computed ({@code ser.train.engine}). {@link #SAMEDIFF}: the model's SameDiff graph
 * and its automatic gradients, backend-neutral (CUDA included) and the reference the others are held to.
 * {@link #FUSED}: a hand-written forward and backward pass on OpenBLAS GEMMs over the model's own arrays, with no
 * per-step graph execution, for the models that have one ({@link MlpClassifier}; wav2vec2 fine-tuning with mean
 * pooling, {@code Wav2Vec2FineTuneModel}; the fbank TDNN, {@code TdnnClassifier}) on ND4J's CPU backend. {@link #AUTO}:
 * fused where a model has such a path and ND4J runs on the CPU, SameDiff otherwise. The engines compute the same
 * loss and gradients up to floating-point rounding (float32 GEMMs summed in another order).
 */
public enum TrainingEngine {
    AUTO,
    FUSED,
    SAMEDIFF;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether ND4J runs on its CPU backend, whose array buffers are host memory OpenBLAS can read. */
    public static boolean cpuBackend() {
        return org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName().toLowerCase(Locale.ROOT)
                .contains("cpu");
    }

    /**
     * The engine a model with a fused path trains with: {@link #AUTO} becomes {@link #FUSED} on the CPU backend and
     * {@link #SAMEDIFF} elsewhere.
     *
     * @throws IllegalStateException for {@link #FUSED} off the CPU backend
     */
    public TrainingEngine resolve() {
        return switch (this) {
            case AUTO -> cpuBackend() ? FUSED : SAMEDIFF;
            case SAMEDIFF -> SAMEDIFF;
            case FUSED -> {
                if (!cpuBackend()) {
                    throw new IllegalStateException("the fused training engine needs ND4J's CPU backend, not "
                            + org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
                }
                yield FUSED;
            }
        };
    }
}
