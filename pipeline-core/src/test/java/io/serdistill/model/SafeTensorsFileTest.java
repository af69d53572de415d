package io.serdistill.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files larger than a Java array, made sparse (setLength) so the test writes a few bytes and reads a few pages. */
class SafeTensorsFileTest {
    private static final long BIG = 275_000_000L; // floats: 1.1 GB each
    private static final long HUGE = 540_000_000L; // floats: 2.16 GB, over one mapped buffer's 2 GiB

    @TempDir
    Path tmp;

    @Test
    void opensAFileOverFourGigabytesAndReadsEachTensorWithoutLoadingTheFile() throws IOException {
        long big1 = 16;
        long big2 = big1 + 4 * BIG;
        long huge = big2 + 4 * BIG;
        long end = huge + 4 * HUGE;
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"small\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"big1\":{\"dtype\":\"F32\",\"shape\":[" + BIG + "],\"data_offsets\":[" + big1 + "," + big2 + "]},"
                + "\"big2\":{\"dtype\":\"F32\",\"shape\":[1000," + BIG / 1000 + "],\"data_offsets\":[" + big2 + "," + huge + "]},"
                + "\"huge\":{\"dtype\":\"F32\",\"shape\":[" + HUGE + "],\"data_offsets\":[" + huge + "," + end + "]}}";
        byte[] json = header.getBytes(StandardCharsets.US_ASCII);
        Path path = tmp.resolve("model.safetensors");
        long dataStart = 8 + json.length;
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(dataStart + end);
            f.write(ByteBuffer.allocate(8 + json.length + 16).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length)
                    .put(json).putFloat(1).putFloat(2).putFloat(3).putFloat(4).array());
            // One non-zero value at the very end of big2, so its last page is read from where the header says.
            f.seek(dataStart + huge - 4);
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7.5f).array());
        }
        assertTrue(path.toFile().length() > 4L * 1024 * 1024 * 1024, "the file is over 4 GiB");

        try (SafeTensorsFile st = SafeTensorsFile.open(path)) {
            assertEquals("pt", st.metadata().get("format"));
            SafeTensors.Tensor small = st.tensor("small");
            assertArrayEquals(new long[] {2, 2}, small.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4}, small.values());

            ByteBuffer b1 = st.bytes("big1");
            assertEquals(4 * BIG, b1.capacity());
            assertEquals(0f, b1.getFloat(0));
            assertEquals(0f, b1.getFloat((int) (4 * BIG - 4)));
            ByteBuffer b2 = st.bytes("big2");
            assertArrayEquals(new long[] {1000, BIG / 1000}, st.entry("big2").shape());
            assertEquals(0f, b2.getFloat(0));
            assertEquals(7.5f, b2.getFloat((int) (4 * BIG - 4)));

            SafeTensors.Entry h = st.entry("huge");
            assertEquals(4 * HUGE, h.byteLength());
            IOException e = assertThrows(IOException.class, () -> st.tensor("huge"));
            assertEquals(path + ": tensor 'huge' holds 2160000000 bytes (shape [540000000] of F32); a single tensor must"
                    + " be under 2 GiB to be read", e.getMessage());
        }
    }
}
