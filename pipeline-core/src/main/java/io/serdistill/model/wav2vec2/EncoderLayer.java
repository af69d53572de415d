package io.serdistill.model.wav2vec2;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One transformer layer. {@code output}'s weights are half the checkpoint's: it is fed 2 GELU (see
 * {@link Gelu#applyDoubledInPlace}). Post-LN (wav2vec2-base): x = LN(x + attn(x)); x = LN'(x + ffn(x)).
 * Pre-LN ("stable layer norm", large / XLS-R): x = x + attn(LN(x)); x = x + ffn(LN'(x)).
 * LN is {@code layer_norm}, LN' is {@code final_layer_norm} in Hugging Face's naming.
 */
record EncoderLayer(SelfAttention attention, LayerNorm layerNorm, Linear intermediate, Linear output,
        LayerNorm finalLayerNorm, boolean preNorm) {

    /** x [batch * frames, hidden] to a new array of the same shape. */
    INDArray apply(INDArray x, int batch, int frames, INDArray keyMask) {
        if (preNorm) {
            INDArray h = attention.apply(layerNorm.apply(x), batch, frames, keyMask).addi(x);
            return h.addi(feedForward(finalLayerNorm.apply(h)));
        }
        INDArray h = layerNorm.apply(attention.apply(x, batch, frames, keyMask).addi(x));
        return finalLayerNorm.apply(feedForward(h).addi(h));
    }

    private INDArray feedForward(INDArray x) {
        return output.apply(Gelu.applyDoubledInPlace(intermediate.apply(x))); // output's weights are halved at load
    }
}
