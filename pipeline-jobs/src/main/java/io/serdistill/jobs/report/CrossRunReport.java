package io.serdistill.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.Tables;
import io.serdistill.jobs.run.Warehouse;
import io.serdistill.json.Json;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;

/**
 * The cross-run page: one static HTML page (index.html) with PNG charts comparing methods across the runs (and so
 * the corpora) published to a warehouse, read from its ser_* tables only and written through the output's
 * FileSystem; nothing on it is fetched from elsewhere. Read-only over the warehouse, so it takes no run lock.
 * Everything is on the test split, each run's lowest published fold. On the page: the runs (id, corpus, languages,
 * utterances, dates, config hash, commit; ser_runs), the mean test UA of every method in every run (mean over the
 * run's languages of the method's model on each, per-language models on their own language, as the queries in
 * notebooks/sql count them) as a table and a heatmap, per run the paired verdicts of mtkd-language against its
 * baselines from ser_predictions (as the run's own report computes them: same seed, same resamples), and per
 * language every (run, model) UA with its 95% interval from ser_metrics.
 */
public final class CrossRunReport {
    public static final String SPLIT = "test";
    public static final String METHODS_BY_RUN = "methods_by_run.png";

    /** Nothing to report, or a run the warehouse does not hold: a usage error (exit code 2), never a failure. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    private CrossRunReport() {}

    /** The chart of every (run, model) UA on {@code language}. */
    public static String intervalsFile(String language) {
        return RunReport.intervalsFile(language);
    }

    /** Where the page goes by default: report-runs/ next to the warehouse directory ({root}/../report-runs). */
    public static String defaultOut(Warehouse warehouse) {
        Path parent = new Path(warehouse.root()).getParent();
        return (parent == null ? warehouse.root() : parent.toString()) + "/report-runs";
    }

    /**
     * The runs to report: {@code requested} in that order, or every published run (sorted by id) when it is empty.
     *
     * @throws Refused when the warehouse has no run, or when a requested id is not one of its runs
     */
    public static List<String> select(Warehouse warehouse, List<String> requested, Configuration conf) throws IOException {
        Path runs = new Path(warehouse.table(Warehouse.RUNS));
        FileSystem fs = runs.getFileSystem(conf);
        Set<String> published = new TreeSet<>();
        if (fs.exists(runs)) {
            String prefix = Warehouse.PARTITION_COLUMN + "=";
            for (FileStatus s : fs.listStatus(runs)) {
                if (s.isDirectory() && s.getPath().getName().startsWith(prefix)) {
                    published.add(s.getPath().getName().substring(prefix.length()));
                }
            }
        }
        if (published.isEmpty()) {
            throw new Refused("the warehouse " + warehouse.root() + " has no published run (no " + Warehouse.RUNS
                    + " partition): publish one first (submit/ser pipeline, or submit/ser publish), or point"
                    + " ser.warehouse.root at the warehouse to read");
        }
        if (requested.isEmpty()) {
            return List.copyOf(published);
        }
        List<String> unknown = requested.stream().filter(r -> !published.contains(r)).toList();
        if (!unknown.isEmpty()) {
            throw new Refused("unknown run id" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + ": the warehouse " + warehouse.root() + " holds " + String.join(", ", published));
        }
        return List.copyOf(new LinkedHashSet<>(requested));
    }

    /** One published run, from its ser_runs row. */
    private record Run(String id, String started, String published, String gitCommit, String configHash, String corpus,
                       List<String> languages, List<String> methods, long utterances, long seed, int resamples) {}

    /** One model's test UA on one language with its interval. */
    private record Ua(String run, String model, String method, String language, double value, double low, double high) {}

    /**
     * Writes {@code out}/index.html and its charts for {@code requested} runs (empty: every run); returns the number
     * of files written.
     *
     * @param resamples the paired bootstrap's resamples for a run whose config does not say
     *                  (ser.warehouse.bootstrap-resamples)
     * @throws Refused see {@link #select}
     */
    public static int write(SparkSession spark, Warehouse warehouse, List<String> requested, String out, int resamples)
            throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<String> ids = select(warehouse, requested, conf);
        // Run ids such as 2025-01-31 must stay strings when the partitions are read.
        spark.conf().set("spark.sql.sources.partitionColumnTypeInference.enabled", "false");
        Object[] idValues = ids.toArray();

