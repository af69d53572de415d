package io.serdistill.jobs.stages;

import io.serdistill.data.Emotion;
import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.Metric;
import io.serdistill.jobs.run.MetricKey;
import io.serdistill.jobs.run.Tables;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

/**
 * Percentile-bootstrap 95% intervals over utterances for every metric of tables/metrics, per model × language ×
 * split (language "all" pooling every language, as evaluate does). Each group's resampling runs in a Spark task.
 */
final class MetricIntervals {
    private MetricIntervals() {}

    /** The metric's name in tables/metrics ("wa", "ua", "macro_f1"). */
    static String name(Metric m) {
        return m.name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param predictions rows of tables/predictions (model, method, language, split, label, predicted)
     * @param resamples bootstrap resamples per interval
     * @param seed run seed; each group's generator is seeded from it and the group's key, so intervals repeat
     * @return every group's interval per metric; an interval's mean is the metric on all the group's utterances
     */
    static Map<MetricKey, Map<Metric, ConfidenceInterval.Interval>> of(Dataset<Row> predictions, int resamples, long seed) {
        Dataset<Row> p = predictions.select("model", "method", "language", "split", "label", "predicted");
        Dataset<Row> pooled = p.unionByName(p.withColumn("language", lit(Tables.ALL_LANGUAGES)));
        // One list of (label, predicted) pairs keeps each utterance's two values together; sorted, so the same
        // predictions give the same intervals whatever order the shuffle delivered them in.
        List<Row> rows = pooled.groupBy("model", "method", "language", "split")
                .agg(array_sort(collect_list(struct(col("label"), col("predicted")))).as("pairs"))
                .javaRDD()
                .flatMap(r -> intervals(r, resamples, seed).iterator())
                .collect();
        Map<MetricKey, Map<Metric, ConfidenceInterval.Interval>> out = new TreeMap<>();
        for (Row r : rows) {
            out.computeIfAbsent(new MetricKey(r.getString(0), r.getString(1), r.getString(2), r.getString(3)),
                            k -> new EnumMap<>(Metric.class))
                    .put(Metric.values()[r.getInt(4)],
                            new ConfidenceInterval.Interval(r.getDouble(5), r.getDouble(6), r.getDouble(7), r.getInt(8)));
        }
        return out;
    }

    private static List<Row> intervals(Row group, int resamples, long seed) {
        List<Row> pairs = group.getList(4);
        int[] y = new int[pairs.size()];
        int[] yhat = new int[pairs.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = pairs.get(i).getInt(0);
            yhat[i] = pairs.get(i).getInt(1);
        }
        String key = group.getString(0) + "/" + group.getString(2) + "/" + group.getString(3);
        List<Row> out = new ArrayList<>();
        for (Metric m : Metric.values()) {
            ConfidenceInterval.Interval ci = ConfidenceInterval.bootstrap95(y, yhat, Emotion.COUNT, m, resamples,
                    seed * 31 + key.hashCode() * 7L + m.ordinal());
            out.add(RowFactory.create(group.getString(0), group.getString(1), group.getString(2), group.getString(3),
                    m.ordinal(), ci.mean(), ci.low(), ci.high(), ci.n()));
        }
        return out;
    }
}
