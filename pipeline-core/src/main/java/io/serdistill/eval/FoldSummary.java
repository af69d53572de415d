package io.serdistill.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The paper's Table 6 layout: UR (= UA) and WR (= WA) per language per method, as the mean over folds with a 95%
 * Student-t confidence interval; with several seeds (ser.run.seeds), over every fold × seed value.
 */
public final class FoldSummary {
    private FoldSummary() {}

    /**
     * One metric value of one fold and seed (ser.run.seeds, 1-based): with several seeds a cell's interval is over
     * every (fold, seed) value, folds × seeds of them.
     */
    public record FoldValue(String method, String language, String metric, int fold, int seed, double value) {
        public FoldValue(String method, String language, String metric, int fold, double value) {
            this(method, language, metric, fold, 1, value);
        }
    }

    /** Mean over folds (and seeds) with its interval; {@code folds} and {@code seeds}: how many of each it holds. */
    public record Cell(String method, String language, String metric, ConfidenceInterval.Interval interval, int folds,
                       int seeds) {
        public Cell(String method, String language, String metric, ConfidenceInterval.Interval interval) {
            this(method, language, metric, interval, interval.n(), 1);
        }
    }

    /** Aggregates per (method, language, metric), in first-seen method order and sorted language/metric order. */
    public static List<Cell> summarise(List<FoldValue> values) {
        Map<String, Map<String, Map<String, List<Double>>>> grouped = new LinkedHashMap<>();
        Map<String, Map<String, Map<String, List<List<Integer>>>>> folds = new LinkedHashMap<>();
        for (FoldValue v : values) {
            List<List<Integer>> seen = folds.computeIfAbsent(v.method(), k -> new TreeMap<>())
                    .computeIfAbsent(v.language(), k -> new TreeMap<>())
                    .computeIfAbsent(v.metric(), k -> new ArrayList<>());
            if (seen.contains(List.of(v.fold(), v.seed()))) {
                throw new IllegalArgumentException("fold " + v.fold() + (v.seed() == 1 ? "" : " seed " + v.seed())
                        + " appears twice for " + v.method() + " / " + v.language() + " / " + v.metric());
            }
            seen.add(List.of(v.fold(), v.seed()));
            grouped.computeIfAbsent(v.method(), k -> new TreeMap<>())
                    .computeIfAbsent(v.language(), k -> new TreeMap<>())
                    .computeIfAbsent(v.metric(), k -> new ArrayList<>()).add(v.value());
        }
        List<Cell> out = new ArrayList<>();
        grouped.forEach((method, byLanguage) -> byLanguage.forEach((language, byMetric) -> byMetric.forEach(
                (metric, list) -> {
                    List<List<Integer>> keys = folds.get(method).get(language).get(metric);
                    out.add(new Cell(method, language, metric,
                            ConfidenceInterval.studentT95(list.stream().mapToDouble(Double::doubleValue).toArray()),
                            (int) keys.stream().map(k -> k.get(0)).distinct().count(),
                            (int) keys.stream().map(k -> k.get(1)).distinct().count()));
                })));
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
        int seeds = 1;
        for (Cell c : cells) {
            byMethod.computeIfAbsent(c.method(), k -> new LinkedHashMap<>()).put(c.language() + "/" + c.metric(), c);
            folds = Math.max(folds, c.folds());
            seeds = Math.max(seeds, c.seeds());
        }
        StringBuilder sb = new StringBuilder();
        sb.append("UR / WR (%), mean over ").append(folds).append(" fold(s)");
        if (seeds > 1) {
            sb.append(" × ").append(seeds).append(" seeds (one value per fold and seed)");
        }
        sb.append(" ± 95% CI half-width\n");
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
