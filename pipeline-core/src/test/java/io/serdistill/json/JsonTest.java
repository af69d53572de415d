package io.serdistill.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

// Expected texts are what Gson 2.10.1 wrote for the same values (before the move to Jackson), so files written
// since read and diff as before.
class JsonTest {
    record Sample(String name, double x, float f, long n, List<Integer> xs, String missing) {}

    @Test
    void prettyKeepsGsonsLayout() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", "extract");
        m.put("seconds", 12.5);
        m.put("count", 7L);
        m.put("ok", true);
        m.put("empty_list", List.of());
        m.put("empty_map", Map.of());
        m.put("none", null);
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("train", 3);
        inner.put("dev", List.of(1.0E-4, 2));
        m.put("counts", inner);
        m.put("mean", new double[] {0.25, -1.0});
        m.put("text", "a \"q\" \\ é\ttab\n");
        assertEquals("""
                {
                  "stage": "extract",
                  "seconds": 12.5,
                  "count": 7,
                  "ok": true,
                  "empty_list": [],
                  "empty_map": {},
                  "counts": {
                    "train": 3,
                    "dev": [
                      1.0E-4,
                      2
                    ]
                  },
                  "mean": [
                    0.25,
                    -1.0
                  ],
                  "text": "a \\"q\\" \\\\ é\\ttab\\n"
                }""", Json.pretty(m));
    }

    @Test
    void compactWritesRecordComponentsInOrderAndLeavesOutNulls() throws IOException {
        Sample s = new Sample("n", 0.1, 0.1f, 3, List.of(1, 2), null);
        String json = Json.compact(s);
        assertEquals("{\"name\":\"n\",\"x\":0.1,\"f\":0.1,\"n\":3,\"xs\":[1,2]}", json);
        assertEquals(s, Json.read(json, Sample.class, "test"));
    }

    @Test
    void nonFiniteNumbersRoundTripBare() throws IOException {
        List<Double> values = List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e20, 1e-5);
        String json = Json.compact(values);
        assertEquals("[NaN,Infinity,-Infinity,1.0E20,1.0E-5]", json);
        assertEquals(values, Json.read(json, new TypeReference<List<Double>>() {}, "test"));
        Sample s = new Sample("h", Double.NaN, Float.NEGATIVE_INFINITY, 1, List.of(), null);
        assertEquals(s, Json.read(Json.compact(s), Sample.class, "test")); // record equality: NaN equals NaN
    }

    @Test
    void readingIgnoresUnknownFieldsAndNamesTheSourceOnError() throws IOException {
        assertEquals(new Sample("n", 1, 0, 0, List.of(), null),
                Json.read("{\"name\":\"n\",\"x\":1,\"xs\":[],\"added_later\":{\"a\":1}}", Sample.class, "s.json"));
        IOException e = assertThrows(IOException.class, () -> Json.read("{\"name\":", Sample.class, "s.json"));
        assertTrue(e.getMessage().startsWith("s.json: not a Sample: "), e.getMessage());
    }

    @Test
    void objectRejectsOtherDocumentsAndTrailingText() throws IOException {
        assertEquals(2, Json.object(" {\"a\": 1, \"b\": [2]}   ").size());
        assertThrows(IOException.class, () -> Json.object("[1, 2]"));
        assertThrows(IOException.class, () -> Json.object(""));
        assertThrows(IOException.class, () -> Json.object("{\"a\": 1} {\"b\": 2}"));
        assertThrows(IOException.class, () -> Json.object("{\"a\": 1"));
    }
}
