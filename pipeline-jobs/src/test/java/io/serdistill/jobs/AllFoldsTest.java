package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
            // Resuming: a second invocation finds every stage of every fold complete.
            List<StageRunner.StageTiming> again = StageRunner.run(spark, cfg, PipelineJob.stages(), false);
            assertTrue(again.stream().allMatch(StageRunner.StageTiming::skipped));
        } finally {
            spark.stop();
        }
    }
}
