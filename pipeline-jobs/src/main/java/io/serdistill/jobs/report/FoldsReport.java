package io.serdistill.jobs.report;

import static io.serdistill.jobs.report.ReportHtml.html;

import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.FoldSummary;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.RunLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * The first screen of a cross-validated run ({@code ser.folds.all}): {@code {run}/report/index.html}, per language
 * every method's test UA as the mean over folds with its 95% Student-t interval (the linear references as lines), and
 * verdicts of the method against each baseline from the fold-paired UA differences (each fold scores both on the
 * same test speakers, so the interval is over the per-fold differences; with ser.run.seeds = N over every fold × seed
 * pair, seed s against seed s). Each fold's own report sits in its sub-run.
 */
public final class FoldsReport {
    /** The method judged first; when a run lacks it, the first student method is. */
    static final String METHOD = "mtkd-language";
    private static final String UA = "ua";

    private FoldsReport() {}

    /** Writes the page and its charts; returns the page's URI. */
    public static String write(RunLayout run, String runId, List<String> languages, List<FoldSummary.FoldValue> values,
                               Configuration conf) throws IOException {
        List<FoldSummary.FoldValue> ua = values.stream().filter(v -> v.metric().equals(UA)).toList();
        Map<String, FoldSummary.Cell> cells = new LinkedHashMap<>();
        for (FoldSummary.Cell c : FoldSummary.summarise(ua)) {
            cells.put(c.method() + "\u0000" + c.language(), c);
        }
        Set<String> methods = new LinkedHashSet<>();
        ua.forEach(v -> methods.add(v.method()));
        List<String> models = methods.stream().filter(m -> !m.startsWith("reference-linear")).toList();
        String judged = models.contains(METHOD) ? METHOD
                : models.stream().filter(m -> !m.equals("ft-mono")).findFirst().orElse(null);
        int folds = (int) ua.stream().mapToInt(FoldSummary.FoldValue::fold).distinct().count();
        int seeds = (int) ua.stream().mapToInt(FoldSummary.FoldValue::seed).distinct().count();
        String over = seeds > 1 ? folds + " folds × " + seeds + " seeds" : folds + " folds";

        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ser-distill ").append(html(runId))
                .append(" over folds</title><style>").append(ReportHtml.STYLE).append("</style></head><body>");
        page.append("<h1>").append(html(runId)).append(": test UA over ").append(over).append("</h1>");
        page.append(seeds > 1 ? "<p>Mean over every fold and seed (ser.run.seeds = " + seeds + ": each model "
                + "trained " + seeds + " times per fold) with 95% Student-t intervals over those folds × seeds values "
                + "(the linear references train once per fold); teachers (ft-mono) and mono students count on "
                : "<p>Mean over folds with 95% Student-t intervals; teachers (ft-mono) and mono students count on "
                + "their own language only. Each fold's own report: <code>").append(html(runId))
                .append("-fold&lt;k&gt;/report/index.html</code>. The table: <code>table6/</code>, "
                        + "<code>report/table6.txt</code>.</p>");
        if (judged != null) {
            page.append("<h2>Is the difference real?</h2><p>Per fold, both models are scored on the same test "
                    + (seeds > 1 ? "speakers, seed s of one against seed s of the other; the interval is over the "
                    + "(fold, seed) pairs' UA differences.</p><table class=\"t\"><tr>"
                    + "<th>language</th><th>comparison</th><th>difference</th><th>folds × seeds</th></tr>"
                    : "speakers; the interval is over the folds' UA differences.</p><table class=\"t\"><tr>"
                    + "<th>language</th><th>comparison</th><th>difference</th><th>folds</th></tr>"));
            for (String language : languages) {
                for (String other : models) {
                    if (other.equals(judged)) {
                        continue;
                    }
                    ConfidenceInterval.Interval d = pairedOverFolds(ua, judged, other, language);
                    if (d != null) {
                        page.append("<tr><td>").append(html(language)).append("</td>")
                                .append(ReportHtml.verdictCells(judged, other, d)).append("</tr>");
                    }
                }
            }
            page.append("</table>");
        }
        appendAgainstReferences(page, ua, models, languages, seeds > 1);
        page.append("<h2>UA per language, mean over ").append(over).append(" with 95% intervals</h2><div class=\"row\">");
        for (String language : languages) {
            List<ReportCharts.Estimate> estimates = new ArrayList<>();
            for (String m : models) {
                FoldSummary.Cell c = cells.get(m + "\u0000" + language);
                if (c != null) {
                    estimates.add(new ReportCharts.Estimate(m, c.interval().mean(), c.interval().low(),
                            c.interval().high()));
                }
            }
            Map<String, Double> lines = new LinkedHashMap<>();
            for (String ref : List.of("reference-linear", "reference-linear-multi")) {
                FoldSummary.Cell c = cells.get(ref + "\u0000" + language);
                if (c != null) {
                    lines.put(ref, c.interval().mean());
                }
            }
            if (estimates.isEmpty()) {
                continue;
            }
            String file = ReportHtml.safe("folds_ua_" + language + ".png");
            HadoopFiles.writeBytes(run.report(file), ReportCharts.intervals(language + ": test UA over " + over, "UA",
                    estimates, lines), conf);
            page.append(ReportHtml.img(file, language + " UA over folds", ReportCharts.INTERVALS_WIDTH,
                    ReportCharts.intervalsHeight(estimates.size())));
        }
        page.append("</div>");
        page.append("<h2>Table 6</h2><pre>").append(html(FoldSummary.render(FoldSummary.summarise(values), languages,
                UA, "wa"))).append("</pre></body></html>");
        String uri = run.report("index.html");
        HadoopFiles.writeText(uri, page.toString(), conf);
        return uri;
    }

