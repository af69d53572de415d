package io.serdistill.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    // ---- handcrafted headers: each fault is refused, by every reader, with a message naming the tensor ----------

    @TempDir
    Path tmp;

    /** A file with {@code header} as its JSON and {@code dataBytes} zero bytes of data. */
    private static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).array();
    }

    /** The message every reader (in memory, memory-mapped file, stream) gives for {@code bytes}; they must agree. */
    private String refusal(byte[] bytes) throws IOException {
        String inMemory = assertThrows(IOException.class, () -> SafeTensors.parse(bytes, "bad.safetensors")).getMessage();
        Path path = tmp.resolve("bad.safetensors");
        Files.write(path, bytes);
        String mapped = assertThrows(IOException.class, () -> {
            try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
                f.readAll();
            }
        }).getMessage();
        assertEquals(inMemory.replace("bad.safetensors", path.toString()), mapped);
        String streamed = assertThrows(IOException.class,
                () -> SafeTensors.read(new ByteArrayInputStream(bytes), "bad.safetensors")).getMessage();
        assertTrue(streamed.startsWith("bad.safetensors: "), streamed);
        return inMemory;
    }

    private static void assertStarts(String expected, String message) {
        assertTrue(message.startsWith(expected), message);
    }

    @Test
    void rejectsReversedDataOffsets() throws IOException {
        assertEquals("bad.safetensors: tensor 'w' has data_offsets [8, 4]: begin is after end",
                refusal(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8)));
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        assertEquals("bad.safetensors: tensors 'a' [0, 8) and 'b' [4, 12) overlap", refusal(file(
                "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12)));
    }

    @Test
    void acceptsEmptyTensorsAndAdjacentRangesAsNoOverlap() throws IOException {
        byte[] bytes = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(bytes.length - 12, 1f)
                .putFloat(bytes.length - 8, 2f).putFloat(bytes.length - 4, 3f);
        Path path = tmp.resolve("ok.safetensors");
        Files.write(path, bytes);
        SafeTensors mapped;
        try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
            mapped = f.readAll();
        }
        for (SafeTensors st : List.of(SafeTensors.parse(bytes, "ok"), mapped,
                SafeTensors.read(new ByteArrayInputStream(bytes), "ok"))) {
            assertEquals(0, st.require("e").values().length);
            assertArrayEquals(new float[] {1, 2}, st.require("a").values());
            assertArrayEquals(new float[] {3}, st.require("b").values());
        }
    }

    @Test
    void rejectsATensorPastTheDataSection() throws IOException {
        byte[] bytes = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        assertEquals("bad.safetensors: tensor 'w' has data_offsets [0, 16] past the end of the data section (8 bytes):"
                + " the file is truncated or the header is wrong", refusal(bytes));
        assertEquals("s: the file ends inside tensor 'w' (data_offsets [0, 16), only 8 of its bytes present)",
                assertThrows(IOException.class, () -> SafeTensors.read(new ByteArrayInputStream(bytes), "s")).getMessage());
    }

    @Test
    void rejectsASizeThatIsNotDtypeWidthTimesShape() throws IOException {
        assertEquals("bad.safetensors: tensor 'w' has data_offsets [0, 8] (8 bytes) but shape [3] of F32 needs 12 bytes",
                refusal(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 12)));
    }

    @Test
    void rejectsAShapeWhoseSizeOverflows() throws IOException {
        assertStarts("bad.safetensors: tensor 'w' has shape [4611686018427387904, 4], too large",
                refusal(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                        + "\"data_offsets\":[0,8]}}", 8)));
    }

    @Test
    void rejectsAMissingOrUnknownDtype() throws IOException {
        assertEquals("bad.safetensors: tensor 'w' has no dtype",
                refusal(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4)));
        assertStarts("bad.safetensors: tensor 'w' has unknown dtype \"F33\"; safetensors dtypes are [F64, F32,",
                refusal(file("{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)));
        assertStarts("bad.safetensors: tensor 'w' has unknown dtype 4;",
                refusal(file("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4)));
    }

    @Test
    void checksTheOffsetsOfIntegerTensorsButReadsOnlyFloatOnes() throws IOException {
        byte[] bytes = file("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}", 20);
        assertEquals("bad.safetensors: tensor 'ids' has dtype I64; only F32, F64, F16 and BF16 tensors can be read as"
                + " weights", refusal(bytes));
        Path path = tmp.resolve("ids.safetensors");
        Files.write(path, bytes);
        try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
            assertArrayEquals(new float[] {0}, f.tensor("w").values());
            assertEquals(SafeTensors.Dtype.I64, f.entry("ids").dtype());
        }
        assertEquals("bad.safetensors: tensor 'ids' has data_offsets [0, 12] (12 bytes) but shape [2] of I64 needs 16"
                + " bytes", refusal(file("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,12]}}", 12)));
    }

    @Test
    void rejectsMissingShapeOrOffsetsAndAnEntryThatIsNotAnObject() throws IOException {
        assertEquals("bad.safetensors: tensor 'w' has no shape list",
                refusal(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4)));
        assertEquals("bad.safetensors: tensor 'w' has no data_offsets list",
                refusal(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4)));
        assertEquals("bad.safetensors: tensor 'w' has 3 data_offsets; expected [begin, end]",
                refusal(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8)));
        assertStarts("bad.safetensors: tensor 'w' is described by NUMBER, not an object",
                refusal(file("{\"w\":5}", 4)));
    }

    @Test
    void rejectsAHeaderLengthPastTheFileOrOverTheLimit() throws IOException {
        byte[] past = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        assertEquals("bad.safetensors: not a safetensors file (header length 1000 but the file holds 20 bytes)",
                assertThrows(IOException.class, () -> SafeTensors.parse(past, "bad.safetensors")).getMessage());
        Path path = tmp.resolve("past.safetensors");
        Files.write(path, past);
        assertEquals(path + ": not a safetensors file (header length 1000 but the file holds 20 bytes)",
                assertThrows(IOException.class, () -> SafeTensorsFile.open(path)).getMessage());
        assertStarts("s: not a safetensors file (header length 1000 but the file ends after 20 bytes)",
                assertThrows(IOException.class, () -> SafeTensors.read(new ByteArrayInputStream(past), "s")).getMessage());

        byte[] absurd = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(200L * 1024 * 1024).array();
        assertEquals("bad.safetensors: not a safetensors file (header length 209715200 exceeds the limit of 104857600"
                + " bytes)", refusal(absurd));
        byte[] negative = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).array();
        assertEquals("bad.safetensors: not a safetensors file (header length -8)", refusal(negative));
    }

    @Test
    void rejectsAHeaderThatIsNotOneJsonObject() throws IOException {
        assertStarts("bad.safetensors: unreadable safetensors header: expected a JSON object, got ARRAY",
                refusal(file("[1, 2]", 0)));
        assertStarts("bad.safetensors: unreadable safetensors header: ", refusal(file("{\"w\": {", 0)));
        assertStarts("bad.safetensors: __metadata__ is not an object", refusal(file("{\"__metadata__\": 1}", 0)));
    }

    @Test
    void rejectsARepeatedTensorName() throws IOException {
        String m = refusal(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        assertTrue(m.startsWith("bad.safetensors: unreadable safetensors header: ") && m.contains("'w'"), m);
    }

    @Test
    void refusesSomethingThatIsNotARegularFile() {
        IOException e = assertThrows(IOException.class, () -> SafeTensorsFile.open(tmp));
        assertEquals(tmp + ": not a regular file", e.getMessage());
        Path none = tmp.resolve("none.safetensors");
        assertEquals(none + ": no such file", assertThrows(IOException.class, () -> SafeTensorsFile.open(none)).getMessage());
    }

    // ---- the readers agree --------------------------------------------------------------------------------------

    @Test
    void streamAndMappedFileReadWhatParseReads() throws IOException {
        // Tensors stored out of header order with a gap between them, as a hand-edited file may be.
        byte[] bytes = file("{\"__metadata__\":{\"k\":\"v\"},"
                + "\"late\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                + "\"early\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 20);
        int data = bytes.length - 20;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(data, (short) 0x3C00).putFloat(data + 12, 2.5f).putFloat(data + 16, -1f);
        SafeTensors parsed = SafeTensors.parse(bytes, "m");
        SafeTensors streamed = SafeTensors.read(new ByteArrayInputStream(bytes), "m");
        Path path = tmp.resolve("m.safetensors");
        Files.write(path, bytes);
        try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
            assertEquals(List.of("late", "early"), List.copyOf(f.names()));
            assertEquals(Map.of("k", "v"), f.metadata());
            assertArrayEquals(new float[] {2.5f, -1f}, f.tensor("late").values());
            assertEquals(2.5f, f.bytes("late").getFloat(0));
            assertTrue(f.bytes("late").isReadOnly());
        }
        for (SafeTensors st : List.of(parsed, streamed)) {
            assertEquals(List.of("late", "early"), List.copyOf(st.tensors().keySet()));
            assertArrayEquals(new float[] {2.5f, -1f}, st.require("late").values());
            assertArrayEquals(new float[] {1f}, st.require("early").values());
            assertEquals("v", st.metadata().get("k"));
        }
    }

    @Test
    void streamNamesTheTensorItEndsInside() {
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("a", new SafeTensors.Tensor(new long[] {1}, new float[1]));
        t.put("b", new SafeTensors.Tensor(new long[] {4}, new float[4]));
        byte[] full = new SafeTensors(t, Map.of()).toBytes();
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(new ByteArrayInputStream(cut), "cut"));
        assertEquals("cut: the file ends inside tensor 'b' (data_offsets [4, 20), only 13 of its bytes present)",
                e.getMessage());
    }
}
