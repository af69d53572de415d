package io.serdistill.model.tdnn;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * SpecAugment-style masking (Park et al. 2019, without time warping) of one utterance's standardised frames, applied
 * by training steps only: {@code timeMasks} spans of up to {@code timeMaskWidth} consecutive frames and
 * {@code freqMasks} bands of up to {@code freqMaskWidth} adjacent bins are set to 0, the training mean. Each width is
 * uniform in [0, max] and each start uniform over the positions where it fits; a span never exceeds the utterance.
 */
public record SpecAugment(int timeMasks, int timeMaskWidth, int freqMasks, int freqMaskWidth) implements Serializable {
    public static final SpecAugment NONE = new SpecAugment(0, 0, 0, 0);

    public SpecAugment {
        if (timeMasks < 0 || timeMaskWidth < 0 || freqMasks < 0 || freqMaskWidth < 0) {
            throw new IllegalArgumentException("mask counts and widths must be >= 0, got " + timeMasks + ", "
                    + timeMaskWidth + ", " + freqMasks + ", " + freqMaskWidth);
        }
    }

    /** Whether any value can be masked. */
    public boolean active() {
        return (timeMasks > 0 && timeMaskWidth > 0) || (freqMasks > 0 && freqMaskWidth > 0);
    }

    /**
     * Masks {@code frames} in place: [numFrames, dim] row-major starting at {@code offset}; draws from {@code rng}
     * in a fixed order (time masks, then frequency masks), so the same generator state gives the same masks.
     */
    public void apply(float[] values, int offset, int numFrames, int dim, SplittableRandom rng) {
        for (int m = 0; m < timeMasks; m++) {
            int w = Math.min(rng.nextInt(timeMaskWidth + 1), numFrames);
            int start = rng.nextInt(numFrames - w + 1);
            for (int t = start; t < start + w; t++) {
                java.util.Arrays.fill(values, offset + t * dim, offset + (t + 1) * dim, 0f);
            }
        }
        for (int m = 0; m < freqMasks; m++) {
            int w = Math.min(rng.nextInt(freqMaskWidth + 1), dim);
            int start = rng.nextInt(dim - w + 1);
            for (int t = 0; t < numFrames; t++) {
                java.util.Arrays.fill(values, offset + t * dim + start, offset + t * dim + start + w, 0f);
            }
        }
    }
}
