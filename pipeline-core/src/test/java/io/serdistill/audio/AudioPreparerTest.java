package io.serdistill.audio;

import static io.serdistill.audio.Sines.sine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AudioPreparerTest {

    private static AudioFormatException rejection(AudioOptions options, byte[] wav) {
        return assertThrows(AudioFormatException.class, () -> new AudioPreparer(options).prepare(wav));
    }

    @Test
    void turnsStereo44100IntoMono16000() throws Exception {
        float[] left = sine(500, 0.4, 44100, 44100);
        float[] right = sine(500, 0.2, 44100, 44100);
        byte[] wav = WavWriter.write(new float[][] {left, right}, 44100, SampleFormat.PCM_S16, false);
        AudioClip clip = new AudioPreparer(AudioOptions.defaults()).prepare(wav);
        assertEquals(16000, clip.sampleRate());
        assertEquals(16000, clip.samples().length);
        float[] ideal = sine(500, 0.3, 16000, 16000);
        for (int i = 200; i < 15800; i++) {
            assertEquals(ideal[i], clip.samples()[i], 1e-3, "frame " + i);
        }
    }

    @Test
    void selectsTheConfiguredChannel() throws Exception {
        float[] left = sine(500, 0.4, 16000, 1600);
        float[] right = sine(700, 0.2, 16000, 1600);
        byte[] wav = WavWriter.write(new float[][] {left, right}, 16000, SampleFormat.FLOAT32, false);
        AudioOptions options = new AudioOptions(16000, ChannelMode.select(1), 0, 0.1);
        assertArrayEquals(right, new AudioPreparer(options).prepare(wav).samples());
    }

    @Test
    void cutsToMaxSecondsAtTheTargetRate() throws Exception {
        AudioOptions options = new AudioOptions(16000, ChannelMode.DOWNMIX, 2.0, 0.1);
        AudioPreparer preparer = new AudioPreparer(options);
        float[] at16k = sine(300, 0.5, 16000, 3 * 16000);
        AudioClip same = preparer.prepare(new AudioClip(at16k, 16000));
        assertEquals(32000, same.samples().length);
        assertEquals(at16k[31999], same.samples()[31999]);
        AudioClip from48k = preparer.prepare(new AudioClip(sine(300, 0.5, 48000, 3 * 48000), 48000));
        assertEquals(32000, from48k.samples().length);
        AudioClip from22k = preparer.prepare(new AudioClip(sine(300, 0.5, 22050, 3 * 22050), 22050));
        assertEquals(32000, from22k.samples().length);
    }

    @Test
    void leavesAClipAlreadyAtTheTargetRateUntouched() throws Exception {
        AudioClip clip = new AudioClip(sine(300, 0.5, 16000, 8000), 16000);
        assertSame(clip, new AudioPreparer(AudioOptions.defaults()).prepare(clip));
    }

    @Test
    void rejectsClipsShorterThanMinSeconds() {
        byte[] wav = WavWriter.pcm16(new AudioClip(sine(300, 0.5, 16000, 1599), 16000));
        AudioFormatException e = rejection(AudioOptions.defaults(), wav);
        assertEquals(AudioProblem.TOO_SHORT, e.problem());
        assertTrue(e.getMessage().startsWith("0.0999 s (1599 frames at 16000 Hz)"), e.getMessage());
    }

    @Test
    void rejectsDigitalSilence() {
        float[] x = new float[16000];
        x[100] = 5e-6f; // below one 16-bit step
        byte[] wav = WavWriter.write(new AudioClip(x, 16000), SampleFormat.FLOAT32);
        assertEquals(AudioProblem.SILENT, rejection(AudioOptions.defaults(), wav).problem());
        assertEquals(AudioProblem.SILENT,
                rejection(AudioOptions.defaults(), WavWriter.pcm16(new AudioClip(new float[16000], 16000))).problem());
    }

    @Test
    void rejectsNonFiniteSamplesNamingTheFirst() {
        float[] x = sine(300, 0.5, 16000, 16000);
        x[1234] = Float.NaN;
        x[2000] = Float.POSITIVE_INFINITY;
        AudioFormatException e = rejection(AudioOptions.defaults(),
                WavWriter.write(new AudioClip(x, 16000), SampleFormat.FLOAT32));
        assertEquals(AudioProblem.NON_FINITE, e.problem());
        assertEquals("sample 1234 of 16000 is NaN", e.getMessage());
    }

    @Test
    void passesTheDecodersReasonThrough() {
        assertEquals(AudioProblem.NOT_WAV, rejection(AudioOptions.defaults(), new byte[40]).problem());
    }

    @Test
    void optionsRejectAMaximumBelowTheMinimum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AudioOptions(16000, ChannelMode.DOWNMIX, 0.05, 0.1));
        assertTrue(e.getMessage().startsWith("maxSeconds (0.05) is below minSeconds (0.1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AudioOptions(0, ChannelMode.DOWNMIX, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new AudioOptions(16000, null, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new AudioOptions(16000, ChannelMode.DOWNMIX, -1, 0));
    }

    @Test
    void parsesChannelModesAsTheyPrint() {
        assertEquals(ChannelMode.DOWNMIX, ChannelMode.parse(" Downmix "));
        assertEquals(ChannelMode.select(2), ChannelMode.parse("channel:2"));
        assertEquals(ChannelMode.select(0), ChannelMode.parse("0"));
        assertEquals(ChannelMode.select(3), ChannelMode.parse(ChannelMode.select(3).toString()));
        assertThrows(IllegalArgumentException.class, () -> ChannelMode.parse("left"));
        assertThrows(IllegalArgumentException.class, () -> ChannelMode.parse("channel:-1"));
    }

    @Test
    void theResamplerCacheStaysBoundedWhateverRatesTheFilesHave() throws Exception {
        // Odd rates have large tables (44 101 Hz -> 16 kHz: L = 16 000 phases x 178 taps, ~2.8 M floats; one near
        // 384 kHz ~26 M), and a task used to keep every one it met; a bound of 4 M floats holds one of these.
        long bound = 4_000_000;
        AudioPreparer preparer = new AudioPreparer(new AudioOptions(16_000, ChannelMode.DOWNMIX, 20, 0), bound);
        float[] x = new float[4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.5 * Math.sin(i * 0.3));
        }
        long first = 0;
        for (int rate : new int[] {44_101, 44_111, 44_119}) {
            assertEquals(16000, preparer.prepare(new AudioClip(x, rate)).sampleRate());
            first = first == 0 ? preparer.cachedTableFloats() : first;
            assertTrue(preparer.cachedTableFloats() <= bound, "cache holds " + preparer.cachedTableFloats());
        }
        assertTrue(first > bound / 2, "each table is more than half the bound: " + first);
        preparer.prepare(new AudioClip(x, 44_100)); // a small table (L = 160) joins the cache
        assertTrue(preparer.cachedTableFloats() > first, "kept while under the bound");
        assertTrue(preparer.cachedTableFloats() <= bound);
        assertTrue(AudioPreparer.MAX_CACHED_TABLE_FLOATS >= 26_000_000 / 2, "the default holds a 384 kHz table");
    }
}
