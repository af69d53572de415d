package io.serdistill.jobs.report;

import io.serdistill.config.SerConfig;
import io.serdistill.data.Emotion;
import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.Provenance;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import io.serdistill.train.Optimisation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;

/**
 * report/: one static HTML page (index.html) with PNG charts, read from the run's tables and written through the
 * run's FileSystem; nothing on it is fetched from elsewhere. Top first: per language, a plain-language verdict on
 * the method against each baseline (paired bootstrap of the UA difference over the same test utterances, see
 * PairedDifference) and every model's UA with its 95% interval from tables/metrics, the linear references drawn as
 * lines; then the cross-language matrix (each teacher and each all-language student on every language), the UA/WA
 * table, WA only where it differs from UA, training curves with the kept epoch marked and early stopping stated,
 * and a confusion matrix per model and language as small multiples, one row per model. With ser.run.seeds &gt; 1 the
 * first screen's intervals are over seeds (each method's mean UA with a Student-t interval) and its verdicts paired
 * over seeds (the Student-t interval of the per-seed UA differences), and the page says so.
 */
public final class RunReport {
    public static final String WA_BARS = "wa_per_language.png";
    public static final String LOSS_CURVES = "train_loss.png";
    public static final String DEV_UA_CURVES = "dev_ua.png";
    public static final String CROSS_LANGUAGE = "cross_language_ua.png";
    /** The method the verdicts are about when the run trains it; otherwise the run's first student method. */
    public static final String METHOD = "mtkd-language";
    /** WA and UA closer than this (a twentieth of a point) count as equal. */
    static final double SAME = 0.0005;

    private RunReport() {}

    public static String confusionFile(String model, String language) {
        return safe("confusion_" + model + "_" + language + ".png");
    }

    public static String intervalsFile(String language) {
        return safe("ua_intervals_" + language + ".png");
    }

    private static String safe(String file) {
        return ReportHtml.safe(file);
    }

    /** One metric value with its bootstrap interval. */
    private record Value(double value, double low, double high) {}