        Map<String, Run> byId = new HashMap<>();
        for (Row r : spark.read().parquet(warehouse.table(Warehouse.RUNS)).filter(col("run_id").isin(idValues))
                .select("run_id", "started", "published", "git_commit", "config_hash", "config", "seed", "languages",
                        "methods", "utterances").collectAsList()) {
            JsonNode config = Json.object(r.getAs("config"));
            String id = r.getAs("run_id");
            byId.put(id, new Run(id, time(r.getAs("started")), time(r.getAs("published")), r.getAs("git_commit"),
                    r.getAs("config_hash"), corpus(config), r.getList(r.fieldIndex("languages")),
                    r.getList(r.fieldIndex("methods")), r.<Long>getAs("utterances"), r.<Long>getAs("seed"),
                    config.path("warehouse").path("bootstrap-resamples").asInt(resamples)));
        }
        List<Run> runs = ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();

        // Test UA of each run's lowest fold.
        List<Row> metricRows = spark.read().parquet(warehouse.table(Warehouse.METRICS))
                .filter(col("run_id").isin(idValues).and(col("split").equalTo(SPLIT)).and(col("metric").equalTo("ua")))
                .select("run_id", "fold", "model", "method", "language", "value", "ci_low", "ci_high").collectAsList();
        Map<String, Integer> fold = new HashMap<>();
        metricRows.forEach(r -> fold.merge(r.getAs("run_id"), r.<Integer>getAs("fold"), Math::min));
        List<Ua> ua = new ArrayList<>();
        for (Row r : metricRows) {
            if (r.<Integer>getAs("fold").equals(fold.get(r.<String>getAs("run_id")))) {
                ua.add(new Ua(r.getAs("run_id"), r.getAs("model"), r.getAs("method"), r.getAs("language"),
                        r.getAs("value"), r.getAs("ci_low"), r.getAs("ci_high")));
            }
        }
        ua.sort(Comparator.comparing((Ua u) -> ids.indexOf(u.run())).thenComparing(u -> rank(u.method()))
                .thenComparing(Ua::model));

        List<String> languages = new ArrayList<>(new LinkedHashSet<>(runs.stream().flatMap(r -> r.languages().stream())
                .toList()));
        int files = 0;

        // Methods × runs: mean test UA over each run's languages.
        List<String> methods = methodOrder(runs, ua);
        double[][] means = new double[methods.size()][runs.size()];
        for (int m = 0; m < methods.size(); m++) {
            for (int c = 0; c < runs.size(); c++) {
                Run run = runs.get(c);
                String method = methods.get(m);
                double sum = 0;
                int n = 0;
                for (Ua u : ua) {
                    if (u.run().equals(run.id()) && u.method().equals(method) && run.languages().contains(u.language())
                            && shownOn(u, u.language())) {
                        sum += u.value();
                        n++;
                    }
                }
                means[m][c] = n == 0 ? Double.NaN : sum / n;
            }
        }
        StringBuilder meanTable = new StringBuilder("<table class=\"t\">\n<tr><th>method</th>");
        runs.forEach(r -> meanTable.append("<th>").append(html(r.id())).append("</th>"));
        meanTable.append("</tr>\n");
        for (int m = 0; m < methods.size(); m++) {
            meanTable.append("<tr><td>").append(html(methods.get(m))).append("</td>");
            for (int c = 0; c < runs.size(); c++) {
                meanTable.append("<td>").append(Double.isNaN(means[m][c]) ? "-" : String.format("%.1f", 100 * means[m][c]))
                        .append("</td>");
            }
            meanTable.append("</tr>\n");
        }
        meanTable.append("</table>\n");
        write(out + "/" + METHODS_BY_RUN, ReportCharts.matrix("Mean test UA (%) over each run's languages", methods,
                runs.stream().map(Run::id).toList(), "run", means), conf);
        files++;

