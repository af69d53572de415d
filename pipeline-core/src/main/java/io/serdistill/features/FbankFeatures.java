package io.serdistill.features;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioProblem;

/** Kaldi log-mel frames, pooled as per-bin statistics ({@link UtterancePooling}; mean and std by default). */
public final class FbankFeatures implements UtteranceFeatures {
    private final KaldiFbank fbank;
    private final java.util.List<PoolingStat> pooling;

    public FbankFeatures(FbankOptions options) {
        this(options, java.util.List.of(PoolingStat.MEAN, PoolingStat.STD));
    }

    /** @param pooling the statistics of the pooled vector, in order */
    public FbankFeatures(FbankOptions options, java.util.List<PoolingStat> pooling) {
        this.fbank = new KaldiFbank(options);
        this.pooling = java.util.List.copyOf(pooling);
    }

    @Override
    public String kind() {
        return "fbank";
    }

    /** @param samples [-1, 1] floats at the options' sample rate */
    @Override
    public Extracted extract(float[] samples) throws AudioFormatException {
        FeatureMatrix f = fbank.computeFromUnitRange(samples);
        if (f.frames() == 0) {
            throw new AudioFormatException(AudioProblem.TOO_SHORT, String.format(
                    "%d samples give no fbank frame (a frame is %d samples)", samples.length, fbank.options().windowSize()));
        }
        return new Extracted(f, UtterancePooling.pool(f, pooling));
    }
}
