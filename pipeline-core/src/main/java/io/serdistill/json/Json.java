package io.serdistill.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.Instantiatable;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The project's one JSON mapping (Jackson databind, the version Spark ships, so the cluster jar need not carry it):
 * records and maps to text and back, and JSON objects read as trees. Output is what the earlier Gson code wrote,
 * byte for byte, except that Gson's HTML-safe escapes (of {@code < > & = '}, written as 6-character unicode
 * escapes) are gone: compact text for safetensors headers and metadata, Gson's pretty layout (two-space indent, one array element per line,
 * {@code "key": value}, {@code []} and {@code {}} when empty) for files people read. NaN and infinities are written
 * and read as bare {@code NaN}/{@code Infinity} (training histories hold them); null fields and map values are left
 * out; unknown fields are ignored on reading, so files written by a later version still load.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.NON_NULL))
            .build();
    private static final ObjectWriter COMPACT = MAPPER.writer();
    private static final ObjectWriter PRETTY = MAPPER.writer(new GsonLayout());

    private Json() {}

    /** One line, no spaces. */
    public static String compact(Object value) {
        return write(COMPACT, value);
    }

    /** Indented as described in the class comment, no trailing newline. */
    public static String pretty(Object value) {
        return write(PRETTY, value);
    }

    /**
     * {@code json} as a {@code type} (a record's canonical constructor validates it); the exception starts with
     * {@code source} and says where the text is wrong or what does not fit.
     */
    public static <T> T read(String json, Class<T> type, String source) throws IOException {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not a " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** {@code json} as a generic {@code type}, e.g. {@code new TypeReference<List<EpochRecord>>() {}}. */
    public static <T> T read(String json, TypeReference<T> type, String source) throws IOException {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IOException(source + ": not a " + type.getType().getTypeName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** A document that must be one JSON object. */
    public static ObjectNode object(String json) throws IOException {
        return asObject(MAPPER.readTree(json));
    }

    /** As {@link #object}, and no object in the document may repeat a key (which would otherwise keep the last). */
    public static ObjectNode objectWithUniqueKeys(String json) throws IOException {
        return asObject(MAPPER.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(json));
    }

    private static ObjectNode asObject(JsonNode node) throws IOException {
        if (node == null || !node.isObject()) {
            throw new IOException("expected a JSON object, got " + (node == null ? "nothing" : node.getNodeType()));
        }
        return (ObjectNode) node;
    }

    /** An empty object to fill and then {@link #compact} or {@link #pretty}. */
    public static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }

    private static String write(ObjectWriter writer, Object value) {
        try {
            return writer.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            // Only our own records, maps, lists and numbers are written: a failure is a bug, not bad input.
            throw new UncheckedIOException("cannot write " + value.getClass().getName() + " as JSON", e);
        }
    }

    /** Gson's {@code setPrettyPrinting()} layout; one instance per document (it counts nesting). */
    private static final class GsonLayout implements PrettyPrinter, Instantiatable<GsonLayout> {
        private int depth;

        @Override
        public GsonLayout createInstance() {
            return new GsonLayout();
        }

        @Override
        public void writeRootValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            open(g, '{');
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            newline(g);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            separate(g);
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            close(g, entries, '}');
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            open(g, '[');
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
            newline(g);
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            separate(g);
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            close(g, values, ']');
        }

        private void open(JsonGenerator g, char bracket) throws IOException {
            g.writeRaw(bracket);
            depth++;
        }

        private void separate(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newline(g);
        }

        private void close(JsonGenerator g, int entries, char bracket) throws IOException {
            depth--;
            if (entries > 0) {
                newline(g);
            }
            g.writeRaw(bracket);
        }

        private void newline(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
            for (int i = 0; i < depth; i++) {
                g.writeRaw("  ");
            }
        }
    }
}
