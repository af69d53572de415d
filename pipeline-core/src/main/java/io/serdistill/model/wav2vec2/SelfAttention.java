package io.serdistill.model.wav2vec2;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/** Multi-head scaled dot-product self-attention over a padded batch, keys beyond each utterance's length masked. */
record SelfAttention(Linear q, Linear k, Linear v, Linear out, int heads) {

    /**
     * @param x        [batch * frames, hidden], utterance-major
     * @param keyMask  [batch, frames]: 0 for real frames, a large negative number for padding; null when none
     */
    INDArray apply(INDArray x, int batch, int frames, INDArray keyMask) {
        int hidden = (int) x.size(1);
        int headDim = hidden / heads;
        INDArray qh = split(q.apply(x).muli(1 / Math.sqrt(headDim)), batch, frames, headDim);
        INDArray kh = split(k.apply(x), batch, frames, headDim);
        INDArray vh = split(v.apply(x), batch, frames, headDim);
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

    /** [batch * frames, heads * headDim] to [batch * heads, frames, headDim]. */
    private INDArray split(INDArray x, int batch, int frames, int headDim) {
        return x.reshape(batch, frames, heads, headDim).permute(0, 2, 1, 3).dup('c')
                .reshape((long) batch * heads, frames, headDim);
    }
}
