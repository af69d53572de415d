package io.serdistill.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.stages.ExtractStage;
import io.serdistill.jobs.stages.ManifestStage;
import io.serdistill.jobs.stages.TeachersStage;
import io.serdistill.model.SafeTensors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * teachers.grid = auto on a corpus where one language has a single training speaker: that language's teacher cannot
 * be scored on inner folds, so it trains as configured, while the other languages' teachers are selected.
 */
class AutoGridFallbackTest {

    @Test
    void aLanguageWithOneTrainingSpeakerTrainsItsTeacherAsConfigured() throws Exception {
        Path tmp = Files.createTempDirectory("auto-grid");
        // Three speakers per language: train, dev, test. French loses its dev speaker: one training speaker left.
        DemoCorpus.Summary corpus = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(3).withUtterances(2)
                .withSeed(7)).write(tmp.resolve("corpus"));
        List<String> rows = Files.readAllLines(corpus.manifest(), StandardCharsets.UTF_8);
        List<String> kept = rows.stream().filter(r -> !(r.contains(",fr,") && r.contains(",dev,"))).toList();
        assertTrue(kept.size() < rows.size(), "French dev rows removed");
        Files.write(corpus.manifest(), kept, StandardCharsets.UTF_8);

        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "auto-grid");
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.input.manifest", corpus.manifest().toUri().toString());
        o.put("ser.teachers.lbfgs.max-iterations", "10");
        o.put("ser.reference.linear", "false");
        SerConfig cfg = SerConfig.load(List.of(), o);
        assertTrue(cfg.selection().teachers().auto());
        SparkSession spark = SparkSession.builder().master("local[2]").appName("AutoGridFallbackTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        StageRunner.run(spark, cfg, List.of(new ManifestStage(), new ExtractStage(), new TeachersStage()), false);
        Path run = tmp.resolve("runs/auto-grid");

        List<Row> selection = spark.read().parquet(run.resolve("tables/selection").toString())
                .filter(col("family").equalTo("teachers")).collectAsList();
        Set<String> selected = new TreeSet<>();
        selection.forEach(r -> selected.add(r.getAs("model")));
        assertEquals(Set.of("teacher-en", "teacher-fi"), selected);
        assertEquals(2 * 4 * 2, selection.size(), "2 teachers x 4 points x 2 inner folds (two training speakers each)");
        for (String language : List.of("en", "fi", "fr")) {
            SafeTensors saved = SafeTensors.parse(Files.readAllBytes(run.resolve("teachers/" + language
                    + "/model.safetensors")), language);
            boolean chosen = saved.metadata().containsKey("ser.selection.point");
            assertEquals(!language.equals("fr"), chosen, language + ": " + saved.metadata().keySet());
            if (!chosen) {
                assertTrue(saved.metadata().get("ser.spec").contains("\"hidden\":[256,128]"),
                        "the configured teacher: " + saved.metadata().get("ser.spec"));
                assertFalse(selected.contains("teacher-" + language));
            }
        }
    }
}