    /** Writes report/index.html and its charts for {@code split}; returns the number of files written. */
    public static int write(StageContext ctx, Roster roster, String split) throws IOException {
        SerConfig cfg = ctx.config();
        SparkSession spark = ctx.spark();
        Configuration conf = ctx.hadoop().get();
        RunLayout layout = ctx.layout();
        List<String> models = roster.names();
        List<String> languages = new ArrayList<>(cfg.input().languages());
        List<String> withAll = new ArrayList<>(languages);
        withAll.add(Tables.ALL_LANGUAGES);
        int files = 0;

        // metric → model → language → value
        Map<String, Map<String, Map<String, Value>>> metrics = new HashMap<>();
        for (Row r : spark.read().parquet(layout.table("metrics"))
                .filter(col("split").equalTo(split).and(col("metric").isin("ua", "wa")))
                .select("metric", "model", "language", "value", "ci_low", "ci_high").collectAsList()) {
            metrics.computeIfAbsent(r.getAs("metric"), k -> new HashMap<>())
                    .computeIfAbsent(r.getAs("model"), k -> new HashMap<>())
                    .put(r.getAs("language"), new Value(r.getAs("value"), r.getAs("ci_low"), r.getAs("ci_high")));
        }
        Map<String, Map<String, Value>> ua = metrics.getOrDefault("ua", Map.of());
        Map<String, Map<String, Value>> wa = metrics.getOrDefault("wa", Map.of());

        // Verdicts and per-language intervals.
        ScoredPredictions predictions = ScoredPredictions.of(spark.read().parquet(layout.table("predictions"))
                .filter(col("split").equalTo(split)));
        StringBuilder verdicts = new StringBuilder();
        StringBuilder intervalImages = new StringBuilder("<div class=\"row\">\n");
        String method = roster.students().stream().map(Roster.Model::method).filter(METHOD::equals).findFirst()
                .orElse(roster.students().isEmpty() ? null : roster.students().get(0).method());
        List<String> baselines = new ArrayList<>();
        roster.students().stream().map(Roster.Model::method).distinct().filter(m -> !m.equals(method)).forEach(baselines::add);
        baselines.add(Roster.TEACHER_METHOD);
        int resamples = cfg.warehouse().bootstrapResamples();
        boolean overSeeds = roster.seeds() > 1;
        for (String language : withAll) {
            boolean all = language.equals(Tables.ALL_LANGUAGES);
            List<ReportCharts.Estimate> estimates = overSeeds ? overSeeds(roster, ua, language) : new ArrayList<>();
            for (Roster.Model m : overSeeds ? List.<Roster.Model>of() : roster.models()) {
                Value v = ua.getOrDefault(m.name(), Map.of()).get(language);
                if (v != null && m.role() != Roster.Role.REFERENCE && shownOn(m, language)) {
                    estimates.add(new ReportCharts.Estimate(m.name(), v.value(), v.low(), v.high()));
                }
            }
            Map<String, Double> lines = new LinkedHashMap<>();
            for (Roster.Model ref : roster.references()) {
                Value v = ua.getOrDefault(ref.name(), Map.of()).get(language);
                if (v != null && shownOn(ref, language)) {
                    lines.put(ref.name() + " " + String.format("%.1f", 100 * v.value()), v.value());
                }
            }
            if (!estimates.isEmpty()) {
                String file = intervalsFile(language);
                write(layout.report(file), ReportCharts.intervals((overSeeds ? "UA over " + roster.seeds() + " seeds, 95% interval · "
                        : "UA with 95% interval · ") + language + " · " + split,
                        "UA", estimates, lines), conf);
                files++;
                intervalImages.append(img(file, "UA with 95% interval on " + language, ReportCharts.INTERVALS_WIDTH,
                        ReportCharts.intervalsHeight(estimates.size()))).append("\n");
            }
            Roster.Model a = method == null ? null : roster.reportedOn(method, language).orElse(null);
            if (a == null || !shownOn(a, language)) {
                continue;
            }
            for (String baseline : baselines) {
                Roster.Model b = roster.reportedOn(baseline, language).orElse(null);
                if (b == null || !shownOn(b, language)) {
                    continue;
                }
                ConfidenceInterval.Interval d = overSeeds ? pairedOverSeeds(uaBySeed(roster, ua, method, language),
                        uaBySeed(roster, ua, baseline, language))
                        : predictions.difference(a.name(), b.name(), language, all, resamples, cfg.run().seed());
                if (d == null) {
                    continue;
                }
                verdicts.append("<tr><td>").append(html(language)).append("</td>")
                        .append(ReportHtml.verdictCells(a.name(), b.name(), d)).append("</tr>\n");
            }
        }
        intervalImages.append("</div>\n");

        // Cross-language matrix: each teacher and each all-language student on every language.
        List<Roster.Model> crossRows = roster.models().stream()
                .filter(m -> m.role() == Roster.Role.TEACHER || (m.role() == Roster.Role.STUDENT && !m.ownLanguageOnly()))
                .toList();
        double[][] cross = new double[crossRows.size()][languages.size()];
        for (int r = 0; r < crossRows.size(); r++) {
            for (int c = 0; c < languages.size(); c++) {
                Value v = ua.getOrDefault(crossRows.get(r).name(), Map.of()).get(languages.get(c));
                cross[r][c] = v == null ? Double.NaN : v.value();
            }
        }
        write(layout.report(CROSS_LANGUAGE), ReportCharts.matrix("UA (%) on " + split + ": every model on every language",
                crossRows.stream().map(Roster.Model::name).toList(), languages, cross), conf);
        files++;

        // WA only where it differs from UA.
        Map<String, Map<String, Double>> waDiffers = new LinkedHashMap<>();
        for (String model : models) {
            for (String language : withAll) {
                Value u = ua.getOrDefault(model, Map.of()).get(language);
                Value w = wa.getOrDefault(model, Map.of()).get(language);
                if (u != null && w != null && Math.abs(u.value() - w.value()) >= SAME) {
                    waDiffers.computeIfAbsent(model, k -> new LinkedHashMap<>()).put(language, w.value());
                }
            }
        }
        String waSection;
        if (waDiffers.isEmpty()) {
            waSection = "<p>WA equals UA for every model and language on " + html(split)
                    + " (as when every emotion has as many test utterances as the others), so it is not charted.</p>\n";
        } else {
            write(layout.report(WA_BARS), ReportCharts.bars("WA (weighted accuracy) on " + split
                    + " where it differs from UA", "WA", "language", waDiffers), conf);
            files++;
            waSection = "<p>Only the models and languages whose WA differs from their UA.</p>\n"
                    + img(WA_BARS, "WA where it differs from UA", ReportCharts.WIDE_WIDTH, ReportCharts.WIDE_HEIGHT) + "\n";
        }

        // Training curves, the kept epoch and early stopping.
        Map<String, SortedMap<Integer, Double>> loss = new LinkedHashMap<>();
        Map<String, SortedMap<Integer, Double>> devUa = new LinkedHashMap<>();
        Map<String, Integer> best = new HashMap<>();
        for (Row r : spark.read().parquet(layout.table("training_history"))
                .select("model", "epoch", "train_loss", "dev_ua", "best").collectAsList()) {
            String model = r.getAs("model");
            int epoch = r.<Integer>getAs("epoch");
            loss.computeIfAbsent(model, m -> new TreeMap<>()).put(epoch, r.<Double>getAs("train_loss"));
            Double dev = r.getAs("dev_ua");
            devUa.computeIfAbsent(model, m -> new TreeMap<>()).put(epoch, dev == null ? Double.NaN : dev);
            if (r.<Boolean>getAs("best")) {
                best.put(model, epoch);
            }
        }
        write(layout.report(LOSS_CURVES), ReportCharts.curves("Training loss per epoch", "train loss",
                inOrder(loss, models), best), conf);
        write(layout.report(DEV_UA_CURVES), ReportCharts.curves("Dev UA per epoch", "dev UA", inOrder(devUa, models),
                best), conf);
        files += 2;
        Map<String, Integer> refitEpochs = new HashMap<>();
        String selection = selectionSection(spark, layout, conf, models, refitEpochs);
        StringBuilder stopping = new StringBuilder("<table class=\"t\">\n<tr><th>model</th><th>epochs run</th>"
                + "<th>of at most</th><th>kept epoch</th><th>dev UA there</th><th>stopped early</th></tr>\n");
        for (Map.Entry<String, SortedMap<Integer, Double>> e : inOrder(loss, models).entrySet()) {
            Roster.Model m = roster.named(e.getKey()).orElse(null);
            Optimisation o = m != null && m.role() == Roster.Role.TEACHER ? cfg.teachers().optimisation()
                    : cfg.student().optimisation();
            int run = e.getValue().lastKey();
            Integer kept = best.get(e.getKey());
            Double dev = kept == null ? null : devUa.get(e.getKey()).get(kept);
            // A model refitted after selection trains for the epochs selection chose, with no dev split to stop on.
            Integer refit = refitEpochs.get(e.getKey());
            int most = refit != null ? refit : o.epochs();
            stopping.append("<tr><td>").append(html(e.getKey())).append("</td><td>").append(run).append("</td><td>")
                    .append(most).append("</td><td>").append(kept == null ? "-" : kept).append("</td><td>")
                    .append(dev == null || dev.isNaN() ? "-" : String.format("%.1f", 100 * dev)).append("</td><td>")
                    .append(refit != null ? "no: refitted on every training speaker for the selected epochs"
                            : run < most ? "yes: no better dev UA for " + o.patience() + " epochs" : "no")
                    .append("</td></tr>\n");
        }
        stopping.append("</table>\n");

        // Confusion matrices: one row per model, one column per language and "all".
        Map<String, long[][]> confusion = new TreeMap<>();
        for (Row r : spark.read().parquet(layout.table("confusion")).filter(col("split").equalTo(split))
                .select("model", "language", "true_emotion", "predicted_emotion", "count").collectAsList()) {
            long[][] m = confusion.computeIfAbsent(r.getAs("model") + "\t" + r.getAs("language"),
                    k -> new long[Emotion.COUNT][Emotion.COUNT]);
            m[Emotion.parse(r.getAs("true_emotion")).orElseThrow().ordinal()]
                    [Emotion.parse(r.getAs("predicted_emotion")).orElseThrow().ordinal()] += r.<Long>getAs("count");
        }
        StringBuilder grid = new StringBuilder("<div class=\"cm\" style=\"grid-template-columns:10em repeat(")
                .append(withAll.size()).append(", minmax(0, ").append(ReportCharts.CONFUSION_WIDTH).append("px))\">\n<div></div>");
        withAll.forEach(l -> grid.append("<div class=\"h\">").append(html(l)).append("</div>"));
        grid.append("\n");
        for (String model : models) {
            grid.append("<div class=\"m\">").append(html(model)).append("</div>");
            for (String language : withAll) {
                long[][] counts = confusion.get(model + "\t" + language);
                if (counts == null) {
                    grid.append("<div>-</div>");
                    continue;
                }
                String file = confusionFile(model, language);
                String title = String.format("UA %.1f", 100 * ConfusionMatrix.ofCounts(counts).unweightedRecall());
                write(layout.report(file), ReportCharts.confusion(title, Emotion.labels(), counts), conf);
                files++;
                grid.append("<div>").append(img(file, model + " · " + language + " · " + split + " · " + title,
                        ReportCharts.CONFUSION_WIDTH, ReportCharts.CONFUSION_HEIGHT)).append("</div>");
            }
            grid.append("\n");
        }
        grid.append("</div>\n");

        String summary = HadoopFiles.exists(layout.report("summary.txt"), conf)
                ? new String(HadoopFiles.readBytes(layout.report("summary.txt"), conf), StandardCharsets.UTF_8) : "";
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ser-distill run ")
                .append(html(cfg.run().id())).append("</title>\n<style>")
                .append(ReportHtml.STYLE)
                .append("</style>\n</head>\n<body>\n")
                .append("<h1>ser-distill run ").append(html(cfg.run().id())).append("</h1>\n")
                .append("<p>config ").append(html(cfg.hash())).append(" · commit ").append(html(Provenance.gitCommit()))
                .append(" · seed ").append(cfg.run().seed()).append(" · split <b>").append(html(split))
                .append("</b> · written ").append(html(Instant.now().toString())).append("</p>\n")
                .append("<h2>Is the difference real?</h2>\n");
        if (verdicts.length() > 0 && overSeeds) {
            page.append("<p>Over this run's ").append(roster.seeds()).append(" seeds (ser.run.seeds): UA of ")
                    .append(html(method)).append(" minus each baseline's, per seed on the same ").append(html(split))
                    .append(" utterances (seed s of one model against seed s of the other), with a 95% Student-t")
                    .append(" interval over those per-seed differences; \"not distinguishable\" when the interval")
                    .append(" holds 0.</p>\n")
                    .append("<table class=\"t\">\n<tr><th>language</th><th>comparison</th><th>difference and verdict</th>")
                    .append("<th>seeds</th></tr>\n").append(verdicts).append("</table>\n");
        } else if (verdicts.length() > 0) {
            page.append("<p>UA of ").append(html(method)).append(" minus each baseline's, on the same ").append(html(split))
                    .append(" utterances, with a paired bootstrap 95% interval (").append(resamples)
                    .append(" resamples); \"not distinguishable\" when the interval holds 0.</p>\n")
                    .append("<table class=\"t\">\n<tr><th>language</th><th>comparison</th><th>difference and verdict</th>")
                    .append("<th>utterances</th></tr>\n").append(verdicts).append("</table>\n");
        } else {
            page.append("<p>No student method to compare with its baselines in this run.</p>\n");
        }
        page.append("<h2>UA per language with 95% intervals</h2>\n")
                .append(overSeeds ? "<p>Each model's mean UA over the run's " + roster.seeds() + " seeds with a 95% "
                        + "Student-t interval over seeds (tables/seed_summary; each seed's own row and bootstrap "
                        + "interval in tables/metrics, its seed column)."
                        : "<p>Bootstrap over utterances within this run (tables/metrics ci_low, ci_high).")
                .append(" Dashed lines: the ")
                .append("linear references (logistic regression on the same features) every neural model should clear.</p>\n")
                .append(intervalImages)
                .append("<h2>Cross-language UA</h2>\n<p>Each teacher and each all-language student on every language: ")
                .append("the diagonal of the teachers is their own language.</p>\n")
                .append(img(CROSS_LANGUAGE, "UA of every teacher and student on every language", ReportCharts.HEATMAP_WIDTH,
                        ReportCharts.matrixHeight(crossRows.size()))).append("\n")
                .append("<h2>Summary</h2>\n<pre>").append(html(summary)).append("</pre>\n")
                .append("<h2>WA</h2>\n").append(waSection)
                .append(selection)
                .append("<h2>Training curves</h2>\n<div class=\"row\">\n")
                .append(img(LOSS_CURVES, "training loss per epoch", ReportCharts.WIDE_WIDTH, ReportCharts.WIDE_HEIGHT)).append("\n")
                .append(img(DEV_UA_CURVES, "dev UA per epoch", ReportCharts.WIDE_WIDTH, ReportCharts.WIDE_HEIGHT)).append("\n")
                .append("</div>\n").append(stopping)
                .append("<h2>Confusion matrices (").append(html(split)).append(")</h2>\n")
                .append("<p>Rows: true emotion; columns: predicted. Colour: share of the row; text: utterances.</p>\n")
                .append(grid)
                .append("</body>\n</html>\n");
        HadoopFiles.writeText(layout.report("index.html"), page.toString(), conf);
        return files + 1;
    }

