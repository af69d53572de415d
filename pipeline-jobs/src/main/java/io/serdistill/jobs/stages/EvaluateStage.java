package io.serdistill.jobs.stages;

import io.serdistill.distill.StudentMethod;
import io.serdistill.data.Split;
import io.serdistill.config.SerConfig;
import io.serdistill.data.Emotion;
import io.serdistill.eval.ClassificationReport;
import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Metric;
import io.serdistill.eval.Predictions;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.report.RunReport;
import io.serdistill.jobs.report.SeedSummary;
import io.serdistill.jobs.report.SummaryTable;
import io.serdistill.jobs.run.MetricKey;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * evaluate: every teacher and student scores the evaluation splits (models broadcast, inference sharded);
 * writes tables/predictions, tables/metrics (WA, UA, macro-F1 per model × language × split, language "all"
 * pooling every language, each with its bootstrap 95% interval over utterances, see MetricIntervals),
 * tables/class_metrics, tables/confusion (each row with the model's seed), tables/seed_summary (mean over seeds with a
 * Student-t interval, {@link SeedSummary}), report/summary.txt with the per-language UA/WA table it also prints, and
 * the HTML report with its charts (report/index.html, see RunReport); then every model's package with its scores and
 * the run's default model ({@link ModelPackages}).
 */
