package io.serdistill.jobs.stages;

import io.serdistill.config.SerConfig;
import io.serdistill.data.Emotion;
import io.serdistill.data.Split;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Metric;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.MetricKey;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import io.serdistill.json.Json;
import io.serdistill.model.SafeTensorsFile;
import io.serdistill.packaging.ModelCard;
import io.serdistill.packaging.ModelLoaders;
import io.serdistill.packaging.ModelPackage;
import io.serdistill.packaging.Sha256;
import io.serdistill.packaging.Wav2Vec2Sources;
import io.serdistill.features.Normalization;
import io.serdistill.representation.Representation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model packages of a run, written by evaluate once it has the metrics (a card carries its model's dev and test
 * scores): every teacher, student and reference gets {model dir}/package/ with a copy of its model.safetensors and its
 * model-card.json ({@link ModelCard}), and {run}/models/default.json names the default package: the student with the
 * best mean dev UA over the run's languages (the first in roster order on ties; none without dev scores or students).
 */
final class ModelPackages {
    private static final Logger LOG = LoggerFactory.getLogger("ser.evaluate");

    private ModelPackages() {}

    /** The default model's choice: the selection split and statistic. */
    static final String SELECTED_BY = "mean UA over the run's languages on the dev split";

    /** Writes every model's package and the default pointer; returns the cards by model name. */
    static Map<String, ModelCard> write(StageContext ctx, Roster roster, Map<MetricKey, ConfusionMatrix> matrices)
            throws IOException {
        SerConfig cfg = ctx.config();
        Configuration conf = ctx.hadoop().get();
        Representation representation = ctx.representation();
        ModelCard.FrameNormalisation frames = frameNormalisation(ctx);
        ModelCard.Encoder encoder = encoder(representation);
        Map<String, ModelCard> cards = new LinkedHashMap<>();
        for (Roster.Model m : roster.models()) {
            byte[] weights = HadoopFiles.readBytes(m.uri(), conf);
            Map<String, String> meta;
            try (SafeTensorsFile f = SafeTensorsFile.of(weights, m.uri())) {
                meta = f.metadata();
            }
            ModelCard card = new ModelCard(ModelCard.FORMAT, ModelCard.FORMAT_VERSION, m.name(),
                    m.role().name().toLowerCase(java.util.Locale.ROOT), m.method(),
                    ModelLoaders.spec(ctx.modelKind(m)), Emotion.labels(),
                    m.language() == null ? cfg.input().languages() : List.of(m.language()),
                    distillation(cfg, m), ModelCard.Audio.of(cfg.audio()), ModelCard.RepresentationSpec.of(representation),
                    ctx.inputColumn(m), frames, encoder, metrics(m, cfg, matrices),
                    new ModelCard.Provenance(meta.getOrDefault("ser.run_id", cfg.run().id()),
                            meta.getOrDefault("ser.config_hash", cfg.hash()),
                            Long.parseLong(meta.getOrDefault("ser.seed", Long.toString(cfg.run().seed()))),
                            meta.getOrDefault("ser.git_commit", "unknown"), meta.get("ser.created")),
                    ModelPackage.describe(weights, m.uri()));
            HadoopFiles.writeBytes(m.packageUri() + "/" + ModelCard.WEIGHTS, weights, conf);
            HadoopFiles.writeText(m.packageUri() + "/" + ModelCard.FILE, card.toJson(), conf);
            cards.put(m.name(), card);
        }
        Optional<Roster.Model> best = defaultModel(roster, cards, cfg.input().languages());
        String pointer = ctx.layout().defaultModel();
        if (best.isPresent()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("model", best.get().name());
            p.put("package", relative(ctx.layout().root(), best.get().packageUri()));
            p.put("selectedBy", SELECTED_BY);
            p.put("meanDevUa", cards.get(best.get().name()).meanUa(Split.DEV.label(), cfg.input().languages()));
            HadoopFiles.writeText(pointer, Json.pretty(p) + "\n", conf);
            LOG.info("model packages: {} written; the default is {} ({})", cards.size(), best.get().name(), pointer);
        } else {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(pointer);
            path.getFileSystem(conf).delete(path, false);
            LOG.info("model packages: {} written; no default (no student has dev scores)", cards.size());
        }
        return cards;
    }

