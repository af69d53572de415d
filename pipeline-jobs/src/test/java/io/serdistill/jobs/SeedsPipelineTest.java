package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.distill.TeacherEnsemble;
import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.jobs.report.CrossRunReport;
import io.serdistill.jobs.report.PairedDifference;
import io.serdistill.jobs.report.ReportCharts;
import io.serdistill.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.apache.spark.sql.functions.col;

/**
 * ser.run.seeds = 2 on a demo-sized corpus with the ensemble teacher (few epochs): every teacher and student trains per
 * seed, the seeds differ, tables/metrics has a row per seed, tables/seed_summary and the printed table hold the mean
 * and the Student-t interval of those rows, soft_targets holds every teacher seed, and the warehouse has the seeds.
 */
class SeedsPipelineTest {
    /** t(0.975, 1): the 95% two-sided Student-t quantile with one degree of freedom (two seeds). */
    private static final double T_ONE_DF = 12.706204736174705;

    @TempDir
    static Path tmp;
    private static SparkSession spark;
    private static Path run;

    /** The two-seed run, once for the class: both tests read it. */
    @BeforeAll
    static void runWithTwoSeeds() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("SeedsPipelineTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "seeds");
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.demo.dir", tmp.resolve("corpus").toString());
        o.put("ser.demo.speakers-per-language", "4");
        o.put("ser.demo.utterances-per-speaker-per-emotion", "2");
        // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
        o.put("ser.teachers.optimiser", "adamw");
        o.put("ser.student.optimiser", "adamw");
        o.put("ser.teachers.epochs", "5");
        o.put("ser.student.epochs", "5");
        o.put("ser.warehouse.bootstrap-resamples", "50");
        o.put("ser.distill.methods", "[ft-multi, mtkd-language]");
        o.put("ser.run.seeds", "2");
        o.put("ser.distill.teacher-ensemble", "mean-logits");
        SerConfig cfg = SerConfig.load(List.of(), o);
        StageRunner.run(spark, cfg, PipelineJob.stages(), false);
        run = tmp.resolve("runs/seeds");
    }

