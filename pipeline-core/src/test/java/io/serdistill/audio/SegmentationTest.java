package io.serdistill.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationTest {
    static final int RATE = 16_000;

    static AudioClip tone(double seconds) {
        float[] x = new float[(int) Math.round(seconds * RATE)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.5 * Math.sin(2 * Math.PI * 220 * i / RATE));
        }
        return new AudioClip(x, RATE);
    }

    static List<double[]> spans(List<Segment> segments) {
        return segments.stream().map(s -> new double[] {s.startSeconds(), s.endSeconds()}).toList();
    }

    static void assertSpans(double[][] expected, List<Segment> actual) {
        assertEquals(expected.length, actual.size(), () -> "segments " + spans(actual).stream()
                .map(java.util.Arrays::toString).toList());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], actual.get(i).startSeconds(), 1e-9, "start of segment " + i);
            assertEquals(expected[i][1], actual.get(i).endSeconds(), 1e-9, "end of segment " + i);
            assertEquals(actual.get(i).seconds(), actual.get(i).speechSeconds(), 1e-12);
        }
    }

    @Test
    void aClipNoLongerThanAWindowIsOneWholeSegment() {
        AudioClip clip = tone(8.0);
        List<Segment> s = new Segmentation.Windows(8, 4).segments(clip);
        assertSpans(new double[][] {{0, 8}}, s);
        assertSame(clip, s.get(0).of(clip));
    }

    @Test
    void windowsHopUntilOneReachesTheEnd() {
        assertSpans(new double[][] {{0, 8}, {4, 12}, {8, 16}, {12, 20}},
                new Segmentation.Windows(8, 4).segments(tone(20)));
    }

    @Test
    void theLastPartialWindowIsKeptWhenAtLeastHalfAWindow() {
        assertSpans(new double[][] {{0, 8}, {4, 12}, {8, 16}, {12, 17}},
                new Segmentation.Windows(8, 4).segments(tone(17)));
    }

    @Test
    void aLastWindowUnderHalfAWindowJoinsThePreviousOne() {
        assertSpans(new double[][] {{0, 8}, {8, 18.5}}, new Segmentation.Windows(8, 8).segments(tone(18.5)));
        assertSpans(new double[][] {{0, 8}, {8, 16}, {16, 20.5}}, new Segmentation.Windows(8, 8).segments(tone(20.5)));
    }

    @Test
    void segmentSamplesAreTheClipsOwn() {
        AudioClip clip = tone(10);
        Segment second = new Segmentation.Windows(8, 4).segments(clip).get(1);
        AudioClip part = second.of(clip);
        assertEquals(6 * RATE, part.samples().length);
        assertEquals(clip.samples()[4 * RATE + 17], part.samples()[17]);
    }

    @Test
    void rejectsAHopLongerThanTheWindow() {
        assertThrows(IllegalArgumentException.class, () -> new Segmentation.Windows(8, 9));
        assertThrows(IllegalArgumentException.class, () -> new Segmentation.Windows(8, 0));
    }

    /** 3 s tone, 4 s silence (faint noise), 5 s tone. */
    static AudioClip toneSilenceTone() {
        float[] a = tone(3).samples();
        float[] b = tone(5).samples();
        float[] x = new float[a.length + 4 * RATE + b.length];
        System.arraycopy(a, 0, x, 0, a.length);
        java.util.Random noise = new java.util.Random(3);
        for (int i = a.length; i < a.length + 4 * RATE; i++) {
            x[i] = (float) (1e-4 * noise.nextGaussian());
        }
        System.arraycopy(b, 0, x, a.length + 4 * RATE, b.length);
        return new AudioClip(x, RATE);
    }

    @Test
    void energyVadFindsTheTwoTonesOfToneSilenceTone() {
        List<Segment> s = new Segmentation.EnergyVad(8, 4, 30, 0.25, 0.3).segments(toneSilenceTone());
        assertEquals(2, s.size(), () -> "segments " + spans(s).stream().map(java.util.Arrays::toString).toList());
        assertEquals(0, s.get(0).startSeconds(), 0.03);
        assertEquals(3, s.get(0).endSeconds(), 0.03);
        assertEquals(7, s.get(1).startSeconds(), 0.03);
        assertEquals(12, s.get(1).endSeconds(), 0.03);
        assertEquals(s.get(1).seconds(), s.get(1).speechSeconds(), 1e-12);
    }

    @Test
    void energyVadWindowsARegionLongerThanAWindow() {
        List<Segment> s = new Segmentation.EnergyVad(2, 1, 30, 0.25, 0.3).segments(toneSilenceTone());
        // Two regions (~[0, 3] and ~[7, 12]), each cut into 2 s windows every 1 s: none spans the pause.
        assertTrue(s.size() >= 6, () -> "segments " + spans(s).stream().map(java.util.Arrays::toString).toList());
        assertTrue(s.stream().allMatch(x -> x.seconds() <= 2 + 1e-9));
        assertTrue(s.stream().allMatch(x -> x.endSeconds() <= 3.03 || x.startSeconds() >= 6.97));
        assertEquals(0, s.get(0).startSeconds(), 0.03);
        assertEquals(12, s.get(s.size() - 1).endSeconds(), 1e-9);
        double firstEnd = s.stream().filter(x -> x.endSeconds() < 5).mapToDouble(Segment::endSeconds).max().orElse(0);
        double secondStart = s.stream().filter(x -> x.startSeconds() > 5).mapToDouble(Segment::startSeconds).min().orElse(0);
        assertEquals(3, firstEnd, 0.03);
        assertEquals(7, secondStart, 0.03);
    }

    @Test
    void energyVadJoinsPausesShorterThanMinSilence() {
        List<Segment> s = new Segmentation.EnergyVad(8, 4, 30, 0.25, 5.0).segments(toneSilenceTone());
        // One 12 s region, windowed.
        assertSpans(new double[][] {{0, 8}, {4, 12}}, s);
        assertEquals(12, s.get(1).endSeconds(), 1e-9);
    }

    @Test
    void energyVadDropsRunsShorterThanMinSpeech() {
        float[] x = toneSilenceTone().samples().clone();
        // A 0.1 s click inside the silence.
        for (int i = 5 * RATE; i < 5 * RATE + RATE / 10; i++) {
            x[i] = 0.5f;
        }
        List<Segment> s = new Segmentation.EnergyVad(8, 4, 30, 0.25, 0.3).segments(new AudioClip(x, RATE));
        assertEquals(2, s.size());
    }
}
