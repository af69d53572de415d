package io.serdistill.jobs.run;

import io.serdistill.data.Reject;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Schemas of the tables stages hand to each other, and the small helpers to write them. */
public final class Tables {
    private Tables() {}

    /** The language of tables/metrics rows (and confusion matrices) that pool every language. */
    public static final String ALL_LANGUAGES = "all";

    public static final StructType MANIFEST = new StructType()
            .add("utt_id", DataTypes.StringType, false)
            .add("row", DataTypes.LongType, false)
            .add("path", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("emotion", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("speaker", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("corpus", DataTypes.StringType, false)
            .add("session", DataTypes.StringType, false);

    /** rejects/stage=…/: the stage is the partition column. */
    public static final StructType REJECTS = new StructType()
            .add("row", DataTypes.LongType, false)
            .add("utt_id", DataTypes.StringType, true)
            .add("path", DataTypes.StringType, true)
            .add("reason", DataTypes.StringType, false)
            .add("message", DataTypes.StringType, false);

    /** soft_targets/: every teacher's logits for every train/dev utterance (distill). */
    public static final StructType SOFT_TARGETS = new StructType()
            .add("utt_id", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("teacher", DataTypes.StringType, false)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    /**
     * tables/selection/model=…/: model selection over a family's grid (teachers, student), one row per (model, grid
     * point, inner fold): the fold's UA at its best epoch, the point's mean over folds, the chosen point marked and,
     * when it was refitted on every training speaker, the epochs it trained for.
     */
    public static final StructType SELECTION = new StructType()
            .add("family", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("point", DataTypes.IntegerType, false)
            .add("params", DataTypes.StringType, false)
            .add("inner_fold", DataTypes.IntegerType, false)
            .add("inner_folds", DataTypes.IntegerType, false)
            .add("train_utterances", DataTypes.IntegerType, false)
            .add("validation_utterances", DataTypes.IntegerType, false)
            .add("validation_speakers", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("ua", DataTypes.DoubleType, false)
            .add("best_epoch", DataTypes.IntegerType, false)
            .add("mean_ua", DataTypes.DoubleType, false)
            .add("chosen", DataTypes.BooleanType, false)
            .add("refit_epochs", DataTypes.IntegerType, true)
            .add("seconds", DataTypes.DoubleType, false);

    /** tables/predictions: every model's prediction and logits per evaluated utterance (evaluate). */
    public static final StructType PREDICTIONS = new StructType()
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("utt_id", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("speaker", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("predicted", DataTypes.IntegerType, false)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    /**
     * tables/metrics: WA, UA, macro-F1 per model × language × split, each with its bootstrap 95% interval (evaluate).
     * {@code seed}, here and in class_metrics and confusion: which of the run's seeds (ser.run.seeds, 1-based) the
     * model trained with; the last column, so tables written before it read as before.
     */
    public static final StructType METRICS = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("value", DataTypes.DoubleType, false)
            .add("n", DataTypes.LongType, false)
            .add("ci_low", DataTypes.DoubleType, false)
            .add("ci_high", DataTypes.DoubleType, false)
            .add("seed", DataTypes.IntegerType, false);

    /** tables/class_metrics: support, recall, precision, F1 per emotion (evaluate). */
    public static final StructType CLASS_METRICS = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("emotion", DataTypes.StringType, false)
            .add("support", DataTypes.LongType, false)
            .add("recall", DataTypes.DoubleType, false)
            .add("precision", DataTypes.DoubleType, false)
            .add("f1", DataTypes.DoubleType, false)
            .add("seed", DataTypes.IntegerType, false);

    /** tables/confusion: one row per confusion-matrix cell (evaluate). */
    public static final StructType CONFUSION = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("true_emotion", DataTypes.StringType, false)
            .add("predicted_emotion", DataTypes.StringType, false)
            .add("count", DataTypes.LongType, false)
            .add("seed", DataTypes.IntegerType, false);

    /**
     * tables/seed_summary: per method × language × split × metric, the mean over the seeds of the model reported there
     * (teachers and mono students on their own language) with its 95% Student-t interval over seeds (evaluate; with
     * one seed, low = high = mean and seeds = 1).
     */
    public static final StructType SEED_SUMMARY = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("mean", DataTypes.DoubleType, false)
            .add("ci_low", DataTypes.DoubleType, false)
            .add("ci_high", DataTypes.DoubleType, false)
            .add("seeds", DataTypes.IntegerType, false);

    public static Row rejectRow(Reject r) {
        return RowFactory.create(r.row(), r.uttId(), r.path(), r.reason().name(), r.message());
    }

    /** Overwrites one stage's rejects partition (so re-running a stage replaces only its own rejects). */
    public static void writeRejects(SparkSession spark, RunLayout layout, String stage, List<Row> rows) {
        spark.createDataFrame(rows, REJECTS).coalesce(1).write().mode(SaveMode.Overwrite).parquet(layout.rejects(stage));
    }

    public static void overwrite(Dataset<Row> df, String path) {
        df.write().mode(SaveMode.Overwrite).parquet(path);
    }
}
