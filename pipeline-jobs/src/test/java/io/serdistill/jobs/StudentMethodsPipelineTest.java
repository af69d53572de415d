package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.train.LanguageInputKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.apache.spark.sql.functions.col;

/**
 * The language-input baseline and the extra teacher weightings train in the distill stage and are scored by the
 * evaluate stage (ft-multi-lang with each row's language), with the paper's KL reduction.
 */
class StudentMethodsPipelineTest {
    @TempDir
    Path tmp;

    @Test
    void languageInputStudentAndNewWeightingsTrainAndEvaluate() throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("StudentMethodsPipelineTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "methods");
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.demo.dir", tmp.resolve("corpus").toString());
        o.put("ser.demo.speakers-per-language", "4");
        o.put("ser.demo.utterances-per-speaker-per-emotion", "2");
        // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
        o.put("ser.teachers.optimiser", "adamw");
        o.put("ser.student.optimiser", "adamw");
        o.put("ser.teachers.epochs", "6");
        o.put("ser.student.epochs", "6");
        o.put("ser.reference.linear", "false");
        o.put("ser.distill.kl-reduction", "mean");
        o.put("ser.distill.methods", "[ft-multi-lang, mtkd-gold, mtkd-similarity-utterance]");
        SerConfig cfg = SerConfig.load(List.of(), o);
        // manifest .. evaluate
        StageRunner.run(spark, cfg, PipelineJob.stages().subList(0, 5), false);

        Path run = tmp.resolve("runs/methods");
        byte[] file = Files.readAllBytes(run.resolve("students/ft-multi-lang/model.safetensors"));
        assertEquals(List.of("en", "fi", "fr"), LanguageInputKind.recordedLanguages(file, "ft-multi-lang"),
                "the file records its language input in ser.input.languages order");
        assertEquals(null, LanguageInputKind.recordedLanguages(
                Files.readAllBytes(run.resolve("students/mtkd-gold/model.safetensors")), "mtkd-gold"));

        Dataset<Row> predictions = spark.read().parquet(run.resolve("tables/predictions").toString());
        long perModel = predictions.filter(col("model").equalTo("teacher-en")).count();
        assertTrue(perModel > 0);
        for (String method : List.of("ft-multi-lang", "mtkd-gold", "mtkd-similarity-utterance")) {
            assertEquals(perModel, predictions.filter(col("method").equalTo(method)).count(),
                    method + " scores every evaluated utterance");
        }
        Set<String> methods = spark.read().parquet(run.resolve("tables/metrics").toString())
                .select("method").distinct().collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
        assertTrue(methods.containsAll(Set.of("ft-mono", "ft-multi-lang", "mtkd-gold", "mtkd-similarity-utterance")),
                methods.toString());
        String summary = Files.readString(run.resolve("report/summary.txt"));
        assertTrue(summary.contains("ft-multi-lang") && summary.contains("mtkd-gold"), summary);
    }
}