    @Test
    void everyModelTrainsPerSeedAndTablesCarryTheSeedsAndTheirIntervals() throws Exception {
        // Seed 1 keeps the single-seed layout; seed 2 lives in seed-2/ and trains other weights.
        for (String dir : List.of("teachers/en", "teachers/fi", "teachers/fr", "students/ft-multi", "students/mtkd-language")) {
            SafeTensors first = SafeTensors.parse(Files.readAllBytes(run.resolve(dir + "/model.safetensors")), dir);
            SafeTensors second = SafeTensors.parse(Files.readAllBytes(run.resolve(dir + "/seed-2/model.safetensors")), dir);
            assertEquals(first.tensors().keySet(), second.tensors().keySet(), dir);
            boolean differs = first.tensors().keySet().stream().anyMatch(k ->
                    !Arrays.equals(first.tensors().get(k).values(), second.tensors().get(k).values()));
            assertTrue(differs, dir + ": seed 2 trains different weights from seed 1");
        }
        assertFalse(Files.exists(run.resolve("references/reference-linear-en/seed-2")),
                "the linear references have no random part and train once");

        // tables/metrics: one row per (model, seed); the seed column matches the model.
        List<Row> metrics = spark.read().parquet(run.resolve("tables/metrics").toString())
                .filter(col("split").equalTo("test")).collectAsList();
        Map<String, Set<Integer>> seedsOf = new TreeMap<>();
        for (Row r : metrics) {
            String model = r.getAs("model");
            int seed = r.<Integer>getAs("seed");
            seedsOf.computeIfAbsent(model, k -> new java.util.TreeSet<>()).add(seed);
            assertEquals(model.endsWith("-seed2") ? 2 : 1, seed, model);
        }
        for (String m : List.of("teacher-en", "teacher-fr", "student-ft-multi", "student-mtkd-language")) {
            assertEquals(Set.of(1), seedsOf.get(m), m);
            assertEquals(Set.of(2), seedsOf.get(m + "-seed2"), m + "-seed2");
        }
        assertEquals(Set.of(1), seedsOf.get("reference-linear-multi"));
        assertFalse(seedsOf.containsKey("reference-linear-multi-seed2"));
        for (String table : List.of("class_metrics", "confusion")) {
            Set<Integer> seeds = spark.read().parquet(run.resolve("tables/" + table).toString())
                    .filter(col("model").equalTo("student-mtkd-language-seed2")).select("seed").distinct()
                    .collectAsList().stream().map(r -> r.getInt(0)).collect(Collectors.toSet());
            assertEquals(Set.of(2), seeds, table);
        }

        // tables/seed_summary: mean and Student-t interval of the per-seed rows, per method and language.
        Map<String, List<Double>> perSeed = new HashMap<>();
        for (Row r : metrics) {
            String model = r.getAs("model");
            String language = r.getAs("language");
            boolean ownLanguage = model.startsWith("teacher-") || model.startsWith("reference-linear-")
                    && !model.startsWith("reference-linear-multi");
            if (ownLanguage && !model.replace("-seed2", "").endsWith("-" + language)) {
                continue;
            }
            perSeed.computeIfAbsent(r.getAs("method") + "/" + language + "/" + r.getAs("metric"), k -> new ArrayList<>())
                    .add(r.getAs("value"));
        }
        List<Row> summary = spark.read().parquet(run.resolve("tables/seed_summary").toString())
                .filter(col("split").equalTo("test")).collectAsList();
        int checked = 0;
        for (Row r : summary) {
            String key = r.getAs("method") + "/" + r.getAs("language") + "/" + r.getAs("metric");
            List<Double> values = perSeed.get(key);
            assertNotNull(values, key);
            assertEquals(values.size(), r.<Integer>getAs("seeds").intValue(), key);
            double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertEquals(mean, r.<Double>getAs("mean"), 1e-12, key);
            double half = 0;
            if (values.size() == 2) {
                double sd = Math.abs(values.get(0) - values.get(1)) / Math.sqrt(2);
                half = T_ONE_DF * sd / Math.sqrt(2);
            }
            assertEquals(mean - half, r.<Double>getAs("ci_low"), 1e-9, key);
            assertEquals(mean + half, r.<Double>getAs("ci_high"), 1e-9, key);
            checked++;
        }
        assertTrue(summary.stream().anyMatch(r -> r.getString(1).equals("mtkd-language")
                && r.getString(2).equals("en") && r.<Integer>getAs("seeds") == 2), "students summarised over 2 seeds");
        assertTrue(summary.stream().anyMatch(r -> r.getString(1).equals("ft-mono")
                && r.getString(2).equals("fi") && r.<Integer>getAs("seeds") == 2), "teachers on their own language");
        assertFalse(summary.stream().anyMatch(r -> r.getString(1).equals("ft-mono") && r.getString(2).equals("all")),
                "teachers are not summarised on every language");
        assertTrue(checked >= 3 * 4 * 3, "every method and language checked, got " + checked);

        // The printed table: the mean over seeds ± the half-width, matching seed_summary.
        String table = Files.readString(run.resolve("report/summary.txt"));
        assertTrue(table.contains("mean over 2 seeds ± 95% interval half-width (Student t over seeds)"), table);
        Row en = summary.stream().filter(r -> r.getString(1).equals("mtkd-language") && r.getString(2).equals("en")
                && r.getString(4).equals("ua")).findFirst().orElseThrow();
        String cell = String.format("%5.1f±%4.1f", 100 * en.<Double>getAs("mean"),
                100 * (en.<Double>getAs("ci_high") - en.<Double>getAs("ci_low")) / 2);
        String line = table.lines().filter(l -> l.startsWith("student-mtkd-language")).findFirst().orElseThrow();
        assertTrue(line.contains(cell), cell + " in " + line);

        // The report's first screen is over seeds and says so.
        String page = Files.readString(run.resolve("report/index.html"));
        assertTrue(page.contains("Over this run's 2 seeds (ser.run.seeds)"), "verdicts paired over seeds");
        assertTrue(page.contains("<th>seeds</th>") && !page.contains("<th>utterances</th>"), "verdicts count seeds");
        assertTrue(page.contains("Student-t interval over seeds (tables/seed_summary"), "intervals over seeds");
        assertTrue(Files.size(run.resolve("report/ua_intervals_en.png")) > 0);

        // soft_targets: every teacher seed's logits; the ensemble rows are their mean.
        List<Row> soft = spark.read().parquet(run.resolve("soft_targets").toString())
                .filter(col("language").equalTo("fi")).collectAsList();
        Map<String, Map<String, float[]>> byUtt = new HashMap<>();
        for (Row r : soft) {
            byUtt.computeIfAbsent(r.getAs("utt_id"), k -> new HashMap<>()).put(r.getAs("teacher"),
                    toFloats(r.getList(r.fieldIndex("logits"))));
        }
        assertFalse(byUtt.isEmpty());
        for (Map<String, float[]> t : byUtt.values()) {
            assertEquals(Set.of("teacher-en", "teacher-en-seed2", "teacher-fi", "teacher-fi-seed2", "teacher-fr",
                    "teacher-fr-seed2"), t.keySet());
            float[][] all = {t.get("teacher-en"), t.get("teacher-en-seed2"), t.get("teacher-fi"),
                    t.get("teacher-fi-seed2"), t.get("teacher-fr"), t.get("teacher-fr-seed2")};
            float[][] targets = TeacherEnsemble.targets(all, TeacherEnsemble.MEAN_LOGITS.members(
                    List.of(new int[] {0, 1}, new int[] {2, 3}, new int[] {4, 5}), 2));
            for (int l = 0; l < 3; l++) {
                for (int c = 0; c < all[0].length; c++) {
                    assertEquals((all[2 * l][c] + (double) all[2 * l + 1][c]) / 2, targets[l][c], 1e-6);
                }
            }
        }

        // The warehouse carries the seed.
        Set<Integer> published = spark.read().parquet(run.resolve("../warehouse/ser_metrics").normalize().toString())
                .filter(col("run_id").equalTo("seeds").and(col("model").startsWith("student-ft-multi"))).select("seed").distinct().collectAsList().stream()
                .map(r -> r.getInt(0)).collect(Collectors.toSet());
        assertEquals(Set.of(1, 2), published);
    }

