package io.serdistill.train;

import static io.serdistill.train.InvalidOption.require;

import io.serdistill.data.Emotion;
import io.serdistill.model.tdnn.SpecAugment;
import io.serdistill.model.tdnn.TdnnSpec;
import java.io.Serializable;
import java.util.List;

/**
 * A TDNN family's shape and augmentation as configured (ser.teachers.tdnn, ser.student.tdnn); validated on
 * construction, an error naming the option below that block ({@link InvalidOption}, e.g. {@code kernel-sizes} or
 * {@code spec-augment.time-masks}).
 *
 * @param channels     output channels per conv layer
 * @param kernelSizes  odd kernel width per layer, frames
 * @param dilations    dilation per layer, frames
 * @param attentionDim attention bottleneck of the attentive statistics pooling
 * @param layerNorm    per-frame layer norm over channels after each ReLU
 * @param masking      training-time masking of the standardised input frames
 */
public record TdnnOptions(List<Integer> channels, List<Integer> kernelSizes, List<Integer> dilations, int attentionDim,
                          boolean layerNorm, Masking masking) implements Serializable {

    /** ser.*.tdnn.spec-augment: mask counts, and their widths in frames and mel bins ({@link SpecAugment}). */
    public record Masking(int timeMasks, int timeMaskWidth, int freqMasks, int freqMaskWidth) implements Serializable {
        public Masking {
            require(timeMasks >= 0, "spec-augment.time-masks", "must be >= 0, got " + timeMasks);
            require(timeMaskWidth >= 0, "spec-augment.time-mask-width", "must be >= 0 frames, got " + timeMaskWidth);
            require(freqMasks >= 0, "spec-augment.freq-masks", "must be >= 0, got " + freqMasks);
            require(freqMaskWidth >= 0, "spec-augment.freq-mask-width", "must be >= 0 bins, got " + freqMaskWidth);
        }

        public SpecAugment toSpecAugment() {
            return new SpecAugment(timeMasks, timeMaskWidth, freqMasks, freqMaskWidth);
        }
    }

    public TdnnOptions {
        channels = List.copyOf(channels);
        kernelSizes = List.copyOf(kernelSizes);
        dilations = List.copyOf(dilations);
        require(!channels.isEmpty() && channels.stream().allMatch(c -> c > 0), "channels",
                "must list at least one layer width, each > 0, got " + channels);
        require(kernelSizes.size() == channels.size(), "kernel-sizes",
                "needs one entry per layer of channels (" + channels.size() + "), got " + kernelSizes);
        require(kernelSizes.stream().allMatch(k -> k > 0 && k % 2 == 1), "kernel-sizes",
                "must be odd and > 0 (frame t stays frame t), got " + kernelSizes);
        require(dilations.size() == channels.size(), "dilations",
                "needs one entry per layer of channels (" + channels.size() + "), got " + dilations);
        require(dilations.stream().allMatch(d -> d > 0), "dilations", "must be > 0, got " + dilations);
        require(attentionDim > 0, "attention-dim", "must be > 0, got " + attentionDim);
        java.util.Objects.requireNonNull(masking, "masking");
    }

    public SpecAugment specAugment() {
        return masking.toSpecAugment();
    }

    /** The model shape over frames of {@code inputDim} values, for the {@link Emotion} classes. */
    public TdnnSpec spec(int inputDim) {
        return new TdnnSpec(inputDim, channels, kernelSizes, dilations, attentionDim, layerNorm, Emotion.COUNT);
    }
}
