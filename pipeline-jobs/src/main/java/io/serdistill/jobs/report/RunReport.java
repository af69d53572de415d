package io.serdistill.jobs.report;

import io.serdistill.config.SerConfig;
import io.serdistill.data.Emotion;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.Provenance;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
 * run's FileSystem: per-language UA and WA bars per model, training curves (train loss, dev UA per epoch per
 * model) and a confusion matrix per model and language on the reported split.
 */
public final class RunReport {
    public static final String UA_BARS = "ua_per_language.png";
    public static final String WA_BARS = "wa_per_language.png";
    public static final String LOSS_CURVES = "train_loss.png";
    public static final String DEV_UA_CURVES = "dev_ua.png";

    private RunReport() {}

    public static String confusionFile(String model, String language) {
        return ("confusion_" + model + "_" + language + ".png").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Writes report/index.html and its charts for {@code split}; returns the number of files written. */
    public static int write(StageContext ctx, Roster roster, String split) throws IOException {
        SerConfig cfg = ctx.config();
        SparkSession spark = ctx.spark();
        Configuration conf = ctx.hadoop().get();
        RunLayout layout = ctx.layout();
        List<String> models = roster.names();
        List<String> languages = new ArrayList<>(cfg.input().languages());
        languages.add(Tables.ALL_LANGUAGES);
        int files = 0;

        Map<String, Map<String, Map<String, Double>>> byMetric = new LinkedHashMap<>();
        for (String metric : List.of("ua", "wa")) {
            Map<String, Map<String, Double>> values = new LinkedHashMap<>();
            models.forEach(m -> values.put(m, new LinkedHashMap<>()));
            byMetric.put(metric, values);
        }
        for (Row r : spark.read().parquet(layout.table("metrics"))
                .filter(col("split").equalTo(split).and(col("metric").isin("ua", "wa")))
                .select("metric", "model", "language", "value").collectAsList()) {
            byMetric.get(r.<String>getAs("metric")).computeIfAbsent(r.getAs("model"), m -> new LinkedHashMap<>())
                    .put(r.getAs("language"), r.<Double>getAs("value"));
        }
        // Bars in the configured language order, "all" last.
        for (Map<String, Map<String, Double>> values : byMetric.values()) {
            values.replaceAll((model, byLanguage) -> {
                Map<String, Double> ordered = new LinkedHashMap<>();
                languages.stream().filter(byLanguage::containsKey).forEach(l -> ordered.put(l, byLanguage.get(l)));
                return ordered;
            });
        }
        write(layout.report(UA_BARS), ReportCharts.bars("UA (unweighted accuracy) on " + split + " per language",
                "UA", "language", byMetric.get("ua")), conf);
        write(layout.report(WA_BARS), ReportCharts.bars("WA (weighted accuracy) on " + split + " per language",
                "WA", "language", byMetric.get("wa")), conf);
        files += 2;

        Map<String, SortedMap<Integer, Double>> loss = new LinkedHashMap<>();
        Map<String, SortedMap<Integer, Double>> devUa = new LinkedHashMap<>();
        for (Row r : spark.read().parquet(layout.table("training_history"))
                .select("model", "epoch", "train_loss", "dev_ua").collectAsList()) {
            String model = r.getAs("model");
            int epoch = r.<Integer>getAs("epoch");
            loss.computeIfAbsent(model, m -> new TreeMap<>()).put(epoch, r.<Double>getAs("train_loss"));
            Double ua = r.getAs("dev_ua");
            devUa.computeIfAbsent(model, m -> new TreeMap<>()).put(epoch, ua == null ? Double.NaN : ua);
        }
        write(layout.report(LOSS_CURVES), ReportCharts.curves("Training loss per epoch", "train loss", inOrder(loss, models)), conf);
        write(layout.report(DEV_UA_CURVES), ReportCharts.curves("Dev UA per epoch", "dev UA", inOrder(devUa, models)), conf);
        files += 2;

        Map<String, long[][]> confusion = new TreeMap<>();
        for (Row r : spark.read().parquet(layout.table("confusion")).filter(col("split").equalTo(split))
                .select("model", "language", "true_emotion", "predicted_emotion", "count").collectAsList()) {
            long[][] m = confusion.computeIfAbsent(r.getAs("model") + "\t" + r.getAs("language"),
                    k -> new long[Emotion.COUNT][Emotion.COUNT]);
            m[Emotion.parse(r.getAs("true_emotion")).orElseThrow().ordinal()]
                    [Emotion.parse(r.getAs("predicted_emotion")).orElseThrow().ordinal()] += r.<Long>getAs("count");
        }
        StringBuilder grid = new StringBuilder("<table class=\"grid\">\n<tr><th>model</th>");
        languages.forEach(l -> grid.append("<th>").append(html(l)).append("</th>"));
        grid.append("</tr>\n");
        for (String model : models) {
            grid.append("<tr><th>").append(html(model)).append("</th>");
            for (String language : languages) {
                long[][] counts = confusion.get(model + "\t" + language);
                if (counts == null) {
                    grid.append("<td>-</td>");
                    continue;
                }
                String file = confusionFile(model, language);
                String title = String.format("%s · %s · %s (UA %.3f)", model, language, split,
                        ConfusionMatrix.ofCounts(counts).unweightedRecall());
                write(layout.report(file), ReportCharts.confusion(title, Emotion.labels(), counts), conf);
                files++;
                grid.append("<td>").append(img(file, title, ReportCharts.CONFUSION_WIDTH, ReportCharts.CONFUSION_HEIGHT)).append("</td>");
            }
            grid.append("</tr>\n");
        }
        grid.append("</table>\n");

        String summary = HadoopFiles.exists(layout.report("summary.txt"), conf)
                ? new String(HadoopFiles.readBytes(layout.report("summary.txt"), conf), StandardCharsets.UTF_8) : "";
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ser-distill run ")
                .append(html(cfg.run().id())).append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1900px}"
                        + "pre{background:#f6f8fa;padding:1em}table.grid td,table.grid th{padding:2px;text-align:center}"
                        + "img{border:1px solid #ddd}</style>\n</head>\n<body>\n")
                .append("<h1>ser-distill run ").append(html(cfg.run().id())).append("</h1>\n")
                .append("<p>config ").append(html(cfg.hash())).append(" · commit ").append(html(Provenance.gitCommit()))
                .append(" · seed ").append(cfg.run().seed()).append(" · split <b>").append(html(split))
                .append("</b> · written ").append(html(Instant.now().toString())).append("</p>\n")
                .append("<h2>Summary</h2>\n<pre>").append(html(summary)).append("</pre>\n")
                .append("<h2>UA and WA per language</h2>\n")
                .append(img(UA_BARS, "UA per language and model", ReportCharts.WIDE_WIDTH, ReportCharts.WIDE_HEIGHT)).append("\n")
                .append(img(WA_BARS, "WA per language and model", ReportCharts.WIDE_WIDTH, ReportCharts.WIDE_HEIGHT)).append("\n")
                .append("<h2>Training curves</h2>\n")
                .append(img(LOSS_CURVES, "training loss per epoch", ReportCharts.WIDE_WIDTH, ReportCharts.WIDE_HEIGHT)).append("\n")
                .append(img(DEV_UA_CURVES, "dev UA per epoch", ReportCharts.WIDE_WIDTH, ReportCharts.WIDE_HEIGHT)).append("\n")
                .append("<h2>Confusion matrices (").append(html(split)).append(")</h2>\n")
                .append("<p>Rows: true emotion; columns: predicted. Colour: share of the row; text: utterances.</p>\n")
                .append(grid)
                .append("</body>\n</html>\n");
        HadoopFiles.writeText(layout.report("index.html"), page.toString(), conf);
        return files + 1;
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
        return "<img src=\"" + html(file) + "\" alt=\"" + html(alt) + "\" width=\"" + width + "\" height=\"" + height + "\">";
    }

    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
