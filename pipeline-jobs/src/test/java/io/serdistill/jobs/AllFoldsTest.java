package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ser.folds.all: one invocation runs every fold as a sub-run and writes the Table 6 summary over folds. */
class AllFoldsTest {
    @TempDir
    Path tmp;

    @Test
    void runsEveryFoldAndSummarisesMeanAndIntervalPerMethodAndLanguage() throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("AllFoldsTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        try {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("ser.run.id", "cv");
            o.put("ser.output.root", tmp.resolve("runs").toString());
            o.put("ser.demo.dir", tmp.resolve("corpus").toString());
            o.put("ser.demo.speakers-per-language", "4");
            o.put("ser.demo.utterances-per-speaker-per-emotion", "2");
            o.put("ser.folds.scheme", "k-fold");
            o.put("ser.folds.k", "2");
            o.put("ser.folds.all", "true");
            // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
            o.put("ser.teachers.optimiser", "adamw");
            o.put("ser.student.optimiser", "adamw");
            o.put("ser.teachers.epochs", "8");
            o.put("ser.student.epochs", "8");
            o.put("ser.distill.methods", "[ft-multi, mtkd-language, kd-mono]");
            SerConfig cfg = SerConfig.load(List.of(), o);
            List<StageRunner.StageTiming> timings = StageRunner.run(spark, cfg, PipelineJob.stages(), false);
            assertEquals(2 * PipelineJob.stages().size(), timings.size(), "every stage once per fold");
            for (int k = 0; k < 2; k++) {
                assertTrue(Files.isRegularFile(tmp.resolve("runs/cv/cv-fold" + k + "/_stages/evaluate.json")), "fold " + k);
            }
            List<Row> rows = spark.read().parquet(tmp.resolve("runs/cv/table6").toString()).collectAsList();
            // ft-mono (teachers), ft-multi, mtkd-language, kd-mono, reference-linear, reference-linear-multi
            // x 3 languages x {ua, wa}
            assertEquals(6 * 3 * 2, rows.size(), rows.toString());
            assertEquals(2 * 3 * 2, rows.stream().filter(r -> r.<String>getAs("method").startsWith("reference-linear"))
                    .count(), "the linear references are summarised over the folds too");
            for (Row r : rows) {
                assertEquals(2, r.getInt(r.fieldIndex("folds")), r.toString());
                double mean = r.getDouble(r.fieldIndex("mean"));
                assertTrue(r.getDouble(r.fieldIndex("ci_low")) <= mean && mean <= r.getDouble(r.fieldIndex("ci_high")), r.toString());
            }
            String table = Files.readString(tmp.resolve("runs/cv/report/table6.txt"));
            assertTrue(table.contains("mean over 2 fold(s)") && table.contains("kd-mono") && table.contains("ft-mono"), table);
            // The run's first screen: per-language interval charts over the folds and fold-paired verdicts.
            String page = Files.readString(tmp.resolve("runs/cv/report/index.html"));
            assertFalse(page.matches("(?s).*(https?:)?//[a-z].*"), "no network references");
            // Every model against each linear reference, fold-paired (2 folds: an interval per language).
            for (String ref : List.of("reference-linear", "reference-linear-multi")) {
                assertTrue(page.contains("<h2>Against " + ref + "</h2>"), ref);
            }
            assertTrue(page.matches("(?s).*<tr><td>ft-mono</td>(<td class=\"(better|worse|same)\">[+-]\\d+\\.\\d \\([^<]*\\)</td>){3}</tr>.*"),
                    "the teachers against the reference on each language");
            for (String language : List.of("en", "fi", "fr")) {
                java.nio.file.Path png = tmp.resolve("runs/cv/report/folds_ua_" + language + ".png");
                java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
                assertNotNull(image, png.toString());
                assertTrue(page.contains("src=\"folds_ua_" + language + ".png\"") && page.contains(
                        "width=\"" + image.getWidth() + "\" height=\"" + image.getHeight() + "\""), language);
            }
            // mtkd-language against ft-multi, kd-mono and ft-mono, per language
            java.util.regex.Matcher verdict = java.util.regex.Pattern.compile(
                    "<td>mtkd-language vs ([a-z-]+)</td><td class=\"(better|worse|same)\">([^<]+)</td><td>2</td>")
                    .matcher(page);
            int verdicts = 0;
            while (verdict.find()) {
                verdicts++;
                String reading = verdict.group(3);
                assertTrue(verdict.group(2).equals("same") == reading.endsWith("not distinguishable"), reading);
            }
            assertEquals(3 * 3, verdicts, page);
            // The cross-run page of the cross-validation run (its fold sub-runs cv-fold0, cv-fold1 together): per
            // model and language the mean over folds with the Student-t interval of table6, and the folds page's
            // fold-paired verdicts.
            java.nio.file.Path cross = tmp.resolve("cross-run");
            assertEquals(0, ReportCommand.run(spark, new String[] {"--runs", "cv", "--out", cross.toString(), "--set",
                "ser.warehouse.root=" + cfg.warehouse().root()}));
            String html = Files.readString(cross.resolve("index.html"));
            assertTrue(html.contains("<tr><td>cv</td><td class=\"path\">") && html.contains("<td>2 × 1</td></tr>"),
                    "one run of 2 folds × 1 seed");
            int intervals = 0;
            for (Row r : rows) {
                String method = r.getAs("method");
                String language = r.getAs("language");
                if (!r.<String>getAs("metric").equals("ua")) {
                    continue;
                }
                String model = switch (method) {
                    case "ft-mono" -> "teacher-" + language;
                    case "reference-linear" -> "reference-linear-" + language;
                    case "reference-linear-multi" -> "reference-linear-multi";
                    case "kd-mono" -> "student-kd-mono-" + language;
                    default -> "student-" + method;
                };
                String row = "<tr><td>" + language + "</td><td>cv</td><td>" + model + "</td><td>2 folds (Student t)</td><td>"
                        + String.format("%.1f", 100 * r.getDouble(r.fieldIndex("mean"))) + "</td><td>"
                        + String.format("%.1f…%.1f", 100 * r.getDouble(r.fieldIndex("ci_low")),
                        100 * r.getDouble(r.fieldIndex("ci_high"))) + "</td></tr>";
                assertTrue(html.contains(row), "the cross-run page has table6's " + row);
                intervals++;
            }
            assertEquals(6 * 3, intervals);
            java.util.regex.Matcher folded = java.util.regex.Pattern.compile(
                    "<tr><td>([a-z]+)</td><td>mtkd-language vs ([a-z-]+)</td><td class=\"(\\w+)\">([^:<]+):").matcher(page);
            int same = 0;
            while (folded.find()) {
                String language = folded.group(1);
                String other = folded.group(2);
                String model = other.equals("ft-mono") ? "teacher-" + language
                        : other.equals("kd-mono") ? "student-kd-mono-" + language : "student-" + other;
                String row = "<tr><td>cv</td><td>" + language + "</td><td>student-mtkd-language vs " + model
                        + "</td><td class=\"" + folded.group(3) + "\">" + folded.group(4) + ":";
                assertTrue(html.contains(row), "the folds page's verdict " + row);
                same++;
            }
            assertEquals(3 * 3, same);
            // Resuming: a second invocation finds every stage of every fold complete.
            List<StageRunner.StageTiming> again = StageRunner.run(spark, cfg, PipelineJob.stages(), false);
            assertTrue(again.stream().allMatch(StageRunner.StageTiming::skipped));
        } finally {
            spark.stop();
        }
    }
}