    /**
     * Each model against each linear reference, per language: per fold the model's UA (its mean over seeds: the
     * references train once per fold) minus the reference's, with a Student-t interval over the folds.
     */
    private static void appendAgainstReferences(StringBuilder page, List<FoldSummary.FoldValue> ua, List<String> models,
                                                List<String> languages, boolean seeds) {
        for (String ref : List.of("reference-linear", "reference-linear-multi")) {
            if (ua.stream().noneMatch(v -> v.method().equals(ref))) {
                continue;
            }
            page.append("<h2>Against ").append(html(ref)).append("</h2><p>UA difference, model − ").append(html(ref))
                    .append(", per fold ").append(seeds ? "(the model's mean over its seeds) " : "")
                    .append("on the same test speakers, with a 95% interval over the folds.</p><table class=\"t\"><tr>"
                            + "<th>model</th>");
            languages.forEach(l -> page.append("<th>").append(html(l)).append("</th>"));
            page.append("</tr>");
            for (String m : models) {
                StringBuilder row = new StringBuilder("<tr><td>").append(html(m)).append("</td>");
                boolean any = false;
                for (String language : languages) {
                    ConfidenceInterval.Interval d = againstReference(ua, m, ref, language);
                    if (d == null) {
                        row.append("<td></td>");
                        continue;
                    }
                    any = true;
                    row.append("<td class=\"").append(d.low() > 0 ? "better" : d.high() < 0 ? "worse" : "same")
                            .append("\">").append(html(String.format(java.util.Locale.ROOT, "%+.1f (%+.1f…%+.1f)",
                                    100 * d.mean(), 100 * d.low(), 100 * d.high()))).append("</td>");
                }
                if (any) {
                    page.append(row).append("</tr>");
                }
            }
            page.append("</table>");
        }
    }

    /**
     * Student-t interval of UA(model) − UA(reference) on {@code language} over the folds that score both, the
     * model's UA being its mean over the fold's seeds; null with fewer than two such folds.
     */
    static ConfidenceInterval.Interval againstReference(List<FoldSummary.FoldValue> ua, String model, String reference,
                                                        String language) {
        Map<Integer, double[]> modelSum = new java.util.TreeMap<>(); // fold -> {sum, count}
        Map<Integer, Double> ref = new java.util.TreeMap<>();
        for (FoldSummary.FoldValue v : ua) {
            if (!v.language().equals(language)) {
                continue;
            }
            if (v.method().equals(model)) {
                double[] acc = modelSum.computeIfAbsent(v.fold(), f -> new double[2]);
                acc[0] += v.value();
                acc[1]++;
            } else if (v.method().equals(reference)) {
                ref.putIfAbsent(v.fold(), v.value());
            }
        }
        List<Double> diffs = new ArrayList<>();
        modelSum.forEach((fold, acc) -> {
            Double r = ref.get(fold);
            if (r != null) {
                diffs.add(acc[0] / acc[1] - r);
            }
        });
        if (diffs.size() < 2) {
            return null;
        }
        return ConfidenceInterval.studentT95(diffs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Student-t interval of UA(a) − UA(b) over the (fold, seed) pairs that score both on {@code language}; null
     * with fewer than two such pairs. */
    static ConfidenceInterval.Interval pairedOverFolds(List<FoldSummary.FoldValue> ua, String a, String b,
                                                       String language) {
        Map<List<Integer>, Double> first = new LinkedHashMap<>();
        Map<List<Integer>, Double> second = new LinkedHashMap<>();
        for (FoldSummary.FoldValue v : ua) {
            if (v.language().equals(language) && v.method().equals(a)) {
                first.put(List.of(v.fold(), v.seed()), v.value());
            } else if (v.language().equals(language) && v.method().equals(b)) {
                second.put(List.of(v.fold(), v.seed()), v.value());
            }
        }
        List<Double> diffs = new ArrayList<>();
        for (Map.Entry<List<Integer>, Double> e : first.entrySet()) {
            Double other = second.get(e.getKey());
            if (other != null) {
                diffs.add(e.getValue() - other);
            }
        }
        if (diffs.size() < 2) {
            return null; // one fold has no spread to judge by
        }
        return ConfidenceInterval.studentT95(diffs.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
