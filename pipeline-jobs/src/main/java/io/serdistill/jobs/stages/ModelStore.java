package io.serdistill.jobs.stages;

import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.Roster;
import io.serdistill.train.LanguageInputKind;
import io.serdistill.train.ModelKind;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.TdnnKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Models of a run, broadcast to the tasks that score with them. Small models (MLP heads) travel as safetensors
 * bytes loaded once on the driver; large ones (fine-tuned wav2vec2, ~380 MB for base) as their URIs, each task
 * reading the files from the run's FileSystem ({@link #broadcasts}). Each task rebuilds its own
 * models, one at a time (SameDiff graphs are not thread-safe, and several fine-tuned encoders at once would not
 * fit an executor's memory).
 */
record ModelStore(Map<String, ModelKind> kinds, Map<String, String> methods, Map<String, String> uris,
                  Map<String, byte[]> bytes, HadoopConf hadoop) implements Serializable {

    /** {@code kindOf} gives each model's family (it decides how its file loads and whether it is broadcast). */
    static ModelStore load(List<Roster.Model> entries, java.util.function.Function<Roster.Model, ModelKind> kindOf,
                           HadoopConf hadoop) throws IOException {
        Map<String, ModelKind> kinds = new LinkedHashMap<>();
        Map<String, String> methods = new LinkedHashMap<>();
        Map<String, String> uris = new LinkedHashMap<>();
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        for (Roster.Model e : entries) {
            if (!HadoopFiles.exists(e.uri(), hadoop.get())) {
                throw new IllegalStateException("model " + e.name() + " is missing at " + e.uri()
                        + "; run the stage that trains it first");
            }
            ModelKind kind = kindOf.apply(e);
            kinds.put(e.name(), kind);
            methods.put(e.name(), e.method());
            uris.put(e.name(), e.uri());
            if (broadcasts(kind)) {
                bytes.put(e.name(), HadoopFiles.readBytes(e.uri(), hadoop.get()));
            }
        }
        return new ModelStore(kinds, methods, uris, bytes, hadoop);
    }

    /**
     * Whether model files of {@code kind} are small enough to load on the driver and broadcast to every task (MLP,
     * frame heads and TDNNs: KB to MB); otherwise, and for any kind not named here, each task reads them from the run's
     * FileSystem (a fine-tuned wav2vec2-base is ~380 MB).
     */
    static boolean broadcasts(ModelKind kind) {
        return kind instanceof PooledClassifierKind || kind instanceof LanguageInputKind
                || kind instanceof Wav2Vec2FrameHeadKind || kind instanceof TdnnKind;
    }

    List<String> names() {
        return new ArrayList<>(uris.keySet());
    }

    /** Builds one output row from a model's name, an input row and that model's logits for it. */
    @FunctionalInterface
    interface RowMaker extends Serializable {
        Row make(String model, Row input, float[] logits);
    }

    /**
     * Scores selected feature rows ({@link FeatureRows#COLUMNS}) with every model of {@code store}, in
     * {@link ScoringBatches}: each row's logits are the same bits however the rows were partitioned when read.
     */
    static JavaRDD<Row> scoreAll(Broadcast<ModelStore> store, Dataset<Row> rows, RowMaker maker) {
        return ScoringBatches.of(rows).javaRDD().mapPartitions(batch -> store.value().score(batch, maker));
    }

    /**
     * Scores a partition of feature rows (model input in column 5, with each row's language for models that take
     * it) with every model, one batch per model, and makes one output row per (model, input row). Each model is instantiated once per call, i.e. once per task.
     */
    Iterator<Row> score(Iterator<Row> rows, RowMaker maker) throws IOException {
        List<Row> batch = new ArrayList<>();
        rows.forEachRemaining(batch::add);
        if (batch.isEmpty()) {
            return Collections.emptyIterator();
        }
        List<float[]> inputs = batch.stream().map(FeatureRows::input).toList();
        List<String> ids = batch.stream().map(FeatureRows::uttId).toList();
        List<String> languages = batch.stream().map(FeatureRows::language).toList();
        List<Row> out = new ArrayList<>(batch.size() * uris.size());
        for (String name : names()) {
            float[][] logits = instantiate(name).logits(ids, languages, inputs);
            for (int i = 0; i < batch.size(); i++) {
                out.add(maker.make(name, batch.get(i), logits[i]));
            }
        }
        return out.iterator();
    }

    /** A fresh instance of model {@code name} for the calling task. */
    ModelKind.Scorer instantiate(String name) throws IOException {
        byte[] b = bytes.containsKey(name) ? bytes.get(name) : HadoopFiles.readBytes(uris.get(name), hadoop.get());
        return kinds.get(name).load(b, name);
    }
}
