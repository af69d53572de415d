package io.serdistill.audio;

/**
 * A stretch of a clip, in samples at the clip's rate: {@code [start, end)}, with the seconds of speech it holds
 * (the weight its prediction gets in a file's aggregate).
 *
 * @param start        first sample, >= 0
 * @param end          one past the last sample, > start
 * @param sampleRate   Hz, of the clip the indices refer to
 * @param speechSeconds seconds of speech in the segment: its duration for fixed windows and voice-activity regions
 */
public record Segment(int start, int end, int sampleRate, double speechSeconds) implements java.io.Serializable {

    public Segment {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("a segment needs 0 <= start < end, got [" + start + ", " + end + ")");
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be positive Hz, got " + sampleRate);
        }
        if (!(speechSeconds >= 0)) {
            throw new IllegalArgumentException("speechSeconds must be >= 0, got " + speechSeconds);
        }
    }

    /** The whole of {@code clip} as one segment. */
    public static Segment whole(AudioClip clip) {
        return new Segment(0, clip.samples().length, clip.sampleRate(), clip.durationSeconds());
    }

    public double startSeconds() {
        return start / (double) sampleRate;
    }

    public double endSeconds() {
        return end / (double) sampleRate;
    }

    public double seconds() {
        return (end - start) / (double) sampleRate;
    }

    /** The segment's samples of {@code clip} (a copy; the whole clip itself when the segment covers it). */
    public AudioClip of(AudioClip clip) {
        if (clip.sampleRate() != sampleRate || end > clip.samples().length) {
            throw new IllegalArgumentException("segment [" + start + ", " + end + ") at " + sampleRate
                    + " Hz does not lie in a clip of " + clip.samples().length + " samples at " + clip.sampleRate() + " Hz");
        }
        if (start == 0 && end == clip.samples().length) {
            return clip;
        }
        return new AudioClip(java.util.Arrays.copyOfRange(clip.samples(), start, end), sampleRate);
    }
}
