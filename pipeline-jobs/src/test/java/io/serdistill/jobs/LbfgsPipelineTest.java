package io.serdistill.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.model.SafeTensors;
import io.serdistill.train.Optimisation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The defaults of fbank MLPs in a real pipeline run: optimiser = auto (full-batch L-BFGS) and the teachers' grid =
 * auto (the configured MLP or a linear model at three penalties, scored on inner folds): every model keeps its last iterate, its history has
 * one row per L-BFGS iteration (learning rate 0) up to lbfgs.max-iterations, the grid's points are auto's, and each
 * teacher is saved with the shape of the point its inner folds chose.
 */
class LbfgsPipelineTest {
    private static final int ITERATIONS = 25;
    static Path tmp;
    static SparkSession spark;
    static Path run;

    @BeforeAll
    static void runPipeline() throws Exception {
        tmp = Files.createTempDirectory("lbfgs-test");
        spark = SparkSession.builder().master("local[2]").appName("LbfgsPipelineTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "lbfgs");
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.warehouse.root", tmp.resolve("warehouse").toString());
        o.put("ser.demo.dir", tmp.resolve("corpus").toString());
        o.put("ser.demo.speakers-per-language", "4");
        o.put("ser.demo.utterances-per-speaker-per-emotion", "2");
        o.put("ser.teachers.lbfgs.max-iterations", Integer.toString(ITERATIONS));
        o.put("ser.student.lbfgs.max-iterations", Integer.toString(ITERATIONS));
        o.put("ser.reference.linear", "false");
        o.put("ser.distill.methods", "[ft-multi, mtkd-language]");
        o.put("ser.selection.inner-folds", "3");
        SerConfig cfg = SerConfig.load(List.of(), o);
        assertEquals(Optimisation.Optimiser.LBFGS, cfg.teachers().optimisation().optimiser(), "the default for fbank");
        assertEquals(Optimisation.Optimiser.LBFGS, cfg.student().optimisation().optimiser());
        assertTrue(cfg.selection().teachers().auto(), "the teachers' default grid");
        StageRunner.run(spark, cfg, PipelineJob.stages(), false);
        run = tmp.resolve("runs/lbfgs");
    }

    @Test
    void everyModelKeepsItsLastIterationAndRecordsEachOne() throws Exception {
        List<Row> history = spark.read().parquet(run.resolve("tables/training_history").toString()).collectAsList();
        for (String model : List.of("teacher-en", "teacher-fi", "teacher-fr", "student-ft-multi",
                "student-mtkd-language")) {
            String dir = model.startsWith("teacher-") ? "teachers/" + model.substring("teacher-".length())
                    : "students/" + model.substring("student-".length());
            SafeTensors saved = SafeTensors.parse(Files.readAllBytes(run.resolve(dir + "/model.safetensors")), model);
            List<Row> rows = history.stream().filter(r -> r.<String>getAs("model").equals(model)).toList();
            int best = Integer.parseInt(saved.metadata().get("ser.best_epoch"));
            assertTrue(rows.size() >= 2 && rows.size() <= ITERATIONS, model + ": " + rows.size() + " iterations");
            assertEquals(rows.size(), best, model + ": the last iterate is kept");
            Set<Integer> epochs = new TreeSet<>();
            for (Row r : rows) {
                epochs.add(r.getAs("epoch"));
                assertEquals(0.0, r.<Double>getAs("learning_rate"), model + ": L-BFGS has no learning rate");
                assertEquals(r.<Integer>getAs("epoch") == best, r.<Boolean>getAs("best"), model);
            }
            assertEquals(rows.size(), epochs.size(), model + ": one row per iteration");
            assertEquals(1, (int) ((TreeSet<Integer>) epochs).first());
        }
    }

    @Test
    void theDefaultTeacherGridChoosesFamilyAndPenaltyPerLanguage() throws Exception {
        List<Row> selection = spark.read().parquet(run.resolve("tables/selection").toString())
                .filter(col("family").equalTo("teachers")).collectAsList();
        assertEquals(3 * 4 * 3, selection.size(), "3 teachers x 4 points x 3 inner folds");
        Set<String> params = new TreeSet<>();
        selection.forEach(r -> params.add(r.getAs("params")));
        assertEquals(Set.of("hidden=[256,128] lbfgs.l2=0.01", "hidden=[] lbfgs.l2=0.001", "hidden=[] lbfgs.l2=0.01",
                "hidden=[] lbfgs.l2=0.1"), params);
        for (Row r : selection) {
            int bestEpoch = r.getAs("best_epoch");
            assertTrue(bestEpoch >= 1 && bestEpoch <= ITERATIONS, "an inner fold keeps its last iterate: " + bestEpoch);
        }
        for (String language : List.of("en", "fi", "fr")) {
            List<String> chosen = selection.stream().filter(r -> r.<String>getAs("model").equals("teacher-" + language)
                    && r.<Boolean>getAs("chosen")).map(r -> r.<String>getAs("params")).distinct().toList();
            assertEquals(1, chosen.size(), language + ": one chosen point");
            SafeTensors saved = SafeTensors.parse(Files.readAllBytes(run.resolve("teachers/" + language
                    + "/model.safetensors")), language);
            assertEquals(chosen.get(0), saved.metadata().get("ser.selection.point"), language);
            String hidden = chosen.get(0).startsWith("hidden=[]") ? "[]" : "[256,128]";
            assertTrue(saved.metadata().get("ser.spec").contains("\"hidden\":" + hidden),
                    language + ": saved with the chosen shape: " + saved.metadata().get("ser.spec"));
        }
    }
}
