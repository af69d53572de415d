package io.serdistill.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FloatBlobTest {
    @Test
    void littleEndianFloat32AsNumpyReadsIt() {
        // 1.0f = 0x3F800000, -2.5f = 0xC0200000: least significant byte first.
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3F, 0, 0, 0x20, (byte) 0xC0},
                FloatBlob.encode(new float[] {1.0f, -2.5f}));
    }

    @Test
    void roundTripKeepsEveryBitIncludingSpecialValues() {
        float[] values = {0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY, 3.14159f, -1e-30f};
        assertArrayEquals(values, FloatBlob.decode(FloatBlob.encode(values)));
        assertArrayEquals(new float[0], FloatBlob.decode(FloatBlob.encode(new float[0])));
    }

    @Test
    void refusesALengthThatIsNotWholeFloats() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FloatBlob.decode(new byte[6]));
        assertTrue(e.getMessage().contains("6 bytes"), e.getMessage());
    }
}