public final class EvaluateStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.evaluate");

    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public FoldRole foldRole() {
        return FoldRole.SUMMARISED_OVER_FOLDS;
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        SparkSession spark = ctx.spark();
        Roster roster = ctx.roster();
        // Models grouped by the features column they read (the references take the pooled vector whatever the
        // representation), each group scored in one pass over its column.
        Map<String, List<Roster.Model>> byColumn = new LinkedHashMap<>();
        for (Roster.Model m : roster.models()) {
            byColumn.computeIfAbsent(ctx.inputColumn(m), k -> new ArrayList<>()).add(m);
        }
        JavaRDD<Row> predictions = null;
        List<Broadcast<ModelStore>> broadcasts = new ArrayList<>();
        for (Map.Entry<String, List<Roster.Model>> group : byColumn.entrySet()) {
            Broadcast<ModelStore> modelsB = spark.sparkContext().broadcast(
                    ModelStore.load(group.getValue(), ctx::modelKind, ctx.hadoop()),
                    scala.reflect.ClassTag$.MODULE$.apply(ModelStore.class));
            broadcasts.add(modelsB);
            Dataset<Row> features = FeatureRows.select(spark.read().parquet(ctx.featuresPath())
                    .filter(col("split").isin(cfg.evaluateSplits().stream().map(Split::label).toArray())), group.getKey());
            Map<String, String> methods = modelsB.value().methods();
            JavaRDD<Row> scored = ModelStore.scoreAll(modelsB, features, (model, r, logits) -> RowFactory.create(model,
                    methods.get(model), FeatureRows.uttId(r), FeatureRows.language(r), FeatureRows.speaker(r),
                    FeatureRows.split(r), FeatureRows.label(r), Predictions.argMax(logits), logits));
            predictions = predictions == null ? scored : predictions.union(scored);
        }
        spark.createDataFrame(predictions, Tables.PREDICTIONS).write().mode(SaveMode.Overwrite).parquet(ctx.layout().table("predictions"));
        broadcasts.forEach(Broadcast::destroy);

        Dataset<Row> scored = spark.read().parquet(ctx.layout().table("predictions"));
        Map<MetricKey, ConfusionMatrix> matrices = confusions(scored);
        Map<MetricKey, Map<Metric, ConfidenceInterval.Interval>> intervals = MetricIntervals.of(scored,
                cfg.warehouse().bootstrapResamples(), cfg.run().seed());
        String runId = cfg.run().id();
        List<Row> metricRows = new ArrayList<>();
        List<Row> classRows = new ArrayList<>();
        List<Row> confusionRows = new ArrayList<>();
        for (Map.Entry<MetricKey, ConfusionMatrix> e : matrices.entrySet()) {
            MetricKey k = e.getKey();
            ConfusionMatrix cm = e.getValue();
            int seed = roster.named(k.model()).map(Roster.Model::seed).orElse(1);
            for (Metric m : Metric.values()) {
                ConfidenceInterval.Interval ci = intervals.get(k).get(m);
                metricRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(),
                        MetricIntervals.name(m), m.of(cm), cm.total(), ci.low(), ci.high(), seed));
            }
            for (Emotion t : Emotion.values()) {
                classRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(), t.label(),
                        cm.support(t.ordinal()), cm.recall(t.ordinal()), cm.precision(t.ordinal()), cm.f1(t.ordinal()),
                        seed));
                for (Emotion p : Emotion.values()) {
                    confusionRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(), t.label(),
                            p.label(), cm.count(t.ordinal(), p.ordinal()), seed));
                }
            }
        }
        write(spark, metricRows, Tables.METRICS, ctx.layout().table("metrics"));
        write(spark, SeedSummary.rows(runId, SeedSummary.of(matrices, roster)), Tables.SEED_SUMMARY,
                ctx.layout().table("seed_summary"));
        write(spark, classRows, Tables.CLASS_METRICS, ctx.layout().table("class_metrics"));
        write(spark, confusionRows, Tables.CONFUSION, ctx.layout().table("confusion"));
        int packages = ModelPackages.write(ctx, roster, matrices).size();

        String split = (cfg.evaluateSplits().contains(Split.TEST) ? Split.TEST : cfg.evaluateSplits().get(0)).label();
        String table = SummaryTable.render(matrices, roster, cfg.input().languages(),
                cfg.distill().methods().stream().map(StudentMethod::label).toList(), split);
        matrices.forEach((k, cm) -> {
            if (k.split().equals(split) && k.language().equals(Tables.ALL_LANGUAGES) && cm.total() > 0) {
                LOG.info("{} on {}, all languages:\n{}", k.model(), split, ClassificationReport.ofEmotions(cm));
            }
        });
        HadoopFiles.writeText(ctx.layout().report("summary.txt"), table, ctx.hadoop().get());
        int reportFiles = RunReport.write(ctx, roster, split);
        System.out.println();
        System.out.println(table);
        LOG.info("metrics written to {}", ctx.layout().table("metrics"));
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("models", roster.models().size());
        counts.put("matrices", matrices.size());
        counts.put("metric_rows", metricRows.size());
        counts.put("report_files", reportFiles);
        counts.put("packages", packages);
        return counts;
    }

    /**
     * The bootstrap resample count behind tables/metrics' intervals: {@code ser.warehouse.bootstrap-resamples} is
     * left out of the config hash with the rest of warehouse.*, so this stage's marker records it, and a new count
     * evaluates again.
     */
    @Override
    public Map<String, String> inputIdentity(StageContext ctx) {
        return Map.of("warehouse_bootstrap_resamples", Integer.toString(ctx.config().warehouse().bootstrapResamples()));
    }

    private static void write(SparkSession spark, List<Row> rows, StructType schema, String path) {
        spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /** Confusion matrices per model × language × split, plus language "all", from grouped prediction counts. */
    static Map<MetricKey, ConfusionMatrix> confusions(Dataset<Row> predictions) {
        Map<MetricKey, long[][]> counts = new TreeMap<>();
        for (Row r : predictions.groupBy("model", "method", "language", "split", "label", "predicted").count().collectAsList()) {
            for (String lang : List.of(r.<String>getAs("language"), Tables.ALL_LANGUAGES)) {
                long[][] m = counts.computeIfAbsent(new MetricKey(r.getAs("model"), r.getAs("method"), lang, r.getAs("split")),
                        k -> new long[Emotion.COUNT][Emotion.COUNT]);
                m[r.<Integer>getAs("label")][r.<Integer>getAs("predicted")] += r.<Long>getAs("count");
            }
        }
        Map<MetricKey, ConfusionMatrix> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, ConfusionMatrix.ofCounts(v)));
        return out;
    }
}
