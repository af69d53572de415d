package io.serdistill.jobs;

import io.serdistill.model.EmotionClassifier;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;

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

    /** Builds one output row from a model's name, an input row and that model's logits for it. */
    @FunctionalInterface
    interface RowMaker extends Serializable {
        Row make(String model, Row input, float[] logits);
    }

    /**
     * Scores a partition of feature rows (pooled input in column 5) with every model, one batch per model, and
     * makes one output row per (model, input row). Models are instantiated once per call, i.e. once per task.
     */
    Iterator<Row> score(Iterator<Row> rows, RowMaker maker) throws IOException {
        List<Row> batch = new ArrayList<>();
        rows.forEachRemaining(batch::add);
        if (batch.isEmpty()) {
            return Collections.emptyIterator();
        }
        List<float[]> inputs = batch.stream().map(r -> FeatureRows.floats(r, 5)).toList();
        List<String> names = names();
        List<EmotionClassifier> models = instantiate();
        List<Row> out = new ArrayList<>(batch.size() * names.size());
        for (int k = 0; k < names.size(); k++) {
            float[][] logits = models.get(k).logits(inputs);
            for (int i = 0; i < batch.size(); i++) {
                out.add(maker.make(names.get(k), batch.get(i), logits[i]));
            }
        }
        return out.iterator();
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
