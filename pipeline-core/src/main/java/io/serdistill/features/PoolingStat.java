package io.serdistill.features;

import java.util.Locale;

/**
 * One block of an utterance's pooled vector, per feature dimension: the frames' mean or standard deviation, or the
 * standard deviation of their first or second temporal differences (deltas, as Kaldi's add-deltas and torchaudio's
 * compute_deltas define them with a window of 2 frames each side: how fast each bin moves, which carries prosody
 * the static statistics miss). The mean of a delta is left out: it is (last − first frame) / length, close to 0.
 */
public enum PoolingStat {
    MEAN, STD, DELTA_STD, DELTA_DELTA_STD;

    /** The config spelling: mean, std, delta-std, delta-delta-std. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
