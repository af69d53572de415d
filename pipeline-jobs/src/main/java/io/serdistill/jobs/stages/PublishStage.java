package io.serdistill.jobs.stages;

import io.serdistill.distill.StudentMethod;
import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.config.SerConfig;
import io.serdistill.data.Emotion;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.Provenance;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import io.serdistill.jobs.run.Warehouse;
import io.serdistill.jobs.spark.Sparks;
import io.serdistill.jobs.spark.TrainingTasks;
import io.serdistill.json.Json;
import io.serdistill.packaging.ModelCard;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;

/**
 * publish: appends this run's results to the warehouse tables under {@code ser.warehouse.root} (ser_runs,
 * ser_metrics (tables/metrics with its bootstrap 95% intervals), ser_class_metrics, ser_confusion, ser_predictions,
 * ser_training_history, ser_rejects, ser_models (one row per model package, the run's default marked), and
 * ser_selection in runs that select hyper-parameters (tables/selection)), one run_id
 * partition each, replaced when the run is published again. Every
 * partition is staged first and then committed with renames, ser_runs last ({@link Warehouse#commit}): a reader
 * sees the run in every table or, through ser_runs, in none.
 * With {@code ser.warehouse.register-hive} the tables are also registered in the session catalog.
 */
public final class PublishStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.publish");
    /** Test hook: a publish fails after staging this many tables, as one killed midway would stop. */
    static final String FAIL_AFTER_PROPERTY = "ser.test.publish.fail-after-tables";

    static final StructType CORPUS_PART = new StructType()
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("utterances", DataTypes.LongType, false);

    static final StructType RUNS = new StructType()
            .add("started", DataTypes.TimestampType, true)
            .add("finished", DataTypes.TimestampType, true)
            .add("published", DataTypes.TimestampType, false)
            .add("git_commit", DataTypes.StringType, false)
            .add("config_hash", DataTypes.StringType, false)
            .add("config", DataTypes.StringType, false)
            .add("seed", DataTypes.LongType, false)
            .add("languages", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("methods", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("corpus", DataTypes.createArrayType(CORPUS_PART, false), false)
            .add("utterances", DataTypes.LongType, false)
            .add("rejects", DataTypes.LongType, false)
            .add("run_dir", DataTypes.StringType, false);

    @Override
    public String name() {
        return "publish";
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        SparkSession spark = ctx.spark();
        RunLayout layout = ctx.layout();
        String runId = cfg.run().id();
        Warehouse warehouse = Warehouse.at(cfg.warehouse().root(), ctx.hadoop().get());

        Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
        tables.put(Warehouse.RUNS, runs(ctx));
        tables.put(Warehouse.METRICS, metrics(ctx));
        tables.put(Warehouse.CLASS_METRICS, read(spark, layout.table("class_metrics")).drop(Warehouse.PARTITION_COLUMN));
        tables.put(Warehouse.CONFUSION, read(spark, layout.table("confusion")).drop(Warehouse.PARTITION_COLUMN));
        tables.put(Warehouse.PREDICTIONS, predictions(read(spark, layout.table("predictions"))));
        tables.put(Warehouse.TRAINING_HISTORY, trainingHistory(read(spark, layout.table("training_history"))));
        tables.put(Warehouse.REJECTS, rejects(ctx));
        tables.put(Warehouse.MODELS, models(ctx));
        boolean selected = HadoopFiles.exists(layout.table("selection"), ctx.hadoop().get());
        if (selected) {
            tables.put(Warehouse.SELECTION, selection(read(spark, layout.table("selection"))));
        }

        // Every table's partition is staged before any is committed (see Warehouse.commit): a publish that fails or
        // is killed while staging leaves every table as it was.
        Configuration conf = ctx.hadoop().get();
        warehouse.clearStaging(runId, conf);
        Integer failAfter = Integer.getInteger(FAIL_AFTER_PROPERTY);
        int staged = 0;
        for (Map.Entry<String, Dataset<Row>> t : tables.entrySet()) {
            warehouse.stagePartition(t.getValue(), t.getKey(), runId);
            staged++;
            if (failAfter != null && staged == failAfter) {
                throw new IOException(FAIL_AFTER_PROPERTY + " = " + failAfter + ": publish stopped after staging "
                        + t.getKey());
            }
        }
        warehouse.commit(List.copyOf(tables.keySet()), runId, conf);
        if (!selected) {
            // A run published again without selection keeps no scores from an earlier publish of the same id.
            org.apache.hadoop.fs.Path stale = new org.apache.hadoop.fs.Path(warehouse.partition(Warehouse.SELECTION, runId));
            stale.getFileSystem(conf).delete(stale, true);
        }
        Map<String, Object> counts = new LinkedHashMap<>();
        for (String table : tables.keySet()) {
            Dataset<Row> written = read(spark, warehouse.partition(table, runId));
            counts.put(table, written.count());
            if (cfg.warehouse().registerHive()) {
                warehouse.register(spark, cfg.warehouse().database(), table, written.schema(), runId);
            }
        }
        LOG.info("published run {} to {}{}: rows {}", runId, warehouse.root(),
                cfg.warehouse().registerHive() ? " and catalog database " + cfg.warehouse().database() : "", counts);
        counts.put("warehouse", warehouse.root());
        return counts;
    }

    /** Registering tables in the catalog needs a session with Hive support. */
    @Override
    public void checkSession(SparkSession spark, SerConfig config) {
        Sparks.requireHiveCatalogWhenRegistering(spark, config);
    }

    /**
     * Where and how results are published: warehouse.* is left out of the config hash, so this stage's marker
     * records it, and a new warehouse root, catalog registration or database publishes again (a new bootstrap count
     * re-runs evaluate, whose marker records it, and so this stage).
     */
    @Override
    public Map<String, String> inputIdentity(StageContext ctx) throws IOException {
        SerConfig.Warehouse w = ctx.config().warehouse();
        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("warehouse_root", Warehouse.at(w.root(), ctx.hadoop().get()).root());
        identity.put("warehouse_register_hive", Boolean.toString(w.registerHive()));
        identity.put("warehouse_database", w.database());
        return identity;
    }

    private static Dataset<Row> read(SparkSession spark, String path) {
        return spark.read().parquet(path);
    }

    /** One row: when the run ran, with what (config, seed, commit) and on what (utterances per language/split). */
    private static Dataset<Row> runs(StageContext ctx) throws IOException {
        SerConfig cfg = ctx.config();
        Configuration conf = ctx.hadoop().get();
        Instant[] span = stageSpan(ctx.layout(), conf);
        List<Row> corpus = new ArrayList<>();
        long utterances = 0;
        for (Row r : read(ctx.spark(), ctx.featuresPath()).groupBy("language", "split").count()
                .orderBy("language", "split").collectAsList()) {
            corpus.add(RowFactory.create(r.getString(0), r.getString(1), r.getLong(2)));
            utterances += r.getLong(2);
        }
        long rejects = HadoopFiles.exists(ctx.layout().rejects(), conf) ? read(ctx.spark(), ctx.layout().rejects()).count() : 0;
        Row run = RowFactory.create(span[0] == null ? null : Timestamp.from(span[0]),
                span[1] == null ? null : Timestamp.from(span[1]), Timestamp.from(Instant.now()), Provenance.gitCommit(),
                cfg.hash(), cfg.toJson(), cfg.run().seed(), cfg.input().languages(),
                cfg.distill().methods().stream().map(StudentMethod::label).toList(), corpus,
                utterances, rejects, ctx.layout().root());
        return ctx.spark().createDataFrame(List.of(run), RUNS);
    }

    /** Earliest start and latest finish over the run's stage markers (null when none has been written). */
    static Instant[] stageSpan(RunLayout layout, Configuration conf) throws IOException {
        Path dir = new Path(layout.stageMarker("x")).getParent();
        FileSystem fs = dir.getFileSystem(conf);
        Instant started = null;
        Instant finished = null;
        if (fs.exists(dir)) {
            for (FileStatus s : fs.listStatus(dir, p -> p.getName().endsWith(".json"))) {
                JsonNode m = Json.object(new String(HadoopFiles.readBytes(s.getPath().toString(), conf),
                        StandardCharsets.UTF_8));
                Instant a = Instant.parse(m.path("started").asText());
                Instant b = Instant.parse(m.path("finished").asText());
                started = started == null || a.isBefore(started) ? a : started;
                finished = finished == null || b.isAfter(finished) ? b : finished;
            }
        }
        return new Instant[] {started, finished};
    }

    static final StructType MODEL_SCORES = new StructType()
            .add("split", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("ua", DataTypes.DoubleType, false)
            .add("wa", DataTypes.DoubleType, false)
            .add("n", DataTypes.LongType, false);

    static final StructType MODELS = new StructType()
            .add("model", DataTypes.StringType, false)
            .add("role", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("languages", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("model_kind", DataTypes.StringType, false)
            .add("representation", DataTypes.StringType, false)
            .add("path", DataTypes.StringType, false)
            .add("sha256", DataTypes.StringType, false)
            .add("dev_ua_mean", DataTypes.DoubleType, true)
            .add("metrics", DataTypes.createArrayType(MODEL_SCORES, false), false)
            .add("is_default", DataTypes.BooleanType, false);

    /**
     * One row per model package evaluate wrote (Roster order), from its card; is_default marks the package that
     * models/default.json names.
     */
    private static Dataset<Row> models(StageContext ctx) throws IOException {
        Configuration conf = ctx.hadoop().get();
        String defaultModel = null;
        if (HadoopFiles.exists(ctx.layout().defaultModel(), conf)) {
            defaultModel = Json.object(new String(HadoopFiles.readBytes(ctx.layout().defaultModel(), conf),
                    StandardCharsets.UTF_8)).path("model").asText(null);
        }
        List<Row> rows = new ArrayList<>();
        List<String> languages = ctx.config().input().languages();
        for (io.serdistill.jobs.run.Roster.Model m : ctx.roster().models()) {
            String cardUri = m.packageUri() + "/" + ModelCard.FILE;
            if (!HadoopFiles.exists(cardUri, conf)) {
                throw new IllegalStateException(cardUri + " is missing: the run was evaluated before evaluate wrote"
                        + " model packages; run evaluate again (--force)");
            }
            ModelCard card = ModelCard.parse(new String(HadoopFiles.readBytes(cardUri, conf), StandardCharsets.UTF_8),
                    m.packageUri());
            List<Row> scores = new ArrayList<>();
            card.metrics().forEach((split, byLanguage) -> byLanguage.forEach((language, s) ->
                    scores.add(RowFactory.create(split, language, s.ua(), s.wa(), s.n()))));
            double devUa = card.meanUa(io.serdistill.data.Split.DEV.label(), languages);
            rows.add(RowFactory.create(card.name(), card.role(), card.method(), card.languages(), card.modelKind().id(),
                    card.representation().type(), m.packageUri(), card.weights().sha256(),
                    Double.isNaN(devUa) ? null : devUa, scores, card.name().equals(defaultModel)));
        }
        return ctx.spark().createDataFrame(rows, MODELS);
    }

    /** tables/metrics, bootstrap intervals included, with the run's fold (ser.folds.fold; each ser.folds.all sub-run is one fold). */
    private static Dataset<Row> metrics(StageContext ctx) {
        Dataset<Row> metrics = read(ctx.spark(), ctx.layout().table("metrics"));
        if (!List.of(metrics.columns()).contains("ci_low")) {
            throw new IllegalStateException(ctx.layout().table("metrics") + " has no bootstrap intervals (ci_low, "
                    + "ci_high): it was written before evaluate computed them; run evaluate again (--force)");
        }
        return metrics.select(lit(ctx.config().folds().fold()).as("fold"), col("model"), col("method"), col("language"),
                col("split"), col("metric"), col("value"), col("ci_low"), col("ci_high"), col("n"),
                List.of(metrics.columns()).contains("seed") ? col("seed") : lit(1).as("seed"));
    }

    /** Adds the emotion names next to the class indices, so queries need no lookup table. */
    private static Dataset<Row> predictions(Dataset<Row> p) {
        Column labels = org.apache.spark.sql.functions.array(Emotion.labels().stream().map(l -> lit(l)).toArray(Column[]::new));
        return p.select(col("model"), col("method"), col("utt_id"), col("language"), col("speaker"), col("split"),
                col("label"), element_at(labels, col("label").plus(1)).as("emotion"), col("predicted"),
                element_at(labels, col("predicted").plus(1)).as("predicted_emotion"), col("logits"));
    }

    /** tables/training_history/model=…/ flattened, model first. */
    private static Dataset<Row> trainingHistory(Dataset<Row> h) {
        return h.select(java.util.Arrays.stream(TrainingTasks.HISTORY.fieldNames()).map(c -> col(c)).toArray(Column[]::new));
    }

    /** tables/selection/model=…/ flattened, model first. */
    private static Dataset<Row> selection(Dataset<Row> s) {
        List<Column> cols = new ArrayList<>(List.of(col("model")));
        java.util.Arrays.stream(Tables.SELECTION.fieldNames()).map(c -> col(c)).forEach(cols::add);
        return s.select(cols.toArray(Column[]::new));
    }

    /** rejects/stage=…/ flattened; an empty table when the run rejected nothing. */
    private static Dataset<Row> rejects(StageContext ctx) throws IOException {
        if (!HadoopFiles.exists(ctx.layout().rejects(), ctx.hadoop().get())) {
            return ctx.spark().createDataFrame(List.of(), Tables.REJECTS.add("stage", DataTypes.StringType, false));
        }
        return read(ctx.spark(), ctx.layout().rejects())
                .select("stage", "row", "utt_id", "path", "reason", "message");
    }
}
