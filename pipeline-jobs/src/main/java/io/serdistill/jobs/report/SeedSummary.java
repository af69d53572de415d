package io.serdistill.jobs.report;

import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Metric;
import io.serdistill.jobs.run.MetricKey;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.Tables;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A metric over a run's seeds (ser.run.seeds): per method × language × split, the values of every seed of the model
 * reported there (teachers and mono students on their own language only, never on "all") and their mean with a 95%
 * Student-t interval over seeds ({@link ConfidenceInterval#studentT95}; one seed gives low = high = mean).
 */
public final class SeedSummary {
    private SeedSummary() {}

    /** One method on one language and split: its value per seed (seed → value, in seed order) and their interval. */
    public record Cell(String method, String language, String split, Metric metric, Map<Integer, Double> perSeed,
                       ConfidenceInterval.Interval interval) {}

    /** The values of every seed of {@code method} on {@code language}, keyed by seed; empty when none is scored there. */
    public static Map<Integer, Double> perSeed(Map<MetricKey, ConfusionMatrix> matrices, Roster roster, String method,
                                               String language, String split, Metric metric) {
        Map<Integer, Double> out = new TreeMap<>();
        for (Roster.Model m : roster.replicatesOn(method, language)) {
            if (m.ownLanguageOnly() && language.equals(Tables.ALL_LANGUAGES)) {
                continue;
            }
            ConfusionMatrix cm = matrices.get(new MetricKey(m.name(), method, language, split));
            if (cm != null && cm.total() > 0) {
                out.put(m.seed(), metric.of(cm));
            }
        }
        return out;
    }

    /** The Student-t interval of {@code values}' values; null when there are none. */
    public static ConfidenceInterval.Interval interval(Map<Integer, Double> values) {
        return values.isEmpty() ? null
                : ConfidenceInterval.studentT95(values.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Every cell the matrices hold, in roster method order, then language, split and metric order. */
    public static List<Cell> of(Map<MetricKey, ConfusionMatrix> matrices, Roster roster) {
        Set<String> methods = new LinkedHashSet<>();
        roster.models().forEach(m -> methods.add(m.method()));
        Set<String> languages = new java.util.TreeSet<>();
        Set<String> splits = new java.util.TreeSet<>();
        matrices.keySet().forEach(k -> {
            languages.add(k.language());
            splits.add(k.split());
        });
        List<Cell> out = new ArrayList<>();
        for (String method : methods) {
            for (String language : languages) {
                for (String split : splits) {
                    for (Metric metric : Metric.values()) {
                        Map<Integer, Double> values = perSeed(matrices, roster, method, language, split, metric);
                        if (!values.isEmpty()) {
                            out.add(new Cell(method, language, split, metric, values, interval(values)));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Rows of tables/seed_summary ({@link Tables#SEED_SUMMARY}). */
    public static List<Row> rows(String runId, List<Cell> cells) {
        List<Row> rows = new ArrayList<>();
        for (Cell c : cells) {
            rows.add(RowFactory.create(runId, c.method(), c.language(), c.split(),
                    c.metric().name().toLowerCase(Locale.ROOT), c.interval().mean(), c.interval().low(),
                    c.interval().high(), c.interval().n()));
        }
        return rows;
    }
}
