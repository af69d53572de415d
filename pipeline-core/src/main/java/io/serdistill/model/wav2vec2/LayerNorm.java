package io.serdistill.model.wav2vec2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Affine normalisation with gain and bias of one value per channel, on a [rows, channels] matrix: over the
 * channels of each row (LayerNorm), or over the rows of each channel (GroupNorm with one group per channel, i.e.
 * over time, as wav2vec2-base's first conv layer does). Biased variance, eps inside the square root, like PyTorch.
 */
record LayerNorm(INDArray gain, INDArray bias, double eps) {
    static LayerNorm of(INDArray gain, INDArray bias, double eps) {
        return new LayerNorm(gain.reshape(1, gain.length()), bias.reshape(1, bias.length()), eps);
    }

    /** Normalises each row over its channels; returns a new array. */
    INDArray apply(INDArray x) {
        INDArray centred = x.subColumnVector(x.mean(true, 1));
        INDArray std = Transforms.sqrt(centred.mul(centred).mean(true, 1).addi(eps), false);
        return centred.diviColumnVector(std).muliRowVector(gain).addiRowVector(bias);
    }

    /** Normalises each channel (column) over the rows (frames); returns a new array. */
    INDArray applyOverTime(INDArray x) {
        // Column means of a row-major [frames, channels] matrix as (1/T) 1^T x: one GEMM instead of a strided
        // reduction over 12,800 x 512 values (the first conv layer of 4 s of audio), which took ~3x as long.
        INDArray average = Nd4j.valueArrayOf(new long[] {1, x.size(0)}, 1.0 / x.size(0), x.dataType());
        INDArray centred = x.subRowVector(average.mmul(x));
        INDArray std = Transforms.sqrt(average.mmul(centred.mul(centred)).addi(eps), false);
        return centred.diviRowVector(std).muliRowVector(gain).addiRowVector(bias);
    }
}
