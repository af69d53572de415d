package io.serdistill.jobs;

import io.serdistill.model.EmotionClassifier;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Models of a run as safetensors bytes, loaded once on the driver and broadcast; each task rebuilds its own
 * {@link EmotionClassifier}s (SameDiff graphs are not thread-safe).
 */
record ModelStore(Map<String, String> methods, Map<String, byte[]> bytes) implements Serializable {

    /** A model's name, method and file. */
    record Entry(String model, String method, String uri) {}

    static ModelStore load(List<Entry> entries, Configuration conf) throws IOException {
        Map<String, String> methods = new LinkedHashMap<>();
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (!RunLayout.exists(e.uri(), conf)) {
                throw new IllegalStateException("model " + e.model() + " is missing at " + e.uri()
                        + "; run the stage that trains it first");
            }
            methods.put(e.model(), e.method());
            bytes.put(e.model(), RunLayout.readBytes(e.uri(), conf));
        }
        return new ModelStore(methods, bytes);
    }

    List<String> names() {
        return new ArrayList<>(bytes.keySet());
    }

    /** Fresh instances for the calling task, in {@link #names()} order. */
    List<EmotionClassifier> instantiate() throws IOException {
        List<EmotionClassifier> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : bytes.entrySet()) {
            out.add(EmotionClassifier.fromSafeTensors(e.getValue(), e.getKey()));
        }
        return out;
    }
}