    /** The student with the best mean dev UA over {@code languages}; ties go to the first in roster order. */
    static Optional<Roster.Model> defaultModel(Roster roster, Map<String, ModelCard> cards, List<String> languages) {
        Roster.Model best = null;
        double bestUa = Double.NEGATIVE_INFINITY;
        for (Roster.Model s : roster.students()) {
            double ua = cards.get(s.name()).meanUa(Split.DEV.label(), languages);
            if (!Double.isNaN(ua) && ua > bestUa) {
                best = s;
                bestUa = ua;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String relative(String root, String uri) {
        if (!uri.startsWith(root + "/")) {
            throw new IllegalStateException(uri + " is not under the run directory " + root);
        }
        return uri.substring(root.length() + 1);
    }

    private static Map<String, Map<String, ModelCard.Scores>> metrics(Roster.Model m, SerConfig cfg,
                                                                     Map<MetricKey, ConfusionMatrix> matrices) {
        Map<String, Map<String, ModelCard.Scores>> out = new LinkedHashMap<>();
        List<String> languages = new ArrayList<>(cfg.input().languages());
        languages.add(Tables.ALL_LANGUAGES);
        for (Split split : cfg.evaluateSplits()) {
            Map<String, ModelCard.Scores> bySplit = new LinkedHashMap<>();
            for (String l : languages) {
                ConfusionMatrix cm = matrices.get(new MetricKey(m.name(), m.method(), l, split.label()));
                if (cm != null && cm.total() > 0) {
                    bySplit.put(l, new ModelCard.Scores(Metric.UA.of(cm), Metric.WA.of(cm), cm.total()));
                }
            }
            out.put(split.label(), bySplit);
        }
        return out;
    }

    /** A student's loss: alpha, temperature and the teacher weighting (its record as JSON); null for the others. */
    private static Map<String, Object> distillation(SerConfig cfg, Roster.Model m) throws IOException {
        if (m.student() == null) {
            return null;
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("alpha", m.student().alpha());
        if (m.student().distills()) {
            d.put("temperature", cfg.distill().temperature());
            d.put("weighting", m.student().weighting().getClass().getSimpleName());
            d.put("weightingOptions", Json.object(Json.compact(m.student().weighting())));
        }
        return d;
    }

    /** The train split's frame statistics when the representation normalises frames globally, else null. */
    private static ModelCard.FrameNormalisation frameNormalisation(StageContext ctx) throws IOException {
        Representation r = ctx.representation();
        if (r.normalization() != Normalization.GLOBAL) {
            return null;
        }
        String uri = ctx.layout().featureStats(r.table());
        JsonNode s = Json.object(new String(HadoopFiles.readBytes(uri, ctx.hadoop().get()), StandardCharsets.UTF_8));
        return new ModelCard.FrameNormalisation(s.path("frames").asLong(), s.path("normalize_variance").asBoolean(),
                doubles(s.path("mean")), doubles(s.path("variance")));
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    /**
     * The wav2vec2 checkpoint a representation reads: its config.json and its model.safetensors' checksum, each when
     * this machine can read it (a local path of the run's tasks: a driver elsewhere records neither, and predict then
     * checks nothing of the directory it is given); null for fbank.
     */
    private static ModelCard.Encoder encoder(Representation r) throws IOException {
        Optional<Representation.Wav2Vec2Source> source = Wav2Vec2Sources.of(r);
        if (source.isEmpty()) {
            return null;
        }
        Path dir = Path.of(source.get().modelDir());
        Path weights = dir.resolve(ModelCard.WEIGHTS);
        String sha = null;
        if (Files.isRegularFile(weights)) {
            try (InputStream in = Files.newInputStream(weights)) {
                sha = Sha256.of(in);
            }
        }
        Path config = dir.resolve("config.json");
        com.fasterxml.jackson.databind.node.ObjectNode json = Files.isRegularFile(config)
                ? Json.object(Files.readString(config)) : null;
        if (sha == null || json == null) {
            LOG.warn("model packages: {} is not readable here; the cards record no {}", dir,
                    json == null ? "config.json (nor checksum)" : "checksum of its weights");
        }
        return new ModelCard.Encoder(ModelCard.WEIGHTS, sha, json, source.get().modelDir());
    }
}