    /**
     * Per method (roster order, references apart), its UA on {@code language} as the mean over its seeds with a
     * Student-t interval, labelled by its first seed's name and the number of seeds.
     */
    private static List<ReportCharts.Estimate> overSeeds(Roster roster, Map<String, Map<String, Value>> ua,
                                                         String language) {
        List<ReportCharts.Estimate> out = new ArrayList<>();
        for (String method : roster.models().stream().filter(m -> m.role() != Roster.Role.REFERENCE)
                .map(Roster.Model::method).distinct().toList()) {
            Map<Integer, Double> bySeed = uaBySeed(roster, ua, method, language);
            if (bySeed.isEmpty()) {
                continue;
            }
            ConfidenceInterval.Interval ci = ConfidenceInterval.studentT95(
                    bySeed.values().stream().mapToDouble(Double::doubleValue).toArray());
            String name = roster.reportedOn(method, language).map(Roster.Model::name).orElse(method);
            out.add(new ReportCharts.Estimate(name + " (" + ci.n() + " seeds)", ci.mean(), ci.low(), ci.high()));
        }
        return out;
    }

    /** UA of every seed of {@code method} shown on {@code language}, keyed by seed. */
    private static Map<Integer, Double> uaBySeed(Roster roster, Map<String, Map<String, Value>> ua, String method,
                                                 String language) {
        Map<Integer, Double> out = new TreeMap<>();
        for (Roster.Model m : roster.replicatesOn(method, language)) {
            Value v = ua.getOrDefault(m.name(), Map.of()).get(language);
            if (v != null && shownOn(m, language)) {
                out.put(m.seed(), v.value());
            }
        }
        return out;
    }

