package io.serdistill.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.json.Json;
import io.serdistill.train.EpochRecord;
import io.serdistill.train.TrainingExample;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;

/**
 * A model's completion record, {@code completed.json} beside its model file: written right after the model, it
 * holds the training outcome and a key over everything the training read (the job: model, kind, options, provenance
 * without its creation time; every train and dev example, features and teacher logits included). A stage re-run
 * after a crash (no stage marker yet) finds the record of each model that finished before it, with the same key,
 * and keeps that model instead of training it again; any change of data, options, config or code commit changes the
 * key, and the model trains. {@code --force} deletes the records first ({@link #forget}). Doubles are stored as
 * their decimal strings, which read back bit for bit, NaN included.
 */
final class CompletedTraining {
    static final String FILE = "completed.json";

    private CompletedTraining() {}

    static String uri(String modelUri) {
        return modelUri.substring(0, modelUri.lastIndexOf('/')) + "/" + FILE;
    }

    static String key(TrainingTasks.Job job, List<TrainingExample> train, List<TrainingExample> dev) {
        MessageDigest d = sha256();
        Map<String, String> provenance = new TreeMap<>(job.provenance());
        provenance.remove("ser.created");
        text(d, job.model() + "\n" + job.method() + "\n" + job.modelUri() + "\n" + job.kind() + "\n" + job.options()
                + "\n" + provenance + "\n");
        for (List<TrainingExample> set : List.of(train, dev)) {
            text(d, "set " + set.size() + "\n");
            for (TrainingExample e : set) {
                text(d, e.uttId() + "\t" + e.language() + "\t" + e.speaker() + "\t" + e.label() + "\n");
                floats(d, e.input());
                if (e.teacherLogits() != null) {
                    for (float[] logits : e.teacherLogits()) {
                        floats(d, logits);
                    }
                }
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** The outcome recorded for {@code key}, when the record and the model file are both there. */
    static Optional<TrainingTasks.Outcome> read(TrainingTasks.Job job, String key, Configuration conf) {
        try {
            String uri = uri(job.modelUri());
            if (!HadoopFiles.exists(uri, conf) || !HadoopFiles.exists(job.modelUri(), conf)) {
                return Optional.empty();
            }
            JsonNode j = Json.object(new String(HadoopFiles.readBytes(uri, conf), StandardCharsets.UTF_8));
            if (!key.equals(j.path("key").asText())) {
                return Optional.empty();
            }
            List<EpochRecord> history = new ArrayList<>();
            for (JsonNode e : j.path("history")) {
                history.add(new EpochRecord(e.get(0).asInt(), num(e.get(1)), num(e.get(2)), num(e.get(3)),
                        num(e.get(4)), num(e.get(5)), num(e.get(6))));
            }
            return Optional.of(new TrainingTasks.Outcome(j.path("model").asText(), j.path("method").asText(),
                    j.path("train").asInt(), j.path("dev").asInt(), j.path("best_epoch").asInt(),
                    num(j.path("seconds")), history));
        } catch (IOException | RuntimeException e) {
            // An unreadable record is no record: the model trains again.
            return Optional.empty();
        }
    }

    static void write(TrainingTasks.Job job, String key, TrainingTasks.Outcome o, Configuration conf)
            throws IOException {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("key", key);
        j.put("model", o.model());
        j.put("method", o.method());
        j.put("train", o.trainCount());
        j.put("dev", o.devCount());
        j.put("best_epoch", o.bestEpoch());
        j.put("seconds", Double.toString(o.seconds()));
        List<List<Object>> history = new ArrayList<>();
        for (EpochRecord e : o.history()) {
            history.add(List.of(e.epoch(), Double.toString(e.trainLoss()), Double.toString(e.devLoss()),
                    Double.toString(e.devUa()), Double.toString(e.devWa()), Double.toString(e.learningRate()),
                    Double.toString(e.seconds())));
        }
        j.put("history", history);
        HadoopFiles.writeText(uri(job.modelUri()), Json.pretty(j), conf);
    }

    /** Deletes the records of these models, so that they all train again. */
    static void forget(List<String> modelUris, Configuration conf) throws IOException {
        for (String m : modelUris) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri(m));
            p.getFileSystem(conf).delete(p, false);
        }
    }

    private static double num(JsonNode n) {
        return Double.parseDouble(n.asText());
    }

    private static void text(MessageDigest d, String s) {
        d.update(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void floats(MessageDigest d, float[] values) {
        if (values == null) {
            text(d, "null\n");
            return;
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * 4);
        b.asFloatBuffer().put(values);
        d.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
