package io.serdistill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader and writer for the safetensors format (8-byte little-endian header length, JSON header, raw
 * little-endian tensor bytes). It is the only weight format the project reads: unlike pickle it cannot run
 * code while loading. Tensors are exposed as float32 whatever their stored dtype (F32, F64, F16, BF16).
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

    /** Parses a whole safetensors file; {@code source} names the file in error messages. */
    public static SafeTensors parse(byte[] bytes, String source) throws IOException {
        if (bytes.length < 8) {
            throw new IOException(source + ": not a safetensors file (" + bytes.length + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong();
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > bytes.length) {
            throw new IOException(source + ": not a safetensors file (header length " + headerLen + ")");
        }
        String json = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8);
        ObjectNode header;
        try {
            header = Json.object(json);
        } catch (IOException e) {
            throw new IOException(source + ": unreadable safetensors header: " + e.getMessage(), e);
        }
        int dataStart = 8 + (int) headerLen;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) {
                    throw new IOException(source + ": __metadata__ is not an object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = e.getValue().fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = m.next();
                    if (!entry.getValue().isTextual()) {
                        throw new IOException(source + ": metadata '" + entry.getKey() + "' is not a string");
                    }
                    metadata.put(entry.getKey(), entry.getValue().textValue());
                }
                continue;
            }
            JsonNode info = e.getValue();
            String dtype = info.path("dtype").asText();
            long[] shape = longs(info.path("shape"), source, e.getKey(), "shape");
            long count = 1;
            for (long d : shape) {
                count *= d;
            }
            long[] offsets = longs(info.path("data_offsets"), source, e.getKey(), "data_offsets");
            if (offsets.length != 2) {
                throw new IOException(source + ": tensor '" + e.getKey() + "' has " + offsets.length
                        + " data_offsets; expected [begin, end]");
            }
            long begin = offsets[0];
            long end = offsets[1];
            int width = dtypeWidth(dtype, source, e.getKey());
            if (end - begin != count * width || dataStart + end > bytes.length || begin < 0) {
                throw new IOException(source + ": tensor '" + e.getKey() + "' has offsets [" + begin + ", " + end
                        + ") that do not fit shape " + Arrays.toString(shape) + " of " + dtype);
            }
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin))
                    .slice().order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(e.getKey(), new Tensor(shape, decode(slice, dtype, (int) count)));
        }
        return new SafeTensors(tensors, metadata);
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

    /** A tensor's {@code shape} or {@code data_offsets}: a list of non-negative integers. */
    private static long[] longs(JsonNode list, String source, String tensor, String key) throws IOException {
        if (!list.isArray()) {
            throw new IOException(source + ": tensor '" + tensor + "' has no " + key + " list");
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = list.get(i);
            if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() < 0) {
                throw new IOException(source + ": tensor '" + tensor + "' has " + key + "[" + i + "] = " + n
                        + "; expected a non-negative integer");
            }
            out[i] = n.asLong();
        }
        return out;
    }

    private static int dtypeWidth(String dtype, String source, String name) throws IOException {
        return switch (dtype) {
            case "F32" -> 4;
            case "F64" -> 8;
            case "F16", "BF16" -> 2;
            default -> throw new IOException(source + ": tensor '" + name + "' has dtype " + dtype
                    + "; only F32, F64, F16 and BF16 are supported");
        };
    }

    private static float[] decode(ByteBuffer b, String dtype, int count) {
        float[] out = new float[count];
        switch (dtype) {
            case "F32" -> b.asFloatBuffer().get(out);
            case "F64" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = halfToFloat(b.getShort(2 * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException(dtype);
        }
        return out;
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
