package io.serdistill.model.wav2vec2;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = x W^T + b on rows: x [n, in] to [n, out]. {@code weightT} is W transposed once at load, [in, out]. */
record Linear(INDArray weightT, INDArray bias) {
    static Linear of(INDArray weight, INDArray bias) {
        return new Linear(weight.transpose().dup('c'), bias.reshape(1, bias.length()));
    }

    INDArray apply(INDArray x) {
        return x.mmul(weightT).addiRowVector(bias);
    }
}
