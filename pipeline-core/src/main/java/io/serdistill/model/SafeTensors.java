package io.serdistill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reader and writer for the safetensors format (8-byte little-endian header length, JSON header, raw
 * little-endian tensor bytes). It is the only weight format the project reads: unlike pickle it cannot run
 * code while loading. Tensors are exposed as float32 whatever their stored dtype (F32, F64, F16, BF16).
 *
 * <p>Every reader validates the whole header before it decodes a byte, and each error names the file and the tensor:
 * a header length over 100 MB or past the end of the file, JSON that is not one object or repeats a key, a tensor
 * without a known dtype, a shape or {@code [begin, end]} data_offsets, offsets reversed, past the data section or
 * overlapping another tensor's, and a byte length that is not dtype width × shape. An instance holds every tensor
 * decoded; {@link SafeTensorsFile} reads a file on disk one tensor at a time through memory maps, so files over 2 GB
 * load with heap for the largest tensor only.
 */
public final class SafeTensors {

    /** A tensor: row-major float32 values and its shape. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " holds " + n + " values, got " + values.length);
            }
        }
    }

    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    public SafeTensors(Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The named tensor; the error names the tensor and what the file holds instead. */
    public Tensor require(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is missing; the file holds " + tensors.size()
                    + " tensors" + (tensors.size() <= 20 ? " " + tensors.keySet() : ""));
        }
        return t;
    }

    /**
     * Parses a whole safetensors file held in memory; {@code source} names the file in error messages. Every tensor
     * is decoded, so the file must hold only float dtypes. Files on a local disk are better opened with
     * {@link SafeTensorsFile#open}, which reads one tensor at a time and works for files over 2 GB.
     */
    public static SafeTensors parse(byte[] bytes, String source) throws IOException {
        try (SafeTensorsFile file = SafeTensorsFile.of(bytes, source)) {
            return file.readAll();
        }
    }

    /**
     * Reads a safetensors file from a stream (a Hadoop FileSystem file, say), decoding each tensor as its bytes
     * arrive: besides the result, only the largest tensor's bytes are held at once. The stream is not closed.
     */
    public static SafeTensors read(InputStream in, String source) throws IOException {
        byte[] prefix = in.readNBytes(8);
        if (prefix.length < 8) {
            throw new IOException(source + ": not a safetensors file (" + prefix.length + " bytes)");
        }
        long headerLen = headerLength(ByteBuffer.wrap(prefix), -1, source);
        byte[] json = in.readNBytes((int) headerLen);
        if (json.length < headerLen) {
            throw new IOException(source + ": not a safetensors file (header length " + headerLen
                    + " but the file ends after " + (8 + json.length) + " bytes)");
        }
        Header header = Header.parse(json, -1, source);
        List<Entry> inFileOrder = new ArrayList<>(header.entries().values());
        inFileOrder.sort(Comparator.comparingLong(Entry::begin));
        Map<String, Tensor> decoded = new LinkedHashMap<>();
        long position = 0;
        for (Entry e : inFileOrder) {
            int length = e.checkedByteLength(source);
            try {
                // An empty tensor may lie anywhere, even inside another's range: nothing to read, nothing to skip.
                in.skipNBytes(Math.max(0, e.begin() - position));
            } catch (EOFException eof) {
                throw new IOException(source + ": the file ends before tensor '" + e.name() + "' at data offset "
                        + e.begin(), eof);
            }
            byte[] bytes = in.readNBytes(length);
            if (bytes.length < length) {
                throw new IOException(source + ": the file ends inside tensor '" + e.name() + "' (data_offsets ["
                        + e.begin() + ", " + e.end() + "), only " + bytes.length + " of its bytes present)");
            }
            position = Math.max(position, e.end());
            decoded.put(e.name(), e.decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), source));
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        header.entries().keySet().forEach(name -> tensors.put(name, decoded.get(name)));
        return new SafeTensors(tensors, header.metadata());
    }

    /** Serialises as F32 tensors in insertion order, header padded to 8 bytes as the format recommends. */
    public byte[] toBytes() {
        ObjectNode header = Json.newObject();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach((key, value) -> {
                if (value != null) { // left out, as Gson did: readers expect every metadata value to be a string
                    meta.put(key, value);
                }
            });
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", "F32");
            ArrayNode shape = info.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            ArrayNode offsets = info.putArray("data_offsets");
            offsets.add(offset);
            offset += 4L * e.getValue().values().length;
            offsets.add(offset);
        }
        byte[] json = Json.compact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(json);
        for (int i = json.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Tensor t : tensors.values()) {
            out.asFloatBuffer().put(t.values());
            out.position(out.position() + 4 * t.values().length);
        }
        return out.array();
    }

    /**
     * The dtypes the safetensors format defines, with their widths in bytes. Every one is accepted in a header so
     * that its offsets can be checked; only the float ones convert to float32 ({@link #decodable}).
     */
    public enum Dtype {
        F64(8), F32(4), F16(2), BF16(2), F8_E4M3(1), F8_E5M2(1),
        I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

        private final int width;

        Dtype(int width) {
            this.width = width;
        }

        public int width() {
            return width;
        }

        /** Whether {@link Entry#decode} turns this dtype into float32. */
        public boolean decodable() {
            return this == F64 || this == F32 || this == F16 || this == BF16;
        }
    }

    /**
     * One tensor as the header describes it: its bytes lie at {@code [begin, end)} of the data section (which starts
     * right after the header). A validated header guarantees {@code end - begin == width × product(shape)}.
     */
    public record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long byteLength() {
            return end - begin;
        }

        /** The byte length as an int, or an error naming the tensor when one Java buffer cannot hold it. */
        int checkedByteLength(String source) throws IOException {
            if (byteLength() > Integer.MAX_VALUE) {
                throw new IOException(source + ": tensor '" + name + "' holds " + byteLength() + " bytes (shape "
                        + Arrays.toString(shape) + " of " + dtype + "); a single tensor must be under 2 GiB to be read");
            }
            return (int) byteLength();
        }

        /** The tensor's bytes ({@code data}, little-endian, exactly {@link #byteLength} long) as float32. */
        Tensor decode(ByteBuffer data, String source) throws IOException {
            if (!dtype.decodable()) {
                throw new IOException(source + ": tensor '" + name + "' has dtype " + dtype
                        + "; only F32, F64, F16 and BF16 tensors can be read as weights");
            }
            int count = (int) (byteLength() / dtype.width());
            float[] out = new float[count];
            switch (dtype) {
                case F32 -> data.asFloatBuffer().get(out);
                case F64 -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = (float) data.getDouble(8 * i);
                    }
                }
                case F16 -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = halfToFloat(data.getShort(2 * i));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < count; i++) {
                        out[i] = Float.intBitsToFloat((data.getShort(2 * i) & 0xffff) << 16);
                    }
                }
                default -> throw new IllegalStateException(dtype.name());
            }
            return new Tensor(shape.clone(), out);
        }
    }

    /** A parsed and fully validated header: tensors in header order, the metadata, no tensor outside the data. */
    record Header(Map<String, Entry> entries, Map<String, String> metadata) {

        /**
         * Parses the JSON header. {@code dataLength} is the size of the data section in bytes, or -1 when unknown
         * (a stream), in which case the reader checks the end of each tensor as it reads it.
         */
        static Header parse(byte[] json, long dataLength, String source) throws IOException {
            ObjectNode header;
            try {
                header = Json.objectWithUniqueKeys(new String(json, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IOException(source + ": unreadable safetensors header: " + e.getMessage(), e);
            }
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    metadata.putAll(metadata(e.getValue(), source));
                } else {
                    entries.put(e.getKey(), entry(e.getKey(), e.getValue(), dataLength, source));
                }
            }
            checkNoOverlap(entries.values(), source);
            return new Header(entries, metadata);
        }

        private static Map<String, String> metadata(JsonNode node, String source) throws IOException {
            if (!node.isObject()) {
                throw new IOException(source + ": __metadata__ is not an object");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> m = node.fields(); m.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = m.next();
                if (!entry.getValue().isTextual()) {
                    throw new IOException(source + ": metadata '" + entry.getKey() + "' is not a string");
                }
                out.put(entry.getKey(), entry.getValue().textValue());
            }
            return out;
        }

        private static Entry entry(String name, JsonNode info, long dataLength, String source) throws IOException {
            String where = source + ": tensor '" + name + "'";
            if (!info.isObject()) {
                throw new IOException(where + " is described by " + info.getNodeType() + ", not an object with dtype,"
                        + " shape and data_offsets");
            }
            JsonNode dtypeNode = info.get("dtype");
            if (dtypeNode == null || dtypeNode.isNull()) {
                throw new IOException(where + " has no dtype");
            }
            Dtype dtype;
            try {
                dtype = Dtype.valueOf(dtypeNode.isTextual() ? dtypeNode.textValue() : "");
            } catch (IllegalArgumentException e) {
                throw new IOException(where + " has unknown dtype " + dtypeNode + "; safetensors dtypes are "
                        + Arrays.toString(Dtype.values()));
            }
            long[] shape = longs(info.get("shape"), where, "shape");
            long[] offsets = longs(info.get("data_offsets"), where, "data_offsets");
            if (offsets.length != 2) {
                throw new IOException(where + " has " + offsets.length + " data_offsets; expected [begin, end]");
            }
            long begin = offsets[0];
            long end = offsets[1];
            if (begin > end) {
                throw new IOException(where + " has data_offsets [" + begin + ", " + end + "]: begin is after end");
            }
            long needed;
            try {
                needed = dtype.width();
                for (long d : shape) {
                    needed = Math.multiplyExact(needed, d);
                }
            } catch (ArithmeticException e) {
                throw new IOException(where + " has shape " + Arrays.toString(shape) + ", too large for any file");
            }
            if (end - begin != needed) {
                throw new IOException(where + " has data_offsets [" + begin + ", " + end + "] (" + (end - begin)
                        + " bytes) but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + needed + " bytes");
            }
            if (dataLength >= 0 && end > dataLength) {
                throw new IOException(where + " has data_offsets [" + begin + ", " + end + "] past the end of the data"
                        + " section (" + dataLength + " bytes): the file is truncated or the header is wrong");
            }
            return new Entry(name, dtype, shape, begin, end);
        }

        /** A tensor's {@code shape} or {@code data_offsets}: a list of non-negative integers. */
        private static long[] longs(JsonNode list, String where, String key) throws IOException {
            if (list == null || !list.isArray()) {
                throw new IOException(where + " has no " + key + " list");
            }
            long[] out = new long[list.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode n = list.get(i);
                if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() < 0) {
                    throw new IOException(where + " has " + key + "[" + i + "] = " + n
                            + "; expected a non-negative integer");
                }
                out[i] = n.asLong();
            }
            return out;
        }

        /** Two tensors must not share a byte: writing one would change the other, and no writer produces that. */
        private static void checkNoOverlap(Collection<Entry> entries, String source) throws IOException {
            List<Entry> sorted = new ArrayList<>();
            for (Entry e : entries) {
                if (e.byteLength() > 0) {
                    sorted.add(e);
                }
            }
            sorted.sort(Comparator.comparingLong(Entry::begin));
            for (int i = 1; i < sorted.size(); i++) {
                Entry a = sorted.get(i - 1);
                Entry b = sorted.get(i);
                if (b.begin() < a.end()) {
                    throw new IOException(source + ": tensors '" + a.name() + "' [" + a.begin() + ", " + a.end()
                            + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap");
                }
            }
        }
    }

    /**
     * The header length from a file's first 8 bytes ({@code prefix}, read from its position), checked against the
     * format's limit and, when {@code fileLength} is known (not -1), against the file.
     */
    static long headerLength(ByteBuffer prefix, long fileLength, String source) throws IOException {
        long headerLen = prefix.order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLen <= 0) {
            throw new IOException(source + ": not a safetensors file (header length " + headerLen + ")");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new IOException(source + ": not a safetensors file (header length " + headerLen
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes)");
        }
        if (fileLength >= 0 && 8 + headerLen > fileLength) {
            throw new IOException(source + ": not a safetensors file (header length " + headerLen
                    + " but the file holds " + fileLength + " bytes)");
        }
        return headerLen;
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat arrives only in Java 20). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
