package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.data.Emotion;
import io.serdistill.distill.StudentPlan;
import io.serdistill.eval.ClassificationReport;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Predictions;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * evaluate: every teacher and student scores the evaluation splits (models broadcast, inference sharded);
 * writes tables/predictions, tables/metrics (WA, UA, macro-F1 per model × language × split, language "all"
 * pooling every language), tables/class_metrics, tables/confusion, report/summary.txt with the per-language
 * UA/WA table it also prints, and the HTML report with its charts (report/index.html, see RunReport).
 */
public final class EvaluateStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.evaluate");
    public static final String ALL = "all";

    static final StructType PREDICTIONS = new StructType()
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("utt_id", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("speaker", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("predicted", DataTypes.IntegerType, false)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    static final StructType METRICS = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("value", DataTypes.DoubleType, false)
            .add("n", DataTypes.LongType, false);

    static final StructType CLASS_METRICS = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("emotion", DataTypes.StringType, false)
            .add("support", DataTypes.LongType, false)
            .add("recall", DataTypes.DoubleType, false)
            .add("precision", DataTypes.DoubleType, false)
            .add("f1", DataTypes.DoubleType, false);

    static final StructType CONFUSION = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("true_emotion", DataTypes.StringType, false)
            .add("predicted_emotion", DataTypes.StringType, false)
            .add("count", DataTypes.LongType, false);

    /** Identifies one confusion matrix. */
    record Key(String model, String method, String language, String split) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            return toString().compareTo(o.toString());
        }
    }

    public static void main(String[] args) {
        StageRunner.mainExit(List.of(new EvaluateStage()), args);
    }

    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        SparkSession spark = ctx.spark();
        List<ModelStore.Entry> entries = new ArrayList<>();
        for (String l : cfg.input().languages()) {
            entries.add(new ModelStore.Entry(TeachersStage.modelName(l), TeachersStage.METHOD, ctx.layout().teacherModel(l)));
        }
        for (StudentPlan.Student st : DistillStage.plan(cfg)) {
            entries.add(new ModelStore.Entry(st.model(), st.method(), ctx.layout().studentModel(st.model())));
        }
        ModelStore models = ModelStore.load(entries, ctx.modelKind(), ctx.hadoop());
        Broadcast<ModelStore> modelsB = spark.sparkContext().broadcast(models,
                scala.reflect.ClassTag$.MODULE$.apply(ModelStore.class));
        Dataset<Row> features = FeatureRows.select(spark.read().parquet(ctx.featuresPath())
                .filter(col("split").isin(cfg.evaluateSplits().toArray())), ctx.inputColumn());
        JavaRDD<Row> predictions = features.javaRDD().mapPartitions(rows -> {
            ModelStore store = modelsB.value();
            return store.score(rows, (model, r, logits) -> RowFactory.create(model, store.methods().get(model),
                    r.getString(0), r.getString(1), r.getString(2), FeatureRows.split(r), r.getInt(3),
                    Predictions.argMax(logits), logits));
        });
        spark.createDataFrame(predictions, PREDICTIONS).write().mode(SaveMode.Overwrite).parquet(ctx.layout().table("predictions"));

        Map<Key, ConfusionMatrix> matrices = confusions(spark.read().parquet(ctx.layout().table("predictions")));
        String runId = cfg.run().id();
        List<Row> metricRows = new ArrayList<>();
        List<Row> classRows = new ArrayList<>();
        List<Row> confusionRows = new ArrayList<>();
        for (Map.Entry<Key, ConfusionMatrix> e : matrices.entrySet()) {
            Key k = e.getKey();
            ConfusionMatrix cm = e.getValue();
            metricRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(), "wa", cm.accuracy(), cm.total()));
            metricRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(), "ua", cm.unweightedRecall(), cm.total()));
            metricRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(), "macro_f1", cm.macroF1(), cm.total()));
            for (Emotion t : Emotion.values()) {
                classRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(), t.label(),
                        cm.support(t.ordinal()), cm.recall(t.ordinal()), cm.precision(t.ordinal()), cm.f1(t.ordinal())));
                for (Emotion p : Emotion.values()) {
                    confusionRows.add(RowFactory.create(runId, k.model(), k.method(), k.language(), k.split(), t.label(),
                            p.label(), cm.count(t.ordinal(), p.ordinal())));
                }
            }
        }
        write(spark, metricRows, METRICS, ctx.layout().table("metrics"));
        write(spark, classRows, CLASS_METRICS, ctx.layout().table("class_metrics"));
        write(spark, confusionRows, CONFUSION, ctx.layout().table("confusion"));

        String split = cfg.evaluateSplits().contains("test") ? "test" : cfg.evaluateSplits().get(0);
        String table = SummaryTable.render(matrices, cfg.input().languages(), cfg.distill().methods(), split);
        matrices.forEach((k, cm) -> {
            if (k.split().equals(split) && k.language().equals(ALL) && cm.total() > 0) {
                LOG.info("{} on {}, all languages:\n{}", k.model(), split, ClassificationReport.ofEmotions(cm));
            }
        });
        RunLayout.writeText(ctx.layout().report("summary.txt"), table, ctx.hadoop().get());
        int reportFiles = RunReport.write(ctx, split);
        System.out.println();
        System.out.println(table);
        LOG.info("metrics written to {}", ctx.layout().table("metrics"));
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("models", models.names().size());
        counts.put("matrices", matrices.size());
        counts.put("metric_rows", metricRows.size());
        counts.put("report_files", reportFiles);
        return counts;
    }

    private static void write(SparkSession spark, List<Row> rows, StructType schema, String path) {
        spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /** Confusion matrices per model × language × split, plus language "all", from grouped prediction counts. */
    static Map<Key, ConfusionMatrix> confusions(Dataset<Row> predictions) {
        Map<Key, long[][]> counts = new TreeMap<>();
        for (Row r : predictions.groupBy("model", "method", "language", "split", "label", "predicted").count().collectAsList()) {
            for (String lang : List.of(r.getString(2), ALL)) {
                long[][] m = counts.computeIfAbsent(new Key(r.getString(0), r.getString(1), lang, r.getString(3)),
                        k -> new long[Emotion.COUNT][Emotion.COUNT]);
                m[r.getInt(4)][r.getInt(5)] += r.getLong(6);
            }
        }
        Map<Key, ConfusionMatrix> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, ConfusionMatrix.ofCounts(v)));
        return out;
    }
}
