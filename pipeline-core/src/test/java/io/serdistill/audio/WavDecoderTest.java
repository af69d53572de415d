package io.serdistill.audio;

import static io.serdistill.audio.WavBytes.ascii;
import static io.serdistill.audio.WavBytes.bytes;
import static io.serdistill.audio.WavBytes.chunk;
import static io.serdistill.audio.WavBytes.fmt;
import static io.serdistill.audio.WavBytes.riff;
import static io.serdistill.audio.WavBytes.shorts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WavDecoderTest {

    private static AudioClip decode(byte[] wav) throws AudioFormatException {
        return WavDecoder.decode(wav, ChannelMode.DOWNMIX);
    }

    private static AudioFormatException rejection(byte[] wav) {
        return assertThrows(AudioFormatException.class, () -> decode(wav));
    }

    /** k / 2^(bits-1) for a spread of codes including both extremes: exactly representable at that depth. */
    private static float[] exactCodes(int bits, int n) {
        double full = Math.pow(2, bits - 1);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            long code = Math.round(-full + (2 * full - 1) * i / (n - 1.0));
            x[i] = (float) (code / full);
        }
        return x;
    }

    @Test
    void decodesHandBuilt16BitPcmByFullScale() throws Exception {
        byte[] wav = riff(chunk("fmt ", fmt(1, 1, 8000, 16)), chunk("data", shorts(0, 16384, -32768, 32767, -1)));
        AudioClip clip = decode(wav);
        assertEquals(8000, clip.sampleRate());
        assertArrayEquals(new float[] {0f, 0.5f, -1f, 32767f / 32768f, -1f / 32768f}, clip.samples());
    }

    @Test
    void signExtends24BitSamples() throws Exception {
        byte[] data = bytes(0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x40, 0xFF, 0xFF, 0xFF);
        AudioClip clip = decode(riff(chunk("fmt ", fmt(1, 1, 16000, 24)), chunk("data", data)));
        assertArrayEquals(new float[] {-1f, 8388607f / 8388608f, 0.5f, -1f / 8388608f}, clip.samples());
    }

    @Test
    void reads8BitAsUnsignedAroundMidpoint128() throws Exception {
        AudioClip clip = decode(riff(chunk("fmt ", fmt(1, 1, 8000, 8)), chunk("data", bytes(0x80, 0x00, 0xFF, 0xC0))));
        assertArrayEquals(new float[] {0f, -1f, 127f / 128f, 0.5f}, clip.samples());
    }

    @Test
    void roundTripsEveryIntegerDepthExactly() throws Exception {
        for (SampleFormat format : new SampleFormat[] {
                SampleFormat.PCM_U8, SampleFormat.PCM_S16, SampleFormat.PCM_S24, SampleFormat.PCM_S32}) {
            // 32-bit codes are only exact to float precision, so use a coarser grid there.
            float[] x = exactCodes(format == SampleFormat.PCM_S32 ? 24 : format.bitsPerSample(), 257);
            AudioClip clip = decode(WavWriter.write(new AudioClip(x, 22050), format));
            assertEquals(22050, clip.sampleRate(), format.name());
            assertArrayEquals(x, clip.samples(), format.name());
        }
    }

    @Test
    void roundTripsFloat32And64BitBeyondUnitRange() throws Exception {
        float[] x = {0f, 1.5f, -2.25f, 1e-7f, -0.123456789f, Float.MIN_NORMAL};
        for (SampleFormat format : new SampleFormat[] {SampleFormat.FLOAT32, SampleFormat.FLOAT64}) {
            assertArrayEquals(x, decode(WavWriter.write(new AudioClip(x, 48000), format)).samples(), format.name());
        }
    }

    @Test
    void roundTripsExtensibleFormats() throws Exception {
        for (SampleFormat format : SampleFormat.values()) {
            float[] x = exactCodes(format == SampleFormat.PCM_U8 ? 8 : 16, 101);
            byte[] wav = WavWriter.write(new float[][] {x}, 16000, format, true);
            assertEquals(0xFFFE, (wav[20] & 0xFF) | (wav[21] & 0xFF) << 8, "format tag of " + format);
            assertArrayEquals(x, decode(wav).samples(), format.name());
        }
    }

    @Test
    void downmixesThreeChannelsByAveraging() throws Exception {
        float[][] channels = {{0.25f, 0.5f}, {-0.5f, 0.5f}, {0.75f, -1f}};
        for (SampleFormat format : new SampleFormat[] {SampleFormat.PCM_S16, SampleFormat.FLOAT32}) {
            AudioClip clip = decode(WavWriter.write(channels, 16000, format, false));
            assertArrayEquals(new float[] {1f / 6f, 0f}, clip.samples(), 1e-7f, format.name());
        }
    }

    @Test
    void selectsOneChannelOfThree() throws Exception {
        float[][] channels = {{0.25f, 0.5f}, {-0.5f, 0.5f}, {0.75f, -1f}};
        byte[] wav = WavWriter.write(channels, 16000, SampleFormat.PCM_S24, false);
        for (int c = 0; c < 3; c++) {
            assertArrayEquals(channels[c], WavDecoder.decode(wav, ChannelMode.select(c)).samples());
        }
    }

    @Test
    void rejectsSelectedChannelTheFileDoesNotHave() {
        byte[] wav = WavWriter.write(new float[][] {{0.1f}, {0.2f}}, 16000, SampleFormat.PCM_S16, false);
        AudioFormatException e = assertThrows(AudioFormatException.class,
                () -> WavDecoder.decode(wav, ChannelMode.select(2)));
        assertEquals(AudioProblem.UNSUPPORTED_FORMAT, e.problem());
        assertTrue(e.getMessage().contains("2 channel(s)"), e.getMessage());
    }

    @Test
    void decodesTheCompleteFramesOfATruncatedDataChunk() throws Exception {
        float[] left = exactCodes(16, 100);
        float[] right = new float[100];
        byte[] wav = WavWriter.write(new float[][] {left, right}, 16000, SampleFormat.PCM_S16, false);
        byte[] cut = Arrays.copyOf(wav, wav.length - 3); // 99 whole stereo frames and one byte of the 100th
        AudioClip clip = WavDecoder.decode(cut, ChannelMode.select(0));
        assertArrayEquals(Arrays.copyOf(left, 99), clip.samples());
    }

    @Test
    void rejectsTruncatedWavWithoutACompleteFrame() {
        byte[] wav = riff(chunk("fmt ", fmt(1, 2, 16000, 16)), chunk("data", 4000, bytes(1, 2, 3)));
        AudioFormatException e = rejection(wav);
        assertEquals(AudioProblem.UNREADABLE, e.problem());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsHeaderCutInsideTheFmtChunk() {
        byte[] whole = riff(chunk("fmt ", fmt(1, 1, 16000, 16)), chunk("data", shorts(1, 2)));
        assertEquals(AudioProblem.UNREADABLE, rejection(Arrays.copyOf(whole, 30)).problem());
    }

    @Test
    void rejectsEmptyDataChunkAsEmptyAudio() {
        assertEquals(AudioProblem.EMPTY_AUDIO,
                rejection(riff(chunk("fmt ", fmt(1, 1, 16000, 16)), chunk("data", new byte[0]))).problem());
        assertEquals(AudioProblem.EMPTY_AUDIO, rejection(riff(chunk("fmt ", fmt(1, 1, 16000, 16)))).problem());
        assertEquals(AudioProblem.EMPTY_AUDIO,
                rejection(WavWriter.write(new AudioClip(new float[0], 16000), SampleFormat.FLOAT32)).problem());
    }

    @Test
    void rejectsNonWavBytes() {
        AudioFormatException mp3 = rejection(bytes('I', 'D', '3', 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        assertEquals(AudioProblem.NOT_WAV, mp3.problem());
        assertTrue(mp3.getMessage().contains("'ID3\\x04"), mp3.getMessage());
        assertEquals(AudioProblem.NOT_WAV, rejection(bytes('R', 'I', 'F', 'F')).problem());
        assertEquals(AudioProblem.NOT_WAV, rejection(new byte[0]).problem());
        byte[] avi = riff(chunk("fmt ", fmt(1, 1, 8000, 16)));
        System.arraycopy(ascii("AVI "), 0, avi, 8, 4);
        assertEquals(AudioProblem.NOT_WAV, rejection(avi).problem());
    }

    @Test
    void rejectsAdpcmNamingTheFormatTag() {
        AudioFormatException e = rejection(riff(chunk("fmt ", fmt(2, 1, 8000, 4)), chunk("data", bytes(1, 2))));
        assertEquals(AudioProblem.UNSUPPORTED_FORMAT, e.problem());
        assertEquals("format tag 0x0002 (ADPCM) is not supported; PCM and IEEE float only", e.getMessage());
    }

    @Test
    void rejectsMuLawAndUnsupportedBitDepths() {
        assertEquals(AudioProblem.UNSUPPORTED_FORMAT,
                rejection(riff(chunk("fmt ", fmt(7, 1, 8000, 8)), chunk("data", bytes(1, 2)))).problem());
        AudioFormatException half = rejection(riff(chunk("fmt ", fmt(3, 1, 8000, 16)), chunk("data", bytes(1, 2))));
        assertEquals(AudioProblem.UNSUPPORTED_FORMAT, half.problem());
        assertTrue(half.getMessage().startsWith("16-bit IEEE float"), half.getMessage());
        assertEquals(AudioProblem.UNSUPPORTED_FORMAT,
                rejection(riff(chunk("fmt ", fmt(1, 1, 8000, 40)), chunk("data", new byte[10]))).problem());
    }

    @Test
    void rejectsExtensibleWithAForeignSubFormatGuid() {
        byte[] wav = WavWriter.write(new float[][] {{0.5f}}, 16000, SampleFormat.PCM_S16, true);
        wav[20 + 24 + 10] ^= 0x55; // inside the GUID's fixed tail
        assertEquals(AudioProblem.UNSUPPORTED_FORMAT, rejection(wav).problem());
    }

    @Test
    void rejectsMissingFmtChunkAsUnreadable() {
        AudioFormatException e = rejection(riff(chunk("data", shorts(1, 2, 3))));
        assertEquals(AudioProblem.UNREADABLE, e.problem());
        assertEquals("no fmt chunk found", e.getMessage());
        assertEquals(AudioProblem.UNREADABLE, rejection(riff(chunk("fmt ", bytes(1, 0, 1, 0)))).problem());
    }

    @Test
    void skipsUnknownChunksHonouringTheOddSizePadByte() throws Exception {
        byte[] wav = riff(
                chunk("JUNK", bytes(9, 9, 9)), // odd: followed by a pad byte
                chunk("fmt ", fmt(1, 1, 16000, 16)),
                chunk("LIST", ascii("INFOISFT\u0005\u0000\u0000\u0000demo\u0000")), // 17 bytes, padded
                chunk("data", shorts(16384, -16384)),
                chunk("id3 ", bytes(1)));
        assertArrayEquals(new float[] {0.5f, -0.5f}, decode(wav).samples());
    }

    @Test
    void findsAFmtChunkThatFollowsTheData() throws Exception {
        byte[] wav = riff(chunk("data", shorts(8192)), chunk("fmt ", fmt(1, 1, 11025, 16)));
        AudioClip clip = decode(wav);
        assertEquals(11025, clip.sampleRate());
        assertArrayEquals(new float[] {0.25f}, clip.samples());
    }

    @Test
    void decodesFromAnInputStream() throws Exception {
        byte[] wav = WavWriter.pcm16(new AudioClip(new float[] {0.5f, -0.25f}, 16000));
        AudioClip clip = WavDecoder.decode(new ByteArrayInputStream(wav), ChannelMode.DOWNMIX);
        assertArrayEquals(new float[] {0.5f, -0.25f}, clip.samples());
    }
}
