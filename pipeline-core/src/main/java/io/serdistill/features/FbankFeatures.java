package io.serdistill.features;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioProblem;

/** Kaldi log-mel frames, pooled as per-bin mean and standard deviation. */
public final class FbankFeatures implements UtteranceFeatures {
    private final KaldiFbank fbank;

    public FbankFeatures(FbankOptions options) {
        this.fbank = new KaldiFbank(options);
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
        return new Extracted(f, UtterancePooling.meanStd(f));
    }
}
