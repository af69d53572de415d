package io.serdistill.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * How a long recording is cut into the segments a model scores one at a time. A clip of at most {@link #seconds()}
 * is one segment, the whole clip (scored exactly as a short utterance is); a longer one is cut into windows of
 * {@code seconds} every {@code hopSeconds} ({@link Windows}), or into the regions an energy-based voice activity
 * detector finds, each region longer than {@code seconds} windowed the same way ({@link EnergyVad}).
 *
 * <p>Windows start at 0, hop, 2·hop, … until one reaches the end of the audio; that last window is partial (shorter
 * than {@code seconds}), and when it would be shorter than half a window it is merged into the window before it,
 * which then ends at the end of the audio. Every segment's speech duration is its length.
 */
public sealed interface Segmentation extends java.io.Serializable {

    /** Window length in seconds: clips up to this long are not cut. */
    double seconds();

    /** Seconds between window starts; {@code 0 < hopSeconds <= seconds} (equal: windows do not overlap). */
    double hopSeconds();

    /** The segments of {@code clip}, in time order; empty when no speech is found (voice activity detection only). */
    List<Segment> segments(AudioClip clip);

    /** Fixed overlapping windows over the whole clip. */
    record Windows(double seconds, double hopSeconds) implements Segmentation {
        public Windows {
            checkWindow(seconds, hopSeconds);
        }

        @Override
        public List<Segment> segments(AudioClip clip) {
            if (clip.durationSeconds() <= seconds) {
                return List.of(Segment.whole(clip));
            }
            return windows(0, clip.samples().length, clip.sampleRate(), seconds, hopSeconds);
        }
    }

    /**
     * Speech regions by frame energy: 25 ms frames every 10 ms are speech when their energy (dB) is within
     * {@code thresholdDb} of the clip's loudest frame; speech runs separated by less than {@code minSilenceSeconds}
     * are joined, and runs shorter than {@code minSpeechSeconds} dropped. Regions longer than {@code seconds} are
     * windowed as {@link Windows} does.
     */
    record EnergyVad(double seconds, double hopSeconds, double thresholdDb, double minSpeechSeconds,
                     double minSilenceSeconds) implements Segmentation {
        /** Analysis frame length and step of the detector. */
        public static final double FRAME_SECONDS = 0.025;
        public static final double STEP_SECONDS = 0.010;

        public EnergyVad {
            checkWindow(seconds, hopSeconds);
            if (!(thresholdDb > 0) || Double.isInfinite(thresholdDb)) {
                throw new IllegalArgumentException("thresholdDb must be > 0 dB, got " + thresholdDb);
            }
            if (!(minSpeechSeconds >= 0) || Double.isInfinite(minSpeechSeconds)) {
                throw new IllegalArgumentException("minSpeechSeconds must be >= 0, got " + minSpeechSeconds);
            }
            if (!(minSilenceSeconds >= 0) || Double.isInfinite(minSilenceSeconds)) {
                throw new IllegalArgumentException("minSilenceSeconds must be >= 0, got " + minSilenceSeconds);
            }
        }

        @Override
        public List<Segment> segments(AudioClip clip) {
            if (clip.durationSeconds() <= seconds) {
                return List.of(Segment.whole(clip));
            }
            List<Segment> out = new ArrayList<>();
            for (int[] region : regions(clip)) {
                int length = region[1] - region[0];
                if (length / (double) clip.sampleRate() <= seconds) {
                    out.add(new Segment(region[0], region[1], clip.sampleRate(), length / (double) clip.sampleRate()));
                } else {
                    out.addAll(windows(region[0], region[1], clip.sampleRate(), seconds, hopSeconds));
                }
            }
            return out;
        }

        /** Speech regions as [start, end) sample ranges, in order. */
        List<int[]> regions(AudioClip clip) {
            float[] x = clip.samples();
            int rate = clip.sampleRate();
            int frame = Math.max(1, (int) Math.round(FRAME_SECONDS * rate));
            int step = Math.max(1, (int) Math.round(STEP_SECONDS * rate));
            int frames = x.length < frame ? 1 : 1 + (x.length - frame) / step;
            double[] db = new double[frames];
            double loudest = Double.NEGATIVE_INFINITY;
            for (int f = 0; f < frames; f++) {
                int from = f * step;
                int to = Math.min(x.length, from + frame);
                double energy = 0;
                for (int i = from; i < to; i++) {
                    energy += (double) x[i] * x[i];
                }
                db[f] = 10 * Math.log10(energy / (to - from) + 1e-20);
                loudest = Math.max(loudest, db[f]);
            }
            double threshold = loudest - thresholdDb;
            List<int[]> runs = new ArrayList<>();
            for (int f = 0; f < frames; f++) {
                if (db[f] <= threshold) {
                    continue;
                }
                int start = f * step;
                // The last frame also takes the few samples after it (fewer than a step).
                int end = f == frames - 1 ? x.length : Math.min(x.length, f * step + frame);
                int[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && start - last[1] < minSilenceSeconds * rate) {
                    last[1] = Math.max(last[1], end);
                } else {
                    runs.add(new int[] {start, end});
                }
            }
            runs.removeIf(r -> (r[1] - r[0]) < minSpeechSeconds * rate);
            return runs;
        }
    }

    private static void checkWindow(double seconds, double hopSeconds) {
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("seconds must be > 0, got " + seconds);
        }
        if (!(hopSeconds > 0) || hopSeconds > seconds) {
            throw new IllegalArgumentException("hopSeconds must be in (0, seconds = " + seconds + "], got " + hopSeconds);
        }
    }

    /** Windows over samples [from, to) (see the interface's contract on the last window). */
    private static List<Segment> windows(int from, int to, int rate, double seconds, double hopSeconds) {
        int window = Math.max(1, (int) Math.round(seconds * rate));
        int hop = Math.max(1, (int) Math.round(hopSeconds * rate));
        List<int[]> spans = new ArrayList<>();
        for (int start = from; ; start += hop) {
            int end = Math.min(to, start + window);
            spans.add(new int[] {start, end});
            if (end == to) {
                break;
            }
        }
        int[] last = spans.get(spans.size() - 1);
        if (spans.size() > 1 && (last[1] - last[0]) < window / 2.0) {
            spans.remove(spans.size() - 1);
            spans.get(spans.size() - 1)[1] = to;
        }
        List<Segment> out = new ArrayList<>(spans.size());
        for (int[] s : spans) {
            out.add(new Segment(s[0], s[1], rate, (s[1] - s[0]) / (double) rate));
        }
        return out;
    }
}
