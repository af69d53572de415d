package io.serdistill.audio;

/**
 * Mono audio in memory.
 *
 * @param samples    one sample per frame, nominally in [-1, 1] (float WAVs may exceed it); shape [frames].
 *                   The array is not copied, and equality is by array identity as for any record with an array.
 * @param sampleRate frames per second, in Hz; positive
 */
public record AudioClip(float[] samples, int sampleRate) {

    public AudioClip {
        if (samples == null) {
            throw new IllegalArgumentException("samples must not be null");
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be positive, got " + sampleRate);
        }
    }

    /** Length in seconds: frames / sampleRate. */
    public double durationSeconds() {
        return samples.length / (double) sampleRate;
    }
}
