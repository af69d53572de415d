package io.serdistill.audio;

/**
 * The sample encodings a WAV data chunk may hold that we read and write. Integer PCM is two's complement
 * little-endian except 8-bit, which is unsigned with 128 as zero (as the WAV format defines it).
 */
public enum SampleFormat {
    PCM_U8(WavConstants.FORMAT_PCM, 8),
    PCM_S16(WavConstants.FORMAT_PCM, 16),
    PCM_S24(WavConstants.FORMAT_PCM, 24),
    PCM_S32(WavConstants.FORMAT_PCM, 32),
    FLOAT32(WavConstants.FORMAT_IEEE_FLOAT, 32),
    FLOAT64(WavConstants.FORMAT_IEEE_FLOAT, 64);

    private final int formatTag;
    private final int bitsPerSample;

    SampleFormat(int formatTag, int bitsPerSample) {
        this.formatTag = formatTag;
        this.bitsPerSample = bitsPerSample;
    }

    /** WAVE format tag: 0x0001 for integer PCM, 0x0003 for IEEE float. */
    public int formatTag() {
        return formatTag;
    }

    public int bitsPerSample() {
        return bitsPerSample;
    }

    /** Bytes one sample of one channel occupies. */
    public int bytesPerSample() {
        return bitsPerSample / 8;
    }

    /** The format with this tag (PCM or IEEE float) and container size, or null if we do not handle it. */
    static SampleFormat of(int formatTag, int bitsPerSample) {
        for (SampleFormat f : values()) {
            if (f.formatTag == formatTag && f.bitsPerSample == bitsPerSample) {
                return f;
            }
        }
        return null;
    }
}
