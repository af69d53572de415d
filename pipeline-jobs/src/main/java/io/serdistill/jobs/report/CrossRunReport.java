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
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The cross-run page: one static HTML page (index.html) with PNG charts comparing methods across the runs (and so
 * the corpora) published to a warehouse, read from its ser_* tables only and written through the output's
 * FileSystem; nothing on it is fetched from elsewhere. Read-only over the warehouse, so it takes no run lock.
 * Everything is on the test split. On the page: the runs (id, corpus, languages,
 * utterances, dates, config hash, commit; ser_runs), the mean test UA of every method in every run (mean over the
 * run's languages of the method's model on each, per-language models on their own language, as the queries in
 * notebooks/sql count them) as a table and a heatmap, per run the paired verdicts of mtkd-language against its
 * baselines, and per language every (run, model) UA with its 95% interval. A model's seeds ({@code {model}-seed{s}},
 * ser_metrics.seed) and folds count as one model, as on the run's own first screen: with one value in its run (one
 * fold, one seed) its UA with the bootstrap interval of ser_metrics and verdicts from a paired bootstrap over
 * ser_predictions (the run's seed and resamples); with several, the mean over its (fold, seed) values with a
 * Student-t interval over them and verdicts from the Student-t interval of the per-(fold, seed) differences.
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
     * The runs to report: {@code requested} in that order, or every published run (sorted by id) when it is empty. A
     * requested id that is no published run but whose fold sub-runs are ({@code {id}-fold0}, {@code {id}-fold1}, …,
     * as ser.folds.all publishes them) is that cross-validation run, its folds together.
     *
     * @throws Refused when the warehouse has no run, or when a requested id is neither one of its runs nor the
     *                 experiment of some of them
     */
    public static List<String> select(Warehouse warehouse, List<String> requested, Configuration conf) throws IOException {
        return List.copyOf(members(warehouse, requested, conf).keySet());
    }

    /** Each reported run (see {@link #select}) with the published runs it reads: itself, or its fold sub-runs. */
    private static Map<String, List<String>> members(Warehouse warehouse, List<String> requested, Configuration conf)
            throws IOException {
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
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (requested.isEmpty()) {
            published.forEach(id -> out.put(id, List.of(id)));
            return out;
        }
        List<String> unknown = new ArrayList<>();
        for (String r : new LinkedHashSet<>(requested)) {
            List<String> folds = published.stream().filter(id -> id.matches(java.util.regex.Pattern.quote(r)
                    + "-fold[0-9]+")).sorted(Comparator.comparingInt(id -> Integer.parseInt(id.substring(r.length()
                    + "-fold".length())))).toList();
            if (published.contains(r)) {
                out.put(r, List.of(r));
            } else if (!folds.isEmpty()) {
                out.put(r, folds);
            } else {
                unknown.add(r);
            }
        }
        if (!unknown.isEmpty()) {
            throw new Refused("unknown run id" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + ": the warehouse " + warehouse.root() + " holds " + String.join(", ", published));
        }
        return out;
    }

    /** One published run, from its ser_runs row. */
    private record Run(String id, String started, String published, String gitCommit, String configHash, String corpus,
                       List<String> languages, List<String> methods, long utterances, long seed, int resamples) {}

    /** One model's test UA on one language in one (fold, seed) of a run, with its bootstrap interval. */
    private record Ua(String run, String model, String method, String language, int fold, int seed, double value,
                      double low, double high) {}

    /**
     * A run's model on one language with its seeds as one ({@code {model}-seed{s}} counts as {@code model}): its UA
     * per (fold, seed) and the interval the page shows, the bootstrap interval of its one value or the Student-t
     * interval over its values.
     */
    private record Group(String run, String model, String method, String language, Map<List<Integer>, Double> values,
                 ConfidenceInterval.Interval interval) {
        int folds() {
            return (int) values.keySet().stream().map(k -> k.get(0)).distinct().count();
        }

        int seeds() {
            return (int) values.keySet().stream().map(k -> k.get(1)).distinct().count();
        }

        /** What the interval is over: "" for one value (a bootstrap over utterances), else "2 seeds", "3 folds × 2 seeds". */
        String over() {
            if (values.size() == 1) {
                return "";
            }
            String seeds = seeds() + (seeds() == 1 ? " seed" : " seeds");
            return folds() == 1 ? seeds : folds() + " folds" + (seeds() == 1 ? "" : " × " + seeds);
        }
    }

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
        Map<String, List<String>> members = members(warehouse, requested, conf);
        List<String> ids = List.copyOf(members.keySet());
        // The reported run each published run counts for: itself, or the cross-validation run of a fold sub-run.
        Map<String, String> reportedAs = new HashMap<>();
        members.forEach((id, ms) -> ms.forEach(m -> reportedAs.put(m, id)));
        // Run ids such as 2025-01-31 must stay strings when the partitions are read.
        spark.conf().set("spark.sql.sources.partitionColumnTypeInference.enabled", "false");
        Object[] idValues = reportedAs.keySet().toArray();

        // A cross-validation run is described by its first fold's ser_runs row.
        Map<String, Run> byId = new HashMap<>();
        for (Row r : spark.read().parquet(warehouse.table(Warehouse.RUNS)).filter(col("run_id").isin(idValues))
                .select("run_id", "started", "published", "git_commit", "config_hash", "config", "seed", "languages",
                        "methods", "utterances").collectAsList()) {
            JsonNode config = Json.object(r.getAs("config"));
            String id = reportedAs.get(r.<String>getAs("run_id"));
            if (!members.get(id).get(0).equals(r.getAs("run_id"))) {
                continue;
            }
            byId.put(id, new Run(id, time(r.getAs("started")), time(r.getAs("published")), r.getAs("git_commit"),
                    r.getAs("config_hash"), corpus(config), r.getList(r.fieldIndex("languages")),
                    r.getList(r.fieldIndex("methods")), r.<Long>getAs("utterances"), r.<Long>getAs("seed"),
                    config.path("warehouse").path("bootstrap-resamples").asInt(resamples)));
        }
        List<Run> runs = ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();

        // Test UA of every (fold, seed) of each run; a warehouse written before the seed column holds seed 1 only.
        Dataset<Row> metrics = spark.read().parquet(warehouse.table(Warehouse.METRICS));
        Column seed = List.of(metrics.columns()).contains("seed") ? col("seed") : lit(1);
        List<Ua> ua = new ArrayList<>();
        for (Row r : metrics
                .filter(col("run_id").isin(idValues).and(col("split").equalTo(SPLIT)).and(col("metric").equalTo("ua")))
                .select(col("run_id"), col("fold"), seed.as("seed"), col("model"), col("method"), col("language"),
                        col("value"), col("ci_low"), col("ci_high")).collectAsList()) {
            ua.add(new Ua(reportedAs.get(r.<String>getAs("run_id")), r.getAs("model"), r.getAs("method"), r.getAs("language"),
                    r.<Integer>getAs("fold"), r.<Integer>getAs("seed"), r.getAs("value"), r.getAs("ci_low"),
                    r.getAs("ci_high")));
        }
        List<Group> groups = groups(ua);
        groups.sort(Comparator.comparing((Group g) -> ids.indexOf(g.run())).thenComparing(g -> rank(g.method()))
                .thenComparing(Group::model));

        List<String> languages = new ArrayList<>(new LinkedHashSet<>(runs.stream().flatMap(r -> r.languages().stream())
                .toList()));
        int files = 0;

        // Methods × runs: mean over each run's languages of the method's mean test UA there.
        List<String> methods = methodOrder(runs, groups);
        double[][] means = new double[methods.size()][runs.size()];
        for (int m = 0; m < methods.size(); m++) {
            for (int c = 0; c < runs.size(); c++) {
                Run run = runs.get(c);
                String method = methods.get(m);
                means[m][c] = groups.stream().filter(g -> g.run().equals(run.id()) && g.method().equals(method)
                                && run.languages().contains(g.language()))
                        .mapToDouble(g -> g.interval().mean()).average().orElse(Double.NaN);
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

        // Per run: the method against its baselines, over the same (fold, seed) pairs or the same utterances.
        StringBuilder verdicts = new StringBuilder();
        for (Run run : runs) {
            String method = run.methods().contains(RunReport.METHOD) ? RunReport.METHOD
                    : run.methods().isEmpty() ? null : run.methods().get(0);
            if (method == null) {
                continue;
            }
            List<String> baselines = new ArrayList<>(run.methods().stream().filter(m -> !m.equals(method)).toList());
            baselines.add(Roster.TEACHER_METHOD);
            ScoredPredictions predictions = null;
            List<String> withAll = new ArrayList<>(run.languages());
            withAll.add(Tables.ALL_LANGUAGES);
            for (String language : withAll) {
                Group a = groupOf(groups, run.id(), method, language);
                if (a == null) {
                    continue;
                }
                for (String baseline : baselines) {
                    Group b = groupOf(groups, run.id(), baseline, language);
                    if (b == null) {
                        continue;
                    }
                    ConfidenceInterval.Interval d;
                    if (a.values().size() == 1 && b.values().size() == 1) {
                        if (predictions == null) {
                            predictions = ScoredPredictions.of(spark.read().parquet(warehouse.table(Warehouse.PREDICTIONS))
                                    .filter(col("run_id").isin(members.get(run.id()).toArray())
                                            .and(col("split").equalTo(SPLIT))));
                        }
                        d = predictions.difference(a.model(), b.model(), language,
                                language.equals(Tables.ALL_LANGUAGES), run.resamples(), run.seed());
                    } else {
                        d = paired(a.values(), b.values());
                    }
                    if (d != null) {
                        verdicts.append("<tr><td>").append(html(run.id())).append("</td><td>").append(html(language))
                                .append("</td>").append(ReportHtml.verdictCells(a.model(), b.model(), d)).append("</tr>\n");
                    }
                }
            }
        }

        // Per language: every (run, model) UA with its interval, as a chart and as numbers.
        List<String> withAll = new ArrayList<>(languages);
        withAll.add(Tables.ALL_LANGUAGES);
        StringBuilder intervalImages = new StringBuilder("<div class=\"row\">\n");
        StringBuilder numbers = new StringBuilder("<table class=\"t\">\n<tr><th>language</th><th>run</th><th>model</th>"
                + "<th>interval over</th><th>UA</th><th>95% interval</th></tr>\n");
        for (String language : withAll) {
            List<ReportCharts.Estimate> estimates = new ArrayList<>();
            for (Group g : groups) {
                if (g.language().equals(language)) {
                    String over = g.over();
                    estimates.add(new ReportCharts.Estimate(g.run() + " · " + g.model() + (over.isEmpty() ? ""
                            : " (" + over + ")"), g.interval().mean(), g.interval().low(), g.interval().high()));
                    numbers.append("<tr><td>").append(html(language)).append("</td><td>").append(html(g.run()))
                            .append("</td><td>").append(html(g.model())).append("</td><td>")
                            .append(over.isEmpty() ? "utterances (bootstrap)" : html(over) + " (Student t)")
                            .append("</td><td>").append(String.format("%.1f", 100 * g.interval().mean()))
                            .append("</td><td>").append(String.format("%.1f…%.1f", 100 * g.interval().low(),
                                    100 * g.interval().high())).append("</td></tr>\n");
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
        numbers.append("</table>\n");

        StringBuilder runTable = new StringBuilder("<table class=\"t\">\n<tr><th>run</th><th>corpus</th><th>languages</th>"
                + "<th>utterances</th><th>started</th><th>published</th><th>config</th><th>commit</th>"
                + "<th>folds × seeds</th></tr>\n");
        for (Run r : runs) {
            long folds = ua.stream().filter(u -> u.run().equals(r.id())).mapToInt(Ua::fold).distinct().count();
            long seeds = ua.stream().filter(u -> u.run().equals(r.id())).mapToInt(Ua::seed).distinct().count();
            runTable.append("<tr><td>").append(html(r.id())).append("</td><td class=\"path\">").append(html(r.corpus()))
                    .append("</td><td>").append(html(String.join(" ", r.languages()))).append("</td><td>")
                    .append(r.utterances()).append("</td><td>").append(html(r.started())).append("</td><td>")
                    .append(html(r.published())).append("</td><td>").append(html(r.configHash())).append("</td><td>")
                    .append(html(r.gitCommit())).append("</td><td>").append(folds).append(" × ").append(seeds)
                    .append("</td></tr>\n");
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
                    .append("minus each baseline's, as in the run's own report: in a run of one fold and one seed a ")
                    .append("paired bootstrap 95% interval over the same ").append(SPLIT).append(" utterances (n: ")
                    .append("utterances); in a run of several seeds (ser.run.seeds) or folds a 95% Student-t interval ")
                    .append("over the per-(fold, seed) UA differences, seed s of one model against seed s of the other ")
                    .append("(n: those pairs). \"Not distinguishable\" when the interval holds 0.</p>\n")
                    .append("<table class=\"t\">\n<tr><th>run</th><th>language</th>")
                    .append("<th>comparison</th><th>difference and verdict</th><th>n</th></tr>\n")
                    .append(verdicts).append("</table>\n");
        } else {
            page.append("<p>No run has a student method and a baseline scored on the same utterances.</p>\n");
        }
        page.append("<h2>UA per language with 95% intervals</h2>\n")
                .append("<p>Every run's models, labelled run · model, a model's seeds ({model}-seed{s}) as one. A ")
                .append("model with one value in its run (one fold, one seed): its UA with the bootstrap interval over ")
                .append("utterances (ser_metrics ci_low, ci_high); with several (ser.run.seeds, folds; the label says ")
                .append("how many): the mean UA over them with a 95% Student-t interval over those values, as the ")
                .append("run's own report shows it.</p>\n").append(intervalImages)
                .append("<details><summary>The numbers (UA in %)</summary>\n").append(numbers).append("</details>\n")
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
     * model's seed s &gt; 1 ({@code {model}-seed{s}}) as its seed 1.
     */
    private static boolean shownOn(Ua u, String language) {
        return !ownLanguageOnly(u.method()) || baseName(u.model()).endsWith("-" + language);
    }

    /** The model a seed replicate belongs to: {@code {model}-seed{s}} is seed s of {@code model}. */
    static String baseName(String model) {
        return model.replaceFirst("-seed[0-9]+$", "");
    }

    /**
     * Every (run, model, language) shown on the page, a model's seeds and folds together: the bootstrap interval of
     * its one value, or the Student-t interval over its (fold, seed) values.
     */
    private static List<Group> groups(List<Ua> ua) {
        Map<List<String>, List<Ua>> byModel = new LinkedHashMap<>();
        for (Ua u : ua) {
            if (shownOn(u, u.language())) {
                byModel.computeIfAbsent(List.of(u.run(), baseName(u.model()), u.method(), u.language()),
                        k -> new ArrayList<>()).add(u);
            }
        }
        List<Group> out = new ArrayList<>();
        byModel.forEach((k, us) -> {
            Map<List<Integer>, Double> values = new TreeMap<>(Comparator.comparing((List<Integer> f) -> f.get(0))
                    .thenComparing(f -> f.get(1)));
            us.forEach(u -> values.put(List.of(u.fold(), u.seed()), u.value()));
            ConfidenceInterval.Interval interval = values.size() == 1
                    ? new ConfidenceInterval.Interval(us.get(0).value(), us.get(0).low(), us.get(0).high(), 1)
                    : ConfidenceInterval.studentT95(values.values().stream().mapToDouble(Double::doubleValue).toArray());
            out.add(new Group(k.get(0), k.get(1), k.get(2), k.get(3), values, interval));
        });
        return out;
    }

    /** Teachers first, then students, then the linear references. */
    private static int rank(String method) {
        return method.equals(Roster.TEACHER_METHOD) ? 0 : method.startsWith("reference-linear") ? 2 : 1;
    }

    /** The run's model of {@code method} shown on {@code language}; null when it has none. */
    private static Group groupOf(List<Group> groups, String run, String method, String language) {
        return groups.stream().filter(g -> g.run().equals(run) && g.method().equals(method)
                && g.language().equals(language)).findFirst().orElse(null);
    }

    /**
     * Student-t interval of UA(a) − UA(b) over the (fold, seed) pairs both have (each pair scored on the same test
     * utterances); null with fewer than two.
     */
    static ConfidenceInterval.Interval paired(Map<List<Integer>, Double> a, Map<List<Integer>, Double> b) {
        double[] diffs = a.entrySet().stream().filter(e -> b.containsKey(e.getKey()))
                .mapToDouble(e -> e.getValue() - b.get(e.getKey())).toArray();
        return diffs.length < 2 ? null : ConfidenceInterval.studentT95(diffs);
    }

    /** The teachers' method, every run's student methods in order, the references, then anything else found. */
    private static List<String> methodOrder(List<Run> runs, List<Group> groups) {
        Set<String> found = new LinkedHashSet<>();
        groups.forEach(g -> found.add(g.method()));
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