        // Per run: the method against its baselines, on the same utterances.
        StringBuilder verdicts = new StringBuilder();
        for (Run run : runs) {
            String method = run.methods().contains(RunReport.METHOD) ? RunReport.METHOD
                    : run.methods().isEmpty() ? null : run.methods().get(0);
            if (method == null) {
                continue;
            }
            List<String> baselines = new ArrayList<>(run.methods().stream().filter(m -> !m.equals(method)).toList());
            baselines.add(Roster.TEACHER_METHOD);
            ScoredPredictions predictions = ScoredPredictions.of(spark.read().parquet(warehouse.table(Warehouse.PREDICTIONS))
                    .filter(col("run_id").equalTo(run.id()).and(col("split").equalTo(SPLIT))));
            List<String> withAll = new ArrayList<>(run.languages());
            withAll.add(Tables.ALL_LANGUAGES);
            for (String language : withAll) {
                String a = modelOn(ua, run.id(), method, language);
                if (a == null) {
                    continue;
                }
                for (String baseline : baselines) {
                    String b = modelOn(ua, run.id(), baseline, language);
                    if (b == null) {
                        continue;
                    }
                    ConfidenceInterval.Interval d = predictions.difference(a, b, language,
                            language.equals(Tables.ALL_LANGUAGES), run.resamples(), run.seed());
                    if (d != null) {
                        verdicts.append("<tr><td>").append(html(run.id())).append("</td><td>").append(html(language))
                                .append("</td>").append(ReportHtml.verdictCells(a, b, d)).append("</tr>\n");
                    }
                }
            }
        }

        // Per language: every (run, model) UA with its interval.
        List<String> withAll = new ArrayList<>(languages);
        withAll.add(Tables.ALL_LANGUAGES);
        StringBuilder intervalImages = new StringBuilder("<div class=\"row\">\n");
        for (String language : withAll) {
            List<ReportCharts.Estimate> estimates = new ArrayList<>();
            for (Ua u : ua) {
                if (u.language().equals(language) && shownOn(u, language)) {
                    estimates.add(new ReportCharts.Estimate(u.run() + " · " + u.model(), u.value(), u.low(), u.high()));
                }
            }
            if (estimates.isEmpty()) {
                continue;
            }
            String file = intervalsFile(language);
            write(out + "/" + file, ReportCharts.intervals("UA with 95% interval · " + language + " · " + SPLIT, "UA",
                    estimates, Map.of()), conf);
            files++;
            intervalImages.append(ReportHtml.img(file, "UA with 95% interval of every run's models on " + language,
                    ReportCharts.INTERVALS_WIDTH, ReportCharts.intervalsHeight(estimates.size()))).append("\n");
        }
        intervalImages.append("</div>\n");