    /**
     * The cross-run page over this run and the single-seed demo run (published into this run's warehouse): a model's
     * seeds are one row with the mean UA and the Student-t interval over seeds, the verdicts are the seeds run's own
     * (paired over seeds), the single-seed run keeps its bootstrap intervals and paired-bootstrap verdicts, and
     * notebooks/sql/methods_across_runs.sql groups the seeds the same way.
     */
    @Test
    void crossRunPageGroupsAModelsSeedsWithStudentTIntervals() throws Exception {
        DemoRun demo = DemoRun.get();
        demo.publishCopyInto(tmp.resolve("runs"));
        String warehouse = "file://" + tmp.resolve("runs/warehouse").toAbsolutePath();
        Path out = tmp.resolve("cross-run");
        assertEquals(0, ReportCommand.run(spark, new String[] {"--runs", DemoRun.RUN_ID + ",seeds", "--out",
                out.toString(), "--set", "ser.warehouse.root=" + warehouse}));
        String html = Files.readString(out.resolve("index.html"));
        assertFalse(html.contains("-seed2"), "no seed replicate is a model of its own");
        assertTrue(html.contains("<tr><td>seeds</td><td class=\"path\">") && html.contains("<td>1 × 2</td></tr>")
                && html.contains("<td>1 × 1</td></tr>"), "the runs table says each run's folds × seeds");

        // Expected rows from ser_metrics: per (run, model without -seed{s}, language) the UA of each seed.
        List<Row> rows = spark.read().parquet(warehouse + "/ser_metrics")
                .filter(col("split").equalTo("test").and(col("metric").equalTo("ua")))
                .select("run_id", "model", "method", "language", "seed", "value", "ci_low", "ci_high").collectAsList();
        Map<String, TreeMap<Integer, Row>> bySeed = new TreeMap<>();
        for (Row r : rows) {
            String model = r.<String>getAs("model").replaceFirst("-seed2$", "");
            String method = r.getAs("method");
            String language = r.getAs("language");
            boolean own = method.equals("ft-mono") || method.equals("reference-linear");
            if (!own || model.endsWith("-" + language)) {
                bySeed.computeIfAbsent(r.getAs("run_id") + "|" + model + "|" + language, k -> new TreeMap<>())
                        .put(r.<Integer>getAs("seed"), r);
            }
        }
        Map<String, double[]> expected = new TreeMap<>(); // key -> {mean, low, high, seeds}
        bySeed.forEach((key, seeds) -> {
            if (seeds.size() == 1) {
                Row r = seeds.firstEntry().getValue();
                expected.put(key, new double[] {r.getAs("value"), r.getAs("ci_low"), r.getAs("ci_high"), 1});
            } else {
                assertEquals(Set.of(1, 2), seeds.keySet(), key);
                double a = seeds.get(1).getAs("value");
                double b = seeds.get(2).getAs("value");
                double half = T_ONE_DF * Math.abs(a - b) / 2; // t · (|a − b| / √2) / √2
                expected.put(key, new double[] {(a + b) / 2, (a + b) / 2 - half, (a + b) / 2 + half, 2});
            }
        });
        for (String key : List.of("seeds|student-mtkd-language|en", "seeds|teacher-fi|fi", "seeds|student-ft-multi|all")) {
            assertEquals(2, expected.get(key)[3], key + ": over 2 seeds");
        }
        assertEquals(1, expected.get("seeds|reference-linear-multi|all")[3], "the references train once");
        int seeded = 0;
        for (Map.Entry<String, double[]> e : expected.entrySet()) {
            String[] k = e.getKey().split("\\|");
            double[] v = e.getValue();
            String row = "<tr><td>" + k[2] + "</td><td>" + k[0] + "</td><td>" + k[1] + "</td><td>"
                    + (v[3] == 2 ? "2 seeds (Student t)" : "utterances (bootstrap)") + "</td><td>"
                    + String.format("%.1f", 100 * v[0]) + "</td><td>"
                    + String.format("%.1f…%.1f", 100 * v[1], 100 * v[2]) + "</td></tr>";
            assertTrue(html.contains(row), "the page has " + row);
            seeded += v[3] == 2 ? 1 : 0;
        }
        assertEquals(expected.size(), html.split("</td><td>utterances \\(bootstrap\\)</td>|</td><td>2 seeds \\(Student t\\)</td>",
                -1).length - 1, "one row per (run, model, language), no other");
        // en: demo-a's 6 models and the seeds run's teacher, reference, 2 students, multilingual reference.
        assertEquals(6 + 5, expected.keySet().stream().filter(k -> k.endsWith("|en")).count());
        assertEquals(ReportCharts.intervalsHeight(6 + 5),
                javax.imageio.ImageIO.read(out.resolve(CrossRunReport.intervalsFile("en")).toFile()).getHeight());
        assertEquals(3 + 4 + 4, seeded, "the teachers on their language, both students on every one and all, over seeds");

        // Methods × runs: the mean over the run's languages of each model's mean over seeds.
        double mean = List.of("en", "fi", "fr").stream().mapToDouble(l -> expected.get("seeds|student-mtkd-language|" + l)[0])
                .average().orElseThrow();
        double demoMean = List.of("en", "fi", "fr").stream()
                .mapToDouble(l -> expected.get(DemoRun.RUN_ID + "|student-mtkd-language|" + l)[0]).average().orElseThrow();
        assertTrue(html.contains(String.format("<tr><td>mtkd-language</td><td>%.1f</td><td>%.1f</td></tr>", 100 * demoMean,
                100 * mean)), "mtkd-language's mean test UA in both runs");

        // Verdicts: the seeds run's own first screen (paired over seeds), and the demo run's (paired bootstrap).
        for (String id : List.of("seeds", DemoRun.RUN_ID)) {
            Path report = id.equals("seeds") ? run.resolve("report/index.html")
                    : Path.of(java.net.URI.create(demo.runDir(DemoRun.RUN_ID))).resolve("report/index.html");
            java.util.regex.Matcher verdict = java.util.regex.Pattern.compile(
                    "<tr><td>([a-z]+)</td>(<td>student-mtkd-language vs [a-z-]+</td>.*?)</tr>").matcher(Files.readString(report));
            int n = 0;
            while (verdict.find()) {
                String row = "<tr><td>" + id + "</td><td>" + verdict.group(1) + "</td>" + verdict.group(2) + "</tr>";
                assertTrue(html.contains(row), "the cross-run page has " + row);
                n++;
            }
            // per language and all against each other student method, per language against its teacher
            assertEquals(id.equals("seeds") ? 4 + 3 : 4 * 2 + 3, n, id + ": the run report's verdicts");
        }
        // One by hand: mtkd-language against ft-multi on fr, over the two seeds' differences.
        TreeMap<Integer, Row> a = bySeed.get("seeds|student-mtkd-language|fr");
        TreeMap<Integer, Row> b = bySeed.get("seeds|student-ft-multi|fr");
        double d1 = a.get(1).<Double>getAs("value") - b.get(1).<Double>getAs("value");
        double d2 = a.get(2).<Double>getAs("value") - b.get(2).<Double>getAs("value");
        double half = T_ONE_DF * Math.abs(d1 - d2) / 2;
        ConfidenceInterval.Interval d = new ConfidenceInterval.Interval((d1 + d2) / 2, (d1 + d2) / 2 - half,
                (d1 + d2) / 2 + half, 2);
        String row = "<tr><td>seeds</td><td>fr</td><td>student-mtkd-language vs student-ft-multi</td><td class=\""
                + (d.low() > 0 ? "better" : d.high() < 0 ? "worse" : "same") + "\">"
                + PairedDifference.verdict("student-mtkd-language", "student-ft-multi", d) + "</td><td>2</td></tr>";
        assertTrue(html.contains(row), row);

        // The notebooks' query groups the seeds the same way.
        for (String table : io.serdistill.jobs.run.Warehouse.TABLES) {
            spark.read().parquet(warehouse + "/" + table).createOrReplaceTempView(table);
        }
        List<Row> sql = spark.sql(Files.readString(Launcher.repoRoot().resolve("notebooks/sql/methods_across_runs.sql")))
                .collectAsList();
        assertEquals(expected.size(), sql.size(), "one row per (run, model, language)");
        for (Row r : sql) {
            String key = r.getAs("run_id") + "|" + r.getAs("model") + "|" + r.getAs("language");
            double[] v = expected.get(key);
            assertNotNull(v, key);
            assertEquals((int) v[3], r.<Long>getAs("seeds").intValue(), key);
            assertEquals(1L, r.<Long>getAs("folds"), key);
            assertEquals(v[0], r.<Double>getAs("ua"), 1e-12, key);
            assertEquals(v[1], r.<Double>getAs("ua_ci_low"), 1e-9, key);
            assertEquals(v[2], r.<Double>getAs("ua_ci_high"), 1e-9, key);
        }
    }

    private static float[] toFloats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
