package io.serdistill.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WavWriterTest {

    @Test
    void writesTheCanonical44ByteHeaderFor16BitMono() {
        byte[] wav = WavWriter.pcm16(new AudioClip(new float[] {0f, 0.5f, -0.5f}, 16000));
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(44 + 6, wav.length);
        assertEquals("RIFF", new String(wav, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(wav.length - 8, b.getInt(4));
        assertEquals("WAVEfmt ", new String(wav, 8, 8, StandardCharsets.US_ASCII));
        assertEquals(16, b.getInt(16));
        assertEquals(1, b.getShort(20)); // PCM
        assertEquals(1, b.getShort(22)); // channels
        assertEquals(16000, b.getInt(24));
        assertEquals(32000, b.getInt(28)); // byte rate
        assertEquals(2, b.getShort(32)); // block align
        assertEquals(16, b.getShort(34));
        assertEquals("data", new String(wav, 36, 4, StandardCharsets.US_ASCII));
        assertEquals(6, b.getInt(40));
        assertEquals(16384, b.getShort(46));
        assertEquals(-16384, b.getShort(48));
    }

    @Test
    void clipsOutOfRangeSamplesAndWritesNanAsZero() {
        byte[] wav = WavWriter.pcm16(new AudioClip(new float[] {2f, -3f, 1f, Float.NaN, 0.99999f}, 8000));
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        short[] codes = new short[5];
        for (int i = 0; i < 5; i++) {
            codes[i] = b.getShort(44 + 2 * i);
        }
        assertArrayEquals(new short[] {32767, -32768, 32767, 0, 32767}, codes);
    }

    @Test
    void padsAnOddSizedDataChunkAndCountsThePadInTheRiffSize() {
        byte[] wav = WavWriter.write(new AudioClip(new float[] {0f, 0.5f, 1f}, 8000), SampleFormat.PCM_U8);
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(44 + 3 + 1, wav.length);
        assertEquals(3, b.getInt(40));
        assertEquals(wav.length - 8, b.getInt(4));
        assertArrayEquals(new byte[] {(byte) 128, (byte) 192, (byte) 255, 0}, Arrays.copyOfRange(wav, 44, 48));
    }

    @Test
    void interleavesChannelsFrameByFrame() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WavWriter.write(new float[][] {{0.25f, 0.5f}, {-0.25f, -0.5f}}, 16000, SampleFormat.FLOAT32, false, out);
        ByteBuffer b = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(3, b.getShort(20)); // IEEE float
        assertEquals(2, b.getShort(22));
        assertEquals(8, b.getShort(32));
        assertEquals(0.25f, b.getFloat(44));
        assertEquals(-0.25f, b.getFloat(48));
        assertEquals(0.5f, b.getFloat(52));
        assertEquals(-0.5f, b.getFloat(56));
    }

    @Test
    void refusesChannelsOfUnequalLength() {
        assertThrows(IllegalArgumentException.class,
                () -> WavWriter.write(new float[][] {{0f, 0f}, {0f}}, 16000, SampleFormat.PCM_S16, false));
    }
}
