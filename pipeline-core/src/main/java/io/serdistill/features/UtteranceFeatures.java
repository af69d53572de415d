package io.serdistill.features;

import io.serdistill.audio.AudioFormatException;

/**
 * One feature kind: turns a 16 kHz mono clip into a matrix (stored per utterance) and a pooled vector (what the
 * classifiers take). Instances hold per-task state (FFT plans, scratch) and are not shared between threads.
 */
public interface UtteranceFeatures {

    /** The matrix and the pooled vector of one utterance. */
    record Extracted(FeatureMatrix matrix, float[] pooled) {}

    /** "fbank", "wav2vec2": the directory name under features/. */
    String kind();

    /** @throws AudioFormatException with TOO_SHORT when the clip yields no frame */
    Extracted extract(float[] samples) throws AudioFormatException;
}
