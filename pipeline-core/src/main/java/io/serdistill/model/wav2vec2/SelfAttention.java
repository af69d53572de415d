package io.serdistill.model.wav2vec2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-head scaled dot-product self-attention over a padded batch, keys beyond each utterance's length masked.
 * The query, key and value projections are one fused [hidden, 3 * hidden] projection (one GEMM, one bias add, one
 * head split), with the 1 / sqrt(headDim) query scaling folded into the query weights and bias at load.
 */
record SelfAttention(Linear qkv, Linear out, int heads) {

    static SelfAttention of(Linear q, Linear k, Linear v, Linear out, int heads) {
        long hidden = q.weightT().size(0);
        double scale = 1 / Math.sqrt((double) hidden / heads);
        INDArray weightT = Nd4j.hstack(q.weightT().mul(scale), k.weightT(), v.weightT());
        INDArray bias = Nd4j.hstack(q.bias().mul(scale), k.bias(), v.bias());
        return new SelfAttention(new Linear(weightT, bias), out, heads);
    }

    /**
     * @param x        [batch * frames, hidden], utterance-major
     * @param keyMask  [batch, frames]: 0 for real frames, a large negative number for padding; null when none
     */
    INDArray apply(INDArray x, int batch, int frames, INDArray keyMask) {
        int hidden = (int) x.size(1);
        int headDim = hidden / heads;
        // [batch * frames, 3 * hidden] -> [3, batch, heads, frames, headDim]
        INDArray split = qkv.apply(x).reshape(batch, frames, 3, heads, headDim).permute(2, 0, 3, 1, 4).dup('c');
        INDArray qh = split.slice(0).reshape((long) batch * heads, frames, headDim);
        INDArray kh = split.slice(1).reshape((long) batch * heads, frames, headDim);
        INDArray vh = split.slice(2).reshape((long) batch * heads, frames, headDim);
        INDArray scores = Nd4j.matmul(qh, kh, false, true, false); // [batch * heads, frames, frames]
        if (keyMask != null) {
            INDArray perUtterance = scores.reshape(batch, (long) heads * frames, frames);
            for (int b = 0; b < batch; b++) {
                perUtterance.slice(b).addiRowVector(keyMask.getRow(b));
            }
        }
        Nd4j.exec(new SoftMax(scores, scores, -1));
        INDArray context = Nd4j.matmul(scores, vh); // [batch * heads, frames, headDim]
        INDArray merged = context.reshape(batch, heads, frames, headDim).permute(0, 2, 1, 3).dup('c')
                .reshape((long) batch * frames, hidden);
        return out.apply(merged);
    }
}
