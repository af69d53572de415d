package io.serdistill.audio;

/**
 * How raw audio becomes model input.
 *
 * @param targetRate  output sample rate in Hz (16 000 for wav2vec2 and the fbank front end)
 * @param channelMode how multichannel files become mono
 * @param maxSeconds  clips longer than this are cut to their first maxSeconds seconds; 0 means no limit
 * @param minSeconds  clips shorter than this (before cutting) are rejected as TOO_SHORT; 0 accepts any length
 */
public record AudioOptions(int targetRate, ChannelMode channelMode, double maxSeconds, double minSeconds)
        implements java.io.Serializable {

    public AudioOptions {
        if (targetRate <= 0) {
            throw new IllegalArgumentException("targetRate must be positive Hz, got " + targetRate);
        }
        if (channelMode == null) {
            throw new IllegalArgumentException("channelMode must not be null");
        }
        if (!(maxSeconds >= 0) || Double.isInfinite(maxSeconds)) {
            throw new IllegalArgumentException("maxSeconds must be >= 0 (0 = no limit), got " + maxSeconds);
        }
        if (!(minSeconds >= 0) || Double.isInfinite(minSeconds)) {
            throw new IllegalArgumentException("minSeconds must be >= 0, got " + minSeconds);
        }
        if (maxSeconds > 0 && maxSeconds < minSeconds) {
            throw new IllegalArgumentException("maxSeconds (" + maxSeconds + ") is below minSeconds ("
                    + minSeconds + "): every clip would be cut shorter than it is allowed to be");
        }
    }

    /** The paper's front end: 16 kHz, downmixed, cut at 20 s, nothing under 0.1 s. */
    public static AudioOptions defaults() {
        return new AudioOptions(16_000, ChannelMode.DOWNMIX, 20.0, 0.1);
    }
}
