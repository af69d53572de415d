package io.serdistill.features;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Float arrays as little-endian IEEE-754 float32 bytes: how framewise features travel in the features table's
 * binary {@code frames} column. One Parquet value per utterance instead of one per float makes the features write
 * several times cheaper (Parquet's nested-list writer spends more per element than the fbank does per value), and
 * the bytes read straight into NumPy: {@code numpy.frombuffer(b, '<f4').reshape(num_frames, dim)}.
 */
public final class FloatBlob {
    private FloatBlob() {}

    public static byte[] encode(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out.array();
    }

    /** @throws IllegalArgumentException when the length is not a whole number of floats */
    public static float[] decode(byte[] bytes) {
        if (bytes.length % Float.BYTES != 0) {
            throw new IllegalArgumentException("a float32 blob of " + bytes.length + " bytes: not a multiple of 4");
        }
        float[] out = new float[bytes.length / Float.BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
