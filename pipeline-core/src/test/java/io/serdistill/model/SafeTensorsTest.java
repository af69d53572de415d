package io.serdistill.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafeTensorsTest {

    @Test
    void roundTripsTensorsAndMetadata() throws IOException {
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("a", new SafeTensors.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        t.put("b", new SafeTensors.Tensor(new long[] {1}, new float[] {-0.5f}));
        byte[] bytes = new SafeTensors(t, Map.of("k", "v")).toBytes();
        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header is padded to 8 bytes");
        SafeTensors back = SafeTensors.parse(bytes, "mem");
        assertArrayEquals(new long[] {2, 3}, back.require("a").shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, back.require("a").values());
        assertArrayEquals(new float[] {-0.5f}, back.require("b").values());
        assertEquals("v", back.metadata().get("k"));
    }

    @Test
    void writesTheHeaderAsCompactJsonInInsertionOrderPaddedWithSpaces() {
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("a", new SafeTensors.Tensor(new long[] {2, 3}, new float[6]));
        t.put("b", new SafeTensors.Tensor(new long[] {1}, new float[1]));
        byte[] bytes = new SafeTensors(t, Map.of("k", "v \"w\"")).toBytes();
        int headerLen = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        // What the Gson-based writer wrote, so files stay byte-identical across the change of JSON library.
        String expected = "{\"__metadata__\":{\"k\":\"v \\\"w\\\"\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[24,28]}}";
        assertEquals(expected + " ".repeat(headerLen - expected.length()),
                new String(bytes, 8, headerLen, StandardCharsets.UTF_8));
        assertEquals(8 + headerLen + 28, bytes.length);
    }

    @Test
    void rejectsAShapeThatIsNotAListOfIntegersNamingTheTensor() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}";
        byte[] json = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.parse(b.array(), "odd.safetensors"));
        assertTrue(e.getMessage().startsWith("odd.safetensors: tensor 'w' has shape[0] = 2.5"), e.getMessage());
    }

    @Test
    void decodesHalfAndBfloat16() throws IOException {
        // F16 0x3C00 = 1.0, 0xC000 = -2.0, 0x0001 = 2^-24 (subnormal); BF16 0x3FC0 = 1.5
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[6,8]}}";
        byte[] json = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001)
                .putShort((short) 0x3FC0);
        SafeTensors st = SafeTensors.parse(b.array(), "half.safetensors");
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f}, st.require("h").values());
        assertArrayEquals(new float[] {1.5f}, st.require("bf").values());
    }

    @Test
    void rejectsPickleAndTruncatedFilesNamingTheSource() {
        byte[] pickle = {(byte) 0x80, 0x02, 0x7d, 0x71, 0x00, 0x28, 0x58, 0x01, 0x00};
        IOException e = assertThrows(IOException.class, () -> SafeTensors.parse(pickle, "pytorch_model.bin"));
        assertTrue(e.getMessage().startsWith("pytorch_model.bin: not a safetensors file"), e.getMessage());

        Map<String, SafeTensors.Tensor> t = Map.of("a", new SafeTensors.Tensor(new long[] {4}, new float[4]));
        byte[] full = new SafeTensors(t, Map.of()).toBytes();
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
        IOException e2 = assertThrows(IOException.class, () -> SafeTensors.parse(cut, "cut.safetensors"));
        assertTrue(e2.getMessage().contains("'a'"), e2.getMessage());
    }

    @Test
    void requireNamesTheMissingTensor() throws IOException {
        SafeTensors st = SafeTensors.parse(new SafeTensors(
                Map.of("x", new SafeTensors.Tensor(new long[] {1}, new float[1])), Map.of()).toBytes(), "m");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> st.require("encoder.w"));
        assertTrue(e.getMessage().contains("'encoder.w'") && e.getMessage().contains("[x]"), e.getMessage());
    }
}
