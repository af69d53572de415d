package io.serdistill.audio;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Assembles WAV files chunk by chunk so tests can build headers the writer would never produce. */
final class WavBytes {

    private WavBytes() {
    }

    /** A RIFF/WAVE file holding these chunks in order, with a correct RIFF size. */
    static byte[] riff(byte[]... chunks) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ascii("WAVE"));
        for (byte[] c : chunks) {
            body.writeBytes(c);
        }
        ByteBuffer out = ByteBuffer.allocate(8 + body.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.put(ascii("RIFF")).putInt(body.size()).put(body.toByteArray());
        return out.array();
    }

    /** One chunk: id, size, body, and the pad byte when the body is odd-sized. */
    static byte[] chunk(String id, byte[] body) {
        return chunk(id, body.length, body);
    }

    /** A chunk whose size field says {@code declaredSize} whatever the body holds (for truncation tests). */
    static byte[] chunk(String id, long declaredSize, byte[] body) {
        int pad = body.length % 2 == 1 && declaredSize == body.length ? 1 : 0;
        ByteBuffer out = ByteBuffer.allocate(8 + body.length + pad).order(ByteOrder.LITTLE_ENDIAN);
        out.put(ascii(id)).putInt((int) declaredSize).put(body);
        return out.array();
    }

    /** The 16-byte body of a classic fmt chunk. */
    static byte[] fmt(int formatTag, int channels, int sampleRate, int bitsPerSample) {
        int blockAlign = channels * bitsPerSample / 8;
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) formatTag).putShort((short) channels).putInt(sampleRate)
                .putInt(sampleRate * blockAlign).putShort((short) blockAlign).putShort((short) bitsPerSample)
                .array();
    }

    static byte[] shorts(int... values) {
        ByteBuffer out = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            out.putShort((short) v);
        }
        return out.array();
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
