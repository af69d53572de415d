package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.distill.TeacherEnsemble;
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
    Path tmp;

    @Test
    void everyModelTrainsPerSeedAndTablesCarryTheSeedsAndTheirIntervals() throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("SeedsPipelineTest")
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
        Path run = tmp.resolve("runs/seeds");

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
                .filter(col("model").startsWith("student-ft-multi")).select("seed").distinct().collectAsList().stream()
                .map(r -> r.getInt(0)).collect(Collectors.toSet());
        assertEquals(Set.of(1, 2), published);
    }

    private static float[] toFloats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }
}
