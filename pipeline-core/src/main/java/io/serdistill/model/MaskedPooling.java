package io.serdistill.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Pooling of padded frame sequences into one vector per utterance, as SameDiff ops, over the real frames only: x is
 * [B, T, H] zero-padded to the batch's longest utterance and mask [B, T] holds 1 for real frames and 0 for padding,
 * so an utterance pools to the same vector alone or padded in any batch. Shared by every model that reads frames
 * (the wav2vec2 heads, the TDNN over fbank frames).
 */
public final class MaskedPooling {
    /** Added to the attention score of a padding frame: its weight underflows to exactly 0. */
    private static final double MASKED = -1e9;

    private MaskedPooling() {}

    /** sum_t x[b, t] m[b, t] / sum_t m[b, t], [B, H]. */
    public static SDVariable mean(SDVariable x, SDVariable mask) {
        SDVariable m = x.getSameDiff().expandDims(mask, 2);
        return x.mul(m).sum(1).div(mask.sum(true, 1));
    }

    /**
     * Attentive statistics pooling (Okabe et al. 2018): alpha_t = softmax over real frames of v . tanh(W x_t + b);
     * output [mean = sum alpha x ; sqrt(sum alpha (x - mean)^2)], [B, 2H].
     *
     * @param attW [H, A] attention projection
     * @param attB [A]
     * @param attV [A, 1] the score vector
     * @param h    H, the frame width
     */
    public static SDVariable attentiveStatistics(SDVariable x, SDVariable mask, SDVariable attW, SDVariable attB,
                                                 SDVariable attV, int h) {
        SameDiff sd = x.getSameDiff();
        SDVariable frames = sd.reshape(x, -1, h);
        SDVariable a = sd.math.tanh(sd.nn.linear(frames, attW, attB));
        SDVariable scores = sd.reshape(a.mmul(attV), sd.shape(mask));
        scores = scores.add(mask.sub(1).mul(-MASKED));
        SDVariable e = sd.math.exp(scores.sub(scores.max(true, 1))).mul(mask);
        SDVariable alpha = sd.expandDims(e.div(e.sum(true, 1)), 2);
        SDVariable mean = x.mul(alpha).sum(1);
        // The weighted variance about the mean, not E[x^2] - mean^2: the difference of two nearly equal sums would
        // cost float precision for utterances of few, similar frames (and make a batch's rounding show).
        SDVariable centred = x.sub(sd.expandDims(mean, 1));
        SDVariable std = sd.math.sqrt(centred.mul(centred).mul(alpha).sum(1).add(1e-6));
        return sd.concat(1, mean, std);
    }
}