    /**
     * Student-t interval of UA(a) − UA(b) over the seeds both have (seed s against seed s, scored on the same
     * utterances); null with fewer than two.
     */
    static ConfidenceInterval.Interval pairedOverSeeds(Map<Integer, Double> a, Map<Integer, Double> b) {
        List<Double> diffs = new ArrayList<>();
        a.forEach((seed, v) -> {
            if (b.containsKey(seed)) {
                diffs.add(v - b.get(seed));
            }
        });
        return diffs.size() < 2 ? null
                : ConfidenceInterval.studentT95(diffs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * "Model selection": per model, the chosen grid point with its mean inner-fold UA and every point's mean, from
     * tables/selection; "" when the run did not select. Fills {@code refitEpochs} with each refitted model's epochs.
     */
    private static String selectionSection(SparkSession spark, RunLayout layout, Configuration conf, List<String> models,
                                           Map<String, Integer> refitEpochs) throws IOException {
        if (!HadoopFiles.exists(layout.table("selection"), conf)) {
            return "";
        }
        // model -> point -> {params, mean UA, folds, chosen, refit epochs}
        Map<String, SortedMap<Integer, Row>> points = new TreeMap<>();
        for (Row r : spark.read().parquet(layout.table("selection"))
                .select("model", "point", "params", "mean_ua", "inner_folds", "chosen", "refit_epochs", "family")
                .dropDuplicates("model", "point").collectAsList()) {
            points.computeIfAbsent(r.getAs("model"), m -> new TreeMap<>()).put(r.getAs("point"), r);
            if (r.<Boolean>getAs("chosen") && r.getAs("refit_epochs") != null) {
                refitEpochs.put(r.getAs("model"), r.<Integer>getAs("refit_epochs"));
            }
        }
        StringBuilder sb = new StringBuilder("<h2>Model selection</h2>\n<p>Each grid point trained on speaker-grouped "
                + "inner folds of the training speakers (train and dev; never test) and scored by its mean inner-fold "
                + "UA (tables/selection). The chosen point is the highest; the model then trained with it.</p>\n"
                + "<table class=\"t\">\n<tr><th>model</th><th>chosen point</th><th>mean inner UA</th><th>inner folds</th>"
                + "<th>trained as</th><th>every point's mean inner UA</th></tr>\n");
        List<String> order = new ArrayList<>(models.stream().filter(points::containsKey).toList());
        points.keySet().stream().filter(m -> !order.contains(m)).forEach(order::add);
        for (String model : order) {
            Row chosen = points.get(model).values().stream().filter(r -> r.<Boolean>getAs("chosen")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("tables/selection: no chosen point for " + model));
            StringBuilder all = new StringBuilder();
            points.get(model).forEach((p, r) -> all.append(all.length() == 0 ? "" : "<br>")
                    .append(html(r.getAs("params"))).append(": ")
                    .append(String.format("%.1f", 100 * r.<Double>getAs("mean_ua"))));
            Integer refit = chosen.getAs("refit_epochs");
            sb.append("<tr><td>").append(html(model)).append("</td><td>").append(html(chosen.getAs("params")))
                    .append("</td><td>").append(String.format("%.1f", 100 * chosen.<Double>getAs("mean_ua")))
                    .append("</td><td>").append(chosen.<Integer>getAs("inner_folds")).append("</td><td>")
                    .append(refit == null ? "train split, selected on dev" : "refit on train + dev, " + refit + " epochs")
                    .append("</td><td>").append(all).append("</td></tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    /** Whether {@code m} is reported on {@code language}: own-language models on theirs, the others on every one and "all". */
    private static boolean shownOn(Roster.Model m, String language) {
        return !m.ownLanguageOnly() || m.language().equals(language);
    }

    private static Map<String, SortedMap<Integer, Double>> inOrder(Map<String, SortedMap<Integer, Double>> byModel, List<String> models) {
        Map<String, SortedMap<Integer, Double>> out = new LinkedHashMap<>();
        models.stream().filter(byModel::containsKey).forEach(m -> out.put(m, byModel.get(m)));
        byModel.forEach(out::putIfAbsent);
        return out;
    }

    private static void write(String uri, byte[] png, Configuration conf) throws IOException {
        HadoopFiles.writeBytes(uri, png, conf);
    }

    private static String img(String file, String alt, int width, int height) {
        return ReportHtml.img(file, alt, width, height);
    }

    private static String html(String s) {
        return ReportHtml.html(s);
    }
}
