package io.serdistill.model.tdnn;

import java.io.Serializable;
import java.util.List;

/**
 * Shape of a {@link TdnnClassifier}: 1-D convolutions over time (a TDNN, x-vector / ECAPA style without the
 * residual blocks), each "same"-padded so frame t stays frame t, with ReLU and an optional per-frame layer norm over
 * channels; masked attentive statistics pooling of the last layer; a linear classifier.
 *
 * @param inputDim     values per input frame (fbank mel bins)
 * @param channels     output channels of each conv layer
 * @param kernelSizes  odd kernel width (frames) of each layer
 * @param dilations    dilation (frames) of each layer; layer i sees (kernel_i - 1) * dilation_i + 1 frames of its input
 * @param attentionDim bottleneck of the attention that weights frames for pooling
 * @param layerNorm    normalise each frame over its channels after the ReLU (per frame: independent of the batch)
 */
public record TdnnSpec(int inputDim, List<Integer> channels, List<Integer> kernelSizes, List<Integer> dilations,
                       int attentionDim, boolean layerNorm, int numClasses) implements Serializable {

    public TdnnSpec {
        channels = List.copyOf(channels);
        kernelSizes = List.copyOf(kernelSizes);
        dilations = List.copyOf(dilations);
        if (inputDim < 1 || attentionDim < 1 || numClasses < 2) {
            throw new IllegalArgumentException("inputDim and attentionDim must be >= 1 and numClasses >= 2, got "
                    + inputDim + ", " + attentionDim + ", " + numClasses);
        }
        if (channels.isEmpty() || kernelSizes.size() != channels.size() || dilations.size() != channels.size()) {
            throw new IllegalArgumentException("channels, kernelSizes and dilations need one entry per layer (at least"
                    + " one), got " + channels + ", " + kernelSizes + ", " + dilations);
        }
        for (int i = 0; i < channels.size(); i++) {
            if (channels.get(i) < 1 || kernelSizes.get(i) < 1 || kernelSizes.get(i) % 2 == 0 || dilations.get(i) < 1) {
                throw new IllegalArgumentException("layer " + i + ": channels >= 1, an odd kernel size and dilation >= 1"
                        + " are needed, got " + channels.get(i) + ", " + kernelSizes.get(i) + ", " + dilations.get(i));
            }
        }
    }

    public int layers() {
        return channels.size();
    }

    /** Input channels of layer {@code i}. */
    public int fanIn(int i) {
        return i == 0 ? inputDim : channels.get(i - 1);
    }

    /** Width of the last layer's frames, the pooled statistics being twice that. */
    public int outputChannels() {
        return channels.get(channels.size() - 1);
    }
}