        StringBuilder runTable = new StringBuilder("<table class=\"t\">\n<tr><th>run</th><th>corpus</th><th>languages</th>"
                + "<th>utterances</th><th>started</th><th>published</th><th>config</th><th>commit</th></tr>\n");
        for (Run r : runs) {
            runTable.append("<tr><td>").append(html(r.id())).append("</td><td class=\"path\">").append(html(r.corpus()))
                    .append("</td><td>").append(html(String.join(" ", r.languages()))).append("</td><td>")
                    .append(r.utterances()).append("</td><td>").append(html(r.started())).append("</td><td>")
                    .append(html(r.published())).append("</td><td>").append(html(r.configHash())).append("</td><td>")
                    .append(html(r.gitCommit())).append("</td></tr>\n");
        }
        runTable.append("</table>\n");

        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>ser-distill: ")
                .append(runs.size()).append(" runs</title>\n<style>").append(ReportHtml.STYLE)
                .append("td.path{overflow-wrap:anywhere}")
                .append("</style>\n</head>\n<body>\n")
                .append("<h1>ser-distill: methods across ").append(runs.size()).append(runs.size() == 1 ? " run" : " runs")
                .append("</h1>\n<p>warehouse ").append(html(warehouse.root())).append(" · split <b>").append(SPLIT)
                .append("</b> · written ").append(html(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()))
                .append("</p>\n<h2>Runs</h2>\n").append(runTable)
                .append("<h2>Mean test UA per method and run</h2>\n")
                .append("<p>Mean over each run's languages of the method's UA on each (per-language models on their own ")
                .append("language), in %; \"-\": the run has no such model.</p>\n").append(meanTable)
                .append(ReportHtml.img(METHODS_BY_RUN, "mean test UA of every method in every run",
                        ReportCharts.HEATMAP_WIDTH, ReportCharts.matrixHeight(methods.size()))).append("\n")
                .append("<h2>Is the difference real?</h2>\n");
        if (verdicts.length() > 0) {
            page.append("<p>Per run: UA of ").append(html(RunReport.METHOD)).append(" (or the run's first student method) ")
                    .append("minus each baseline's, on the same ").append(SPLIT).append(" utterances, with a paired ")
                    .append("bootstrap 95% interval as in the run's own report; \"not distinguishable\" when the ")
                    .append("interval holds 0.</p>\n<table class=\"t\">\n<tr><th>run</th><th>language</th>")
                    .append("<th>comparison</th><th>difference and verdict</th><th>utterances</th></tr>\n")
                    .append(verdicts).append("</table>\n");
        } else {
            page.append("<p>No run has a student method and a baseline scored on the same utterances.</p>\n");
        }
        page.append("<h2>UA per language with 95% intervals</h2>\n")
                .append("<p>Every run's models, labelled run · model; bootstrap over utterances within each run ")
                .append("(ser_metrics ci_low, ci_high).</p>\n").append(intervalImages)
                .append("</body>\n</html>\n");
        HadoopFiles.writeText(out + "/index.html", page.toString(), conf);
        return files + 1;
    }

    /** Own-language methods (the teachers', the *-mono students', the per-language linear reference). */
    private static boolean ownLanguageOnly(String method) {
        return method.endsWith("-mono") || method.equals("reference-linear");
    }

    /**
     * The rule of notebooks/sql: per-language models on their own language, the others on every one and "all"; a
     * model's seed s > 1 ({@code {model}-seed{s}}) as its seed 1.
     */
    private static boolean shownOn(Ua u, String language) {
        return !ownLanguageOnly(u.method()) || u.model().replaceFirst("-seed[0-9]+$", "").endsWith("-" + language);
    }

    /** Teachers first, then students, then the linear references. */
    private static int rank(String method) {
        return method.equals(Roster.TEACHER_METHOD) ? 0 : method.startsWith("reference-linear") ? 2 : 1;
    }

    /** The run's model of {@code method} reported on {@code language}; null when it has none. */
    private static String modelOn(List<Ua> ua, String run, String method, String language) {
        return ua.stream().filter(u -> u.run().equals(run) && u.method().equals(method) && u.language().equals(language)
                && shownOn(u, language)).map(Ua::model).findFirst().orElse(null);
    }

    /** The teachers' method, every run's student methods in order, the references, then anything else found. */
    private static List<String> methodOrder(List<Run> runs, List<Ua> ua) {
        Set<String> found = new LinkedHashSet<>();
        ua.forEach(u -> found.add(u.method()));
        Set<String> order = new LinkedHashSet<>();
        if (found.contains(Roster.TEACHER_METHOD)) {
            order.add(Roster.TEACHER_METHOD);
        }
        runs.forEach(r -> r.methods().stream().filter(found::contains).forEach(order::add));
        found.stream().filter(m -> rank(m) == 2).sorted().forEach(order::add);
        order.addAll(found);
        return new ArrayList<>(order);
    }

    /** What the run read: its manifest, else its scanned corpus directory, else the demo corpus. */
    private static String corpus(JsonNode config) {
        JsonNode input = config.path("input");
        String manifest = input.path("manifest").asText("");
        String root = input.path("corpus").path("root").asText("");
        if (!manifest.isEmpty()) {
            return manifest;
        }
        if (!root.isEmpty()) {
            return input.path("corpus").path("kind").asText("auto") + ": " + root;
        }
        return "demo corpus " + config.path("demo").path("dir").asText("");
    }

    private static String time(Timestamp t) {
        return t == null ? "-" : t.toInstant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static void write(String uri, byte[] png, Configuration conf) throws IOException {
        HadoopFiles.writeBytes(uri, png, conf);
    }

    private static String html(String s) {
        return ReportHtml.html(s);
    }
}
