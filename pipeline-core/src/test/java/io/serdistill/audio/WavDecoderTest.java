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
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        assertTrue(mp3.getMessage().contains("49 44 33 04"), mp3.getMessage());
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

    /** Counts the bytes read or skipped, so a test can tell how much of a file was touched. */
    private static final class CountingStream extends FilterInputStream {
        long consumed;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            consumed += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            consumed += Math.max(0, n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            consumed += s;
            return s;
        }
    }

    @Test
    void rejectsSampleRatesOutside4To384KilohertzBeforeReadingTheData() throws Exception {
        for (int rate : new int[] {31_000_001, 1, 3_999, 384_001}) {
            // The data chunk claims 2 GB: a decoder that believed the rate would allocate for it.
            byte[] wav = riff(chunk("fmt ", fmt(1, 1, rate, 16)), chunk("data", 0x7FFF_FFF0L, shorts(1, 2, 3)));
            AudioFormatException fromBytes = rejection(wav);
            assertEquals(AudioProblem.UNSUPPORTED_SAMPLE_RATE, fromBytes.problem(), rate + " Hz");
            assertTrue(fromBytes.getMessage().contains(rate + " Hz"), fromBytes.getMessage());
            CountingStream in = new CountingStream(new ByteArrayInputStream(wav));
            AudioFormatException fromStream = assertThrows(AudioFormatException.class,
                    () -> WavDecoder.decode(in, wav.length, ChannelMode.DOWNMIX, 20));
            assertEquals(AudioProblem.UNSUPPORTED_SAMPLE_RATE, fromStream.problem());
            assertEquals(12 + 8 + 16, in.consumed, "read up to the end of the fmt chunk only");
        }
        for (int rate : new int[] {4_000, 384_000}) {
            byte[] wav = riff(chunk("fmt ", fmt(1, 1, rate, 16)), chunk("data", shorts(1, 2, 3)));
            assertEquals(rate, decode(wav).sampleRate());
        }
    }

    @Test
    void readsOnlyTheBytesTheMaximumDurationKeepsFromAThreeGigabyteSparseFile(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("huge.wav");
        long length = 3L << 30;
        float[] second = new float[16000];
        for (int i = 0; i < second.length; i++) {
            second[i] = (float) (0.5 * Math.sin(i * 0.05));
        }
        byte[] head = WavWriter.pcm16(new AudioClip(second, 16000));
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putInt(4, (int) (length - 8)).putInt(40, (int) (length - 44));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(head);
            raf.setLength(length); // sparse: costs no disk
        }
        try (CountingStream in = new CountingStream(Files.newInputStream(file))) {
            AudioClip clip = WavDecoder.decode(in, length, ChannelMode.DOWNMIX, 2.5);
            assertEquals(40_000, clip.samples().length);
            assertArrayEquals(decode(head).samples(), Arrays.copyOf(clip.samples(), 16000));
            assertEquals(0f, clip.samples()[39_999]);
            assertEquals(44 + 2 * 40_000, in.consumed);
        }
        try (CountingStream in = new CountingStream(Files.newInputStream(file))) {
            AudioFormatException e = assertThrows(AudioFormatException.class,
                    () -> WavDecoder.decode(in, length, ChannelMode.DOWNMIX, 0));
            assertEquals(AudioProblem.TOO_LONG, e.problem());
            assertTrue(e.getMessage().contains("ser.audio.max-seconds"), e.getMessage());
            assertEquals(44, in.consumed, "refused before reading any sample");
        }
    }

    @Test
    void decodingAStreamGivesWhatDecodingTheWholeFileGives() throws Exception {
        List<byte[]> files = List.of(
                riff(chunk("JUNK", bytes(9, 9, 9)), chunk("fmt ", fmt(1, 1, 16000, 16)),
                        chunk("LIST", ascii("INFOISFT\u0005\u0000\u0000\u0000demo\u0000")),
                        chunk("data", shorts(16384, -16384)), chunk("id3 ", bytes(1))),
                riff(chunk("data", shorts(8192, 7)), chunk("fmt ", fmt(1, 1, 11025, 16))),
                riff(chunk("fmt ", fmt(1, 2, 8000, 16)), chunk("data", 1000, shorts(1, 2, 3, 4, 5))),
                WavWriter.write(new float[][] {{0.5f, 0.25f, -0.5f}, {0.1f, 0.2f, 0.3f}}, 48000, SampleFormat.PCM_S24,
                        true));
        for (int f = 0; f < files.size(); f++) {
            byte[] wav = files.get(f);
            AudioClip whole = decode(wav);
            AudioClip streamed = WavDecoder.decode(new ByteArrayInputStream(wav), wav.length, ChannelMode.DOWNMIX, 0);
            assertArrayEquals(whole.samples(), streamed.samples());
            assertEquals(whole.sampleRate(), streamed.sampleRate());
            double seconds = 1.0 / whole.sampleRate();
            AudioClip cut = WavDecoder.decode(new ByteArrayInputStream(wav), -1, ChannelMode.DOWNMIX, seconds);
            // A data chunk met before the fmt chunk (file 1) is read whole: its frame size is not known yet.
            int kept = f == 1 ? whole.samples().length
                    : (int) Math.min(whole.samples().length, Math.ceil(seconds * whole.sampleRate()));
            assertArrayEquals(Arrays.copyOf(whole.samples(), kept), cut.samples());
        }
        for (byte[] bad : List.of(bytes('R', 'I', 'F', 'F'), riff(chunk("fmt ", bytes(1, 0, 1, 0))),
                riff(chunk("data", shorts(1, 2, 3))), riff(chunk("fmt ", fmt(2, 1, 8000, 4)), chunk("data", bytes(1, 2))))) {
            AudioFormatException whole = rejection(bad);
            AudioFormatException streamed = assertThrows(AudioFormatException.class,
                    () -> WavDecoder.decode(new ByteArrayInputStream(bad), bad.length, ChannelMode.DOWNMIX, 20));
            assertEquals(whole.problem(), streamed.problem());
            assertEquals(whole.getMessage(), streamed.getMessage());
        }
    }

    @Test
    void quotesOnlyTheHexOfTheMagicBytesOfAForeignFile() {
        byte[] passwd = "root:x:0:0:root:/root:/bin/bash\n".getBytes(StandardCharsets.US_ASCII);
        AudioFormatException e = rejection(passwd);
        assertEquals(AudioProblem.NOT_WAV, e.problem());
        assertEquals("magic bytes 0-3 and 8-11 are 72 6F 6F 74 and 3A 30 3A 72, not RIFF (52 49 46 46) and "
                + "WAVE (57 41 56 45)", e.getMessage());
        assertTrue(!e.getMessage().contains("root"), e.getMessage());
    }
}
