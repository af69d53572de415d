package io.serdistill.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The paper's Table 6 layout: UR (= UA) and WR (= WA) per language per method, as the mean over folds with a 95%
 * Student-t confidence interval.
 */
public final class FoldSummary {
    private FoldSummary() {}

    /** One metric value of one fold. */
    public record FoldValue(String method, String language, String metric, int fold, double value) {}

    /** Mean over folds with its interval. */
    public record Cell(String method, String language, String metric, ConfidenceInterval.Interval interval) {}

    /** Aggregates per (method, language, metric), in first-seen method order and sorted language/metric order. */
    public static List<Cell> summarise(List<FoldValue> values) {
        Map<String, Map<String, Map<String, List<Double>>>> grouped = new LinkedHashMap<>();
        Map<String, Map<String, Map<String, List<Integer>>>> folds = new LinkedHashMap<>();
        for (FoldValue v : values) {
            List<Integer> seen = folds.computeIfAbsent(v.method(), k -> new TreeMap<>())
                    .computeIfAbsent(v.language(), k -> new TreeMap<>())
                    .computeIfAbsent(v.metric(), k -> new ArrayList<>());
            if (seen.contains(v.fold())) {
                throw new IllegalArgumentException("fold " + v.fold() + " appears twice for " + v.method() + " / "
                        + v.language() + " / " + v.metric());
            }
            seen.add(v.fold());
            grouped.computeIfAbsent(v.method(), k -> new TreeMap<>())
                    .computeIfAbsent(v.language(), k -> new TreeMap<>())
                    .computeIfAbsent(v.metric(), k -> new ArrayList<>()).add(v.value());
        }
        List<Cell> out = new ArrayList<>();
        grouped.forEach((method, byLanguage) -> byLanguage.forEach((language, byMetric) -> byMetric.forEach(
                (metric, list) -> out.add(new Cell(method, language, metric,
                        ConfidenceInterval.studentT95(list.stream().mapToDouble(Double::doubleValue).toArray()))))));
        return out;
    }

    /**
     * Text table: one row per method, per language "UR ± h / WR ± h" in percent (h = half-width of the 95% CI).
     *
     * @param uaMetric name of the UA metric in the cells (e.g. "ua"), likewise {@code waMetric}
     */
    public static String render(List<Cell> cells, List<String> languages, String uaMetric, String waMetric) {
        Map<String, Map<String, Cell>> byMethod = new LinkedHashMap<>();
        int folds = 0;
        for (Cell c : cells) {
            byMethod.computeIfAbsent(c.method(), k -> new LinkedHashMap<>()).put(c.language() + "/" + c.metric(), c);
            folds = Math.max(folds, c.interval().n());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("UR / WR (%), mean over ").append(folds).append(" fold(s) ± 95% CI half-width\n");
        sb.append(String.format("%-28s", "method"));
        for (String l : languages) {
            sb.append(String.format("  %-25s", l + " UR / WR"));
        }
        sb.append('\n');
        byMethod.forEach((method, row) -> {
            sb.append(String.format("%-28s", method));
            for (String l : languages) {
                Cell ua = row.get(l + "/" + uaMetric);
                Cell wa = row.get(l + "/" + waMetric);
                sb.append(String.format("  %-25s", ua == null || wa == null ? "-" : pct(ua) + " / " + pct(wa)));
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    private static String pct(Cell c) {
        return String.format("%.1f±%.1f", 100 * c.interval().mean(), 100 * c.interval().halfWidth());
    }
}
