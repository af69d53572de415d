package io.serdistill.model.wav2vec2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erfc;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The exact GELU, x * (1 + erf(x / sqrt 2)) / 2, which PyTorch and Hugging Face use for "gelu". ND4J's own GELU
 * ops are the sigmoid and tanh approximations, which differ by up to ~1e-3 and would break parity. Computed as
 * x * erfc(-x / sqrt 2) / 2 (the same function): four passes over the array instead of five.
 */
final class Gelu {
    private static final double MINUS_INV_SQRT2 = -1 / Math.sqrt(2);

    private Gelu() {
    }

    /** GELU in place; returns {@code x}. */
    static INDArray applyInPlace(INDArray x) {
        return applyDoubledInPlace(x).muli(0.5);
    }

    /**
     * 2 GELU(x) in place, one pass less: for a GELU feeding a linear map whose weights were halved at load (exact
     * in floating point, so the product is bit for bit that of GELU and the full weights).
     */
    static INDArray applyDoubledInPlace(INDArray x) {
        INDArray phi = x.mul(MINUS_INV_SQRT2);
        Nd4j.exec(new Erfc(phi, phi));
        return x.muli(phi);
    }
}
