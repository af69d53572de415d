package io.serdistill.features;

import java.util.Locale;

/** Cepstral mean (and variance) normalisation of stored fbank frames. */
public enum Normalization {
    /** Frames as computed. */
    NONE,
    /** Each utterance with its own statistics ({@link FeatureNormalizer#perUtterance}). */
    UTTERANCE,
    /** Every utterance with the statistics of the train split's frames (a second pass over the features). */
    GLOBAL;

    /** The config spelling: none, utterance, global. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
