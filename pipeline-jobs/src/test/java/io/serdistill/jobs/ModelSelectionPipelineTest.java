package io.serdistill.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.run.Warehouse;
import io.serdistill.model.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Model selection in a real pipeline run (Spark local mode, real training): a two-point teacher grid and a two-point
 * student grid over three inner folds, refitted. Every (model, point, fold) trains as its own task and lands in
 * tables/selection; the chosen point is the best mean inner-fold UA; inner folds hold training speakers only; the
 * refitted models train on every training utterance for the chosen epochs; the warehouse and the report show it.
 */
class ModelSelectionPipelineTest {
    static Path tmp;
    static SparkSession spark;
    static SerConfig cfg;
    static Path run;
    static List<Row> selection;

    @BeforeAll
    static void runPipeline() throws Exception {
        tmp = Files.createTempDirectory("selection-test");
        spark = SparkSession.builder().master("local[2]").appName("ModelSelectionPipelineTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "select");
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.warehouse.root", tmp.resolve("warehouse").toString());
        o.put("ser.demo.dir", tmp.resolve("corpus").toString());
        // 4 speakers per language: 2 train, 1 dev, 1 test; 3 training speakers make 3 inner folds of one speaker.
        o.put("ser.demo.speakers-per-language", "4");
        o.put("ser.demo.utterances-per-speaker-per-emotion", "2");
        // AdamW epochs (the default optimiser of fbank MLPs is L-BFGS, which reads no epoch count).
        o.put("ser.teachers.optimiser", "adamw");
        o.put("ser.student.optimiser", "adamw");
        o.put("ser.teachers.epochs", "5");
        o.put("ser.student.epochs", "4");
        o.put("ser.teachers.patience", "0");
        o.put("ser.reference.linear", "false");
        o.put("ser.distill.methods", "[ft-multi, mtkd-language]");
        o.put("ser.teachers.grid.hidden", "[[], [16]]");
        o.put("ser.student.grid.weight-decay", "[0.0001, 0.5]");
        o.put("ser.selection.inner-folds", "3");
        o.put("ser.selection.refit", "true");
        cfg = SerConfig.load(List.of(), o);
        StageRunner.run(spark, cfg, PipelineJob.stages(), false);
        run = tmp.resolve("runs/select");
        selection = spark.read().parquet(run.resolve("tables/selection").toString()).collectAsList();
    }

    private static List<Row> rowsOf(String model) {
        return selection.stream().filter(r -> r.<String>getAs("model").equals(model)).toList();
    }

    private static List<String> models() {
        return List.of("teacher-en", "teacher-fi", "teacher-fr", "student-ft-multi", "student-mtkd-language");
    }

    @Test
    void everyModelPointAndFoldIsOneTrainedTask() throws Exception {
        assertEquals(5 * 2 * 3, selection.size(), "5 models x 2 points x 3 inner folds");
        for (String model : models()) {
            List<Row> rows = rowsOf(model);
            Set<String> pairs = new TreeSet<>();
            for (Row r : rows) {
                int p = r.getAs("point");
                int f = r.getAs("inner_fold");
                pairs.add(p + "/" + f);
                assertEquals(3, r.<Integer>getAs("inner_folds"), model);
                Path file = run.resolve("selection/" + model + "/point=" + p + "/fold=" + f + "/model.safetensors");
                assertTrue(Files.isRegularFile(file), "its own task wrote " + file);
                SafeTensors saved = SafeTensors.parse(Files.readAllBytes(file), file.toString());
                assertEquals(model + ".p" + p + ".f" + f, saved.metadata().get("ser.model"));
                assertEquals(Integer.toString(r.<Integer>getAs("train_utterances")),
                        saved.metadata().get("ser.train_utterances"));
                assertTrue(r.<Double>getAs("ua") >= 0 && r.<Double>getAs("ua") <= 1, model);
                assertTrue(r.<Integer>getAs("best_epoch") >= 1, model);
            }
            assertEquals(Set.of("0/0", "0/1", "0/2", "1/0", "1/1", "1/2"), pairs, model);
        }
        Set<String> teacherParams = new TreeSet<>();
        rowsOf("teacher-en").forEach(r -> teacherParams.add(r.getAs("params")));
        assertEquals(Set.of("hidden=[]", "hidden=[16]"), teacherParams);
        Set<String> studentParams = new TreeSet<>();
        rowsOf("student-ft-multi").forEach(r -> studentParams.add(r.getAs("params")));
        assertEquals(Set.of("weight-decay=0.0001", "weight-decay=0.5"), studentParams);
    }

    @Test
    void chosenPointIsTheBestMeanInnerFoldUa() {
        for (String model : models()) {
            Map<Integer, List<Double>> uas = new TreeMap<>();
            Set<Integer> chosen = new HashSet<>();
            for (Row r : rowsOf(model)) {
                uas.computeIfAbsent(r.getAs("point"), p -> new ArrayList<>()).add(r.getAs("ua"));
                if (r.<Boolean>getAs("chosen")) {
                    chosen.add(r.getAs("point"));
                }
            }
            int best = -1;
            double bestMean = Double.NEGATIVE_INFINITY;
            for (Map.Entry<Integer, List<Double>> e : uas.entrySet()) {
                double mean = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                for (Row r : rowsOf(model)) {
                    if (r.<Integer>getAs("point").equals(e.getKey())) {
                        assertEquals(mean, r.<Double>getAs("mean_ua"), 1e-12, model + " point " + e.getKey());
                    }
                }
                if (mean > bestMean) {
                    bestMean = mean;
                    best = e.getKey();
                }
            }
            assertEquals(Set.of(best), chosen, model + ": one chosen point, the first of the best means " + uas);
        }
    }

    @Test
    void innerFoldsHoldTrainingSpeakersOnly() {
        Map<String, Set<String>> trainingSpeakers = new HashMap<>();
        Set<String> testSpeakers = new HashSet<>();
        Map<String, Long> trainingUtterances = new HashMap<>();
        for (Row r : spark.read().parquet(run.resolve("manifest").toString())
                .select("language", "speaker", "split").collectAsList()) {
            String who = r.getString(0) + "/" + r.getString(1);
            if (r.getString(2).equals("test")) {
                testSpeakers.add(who);
            } else {
                trainingSpeakers.computeIfAbsent(r.getString(0), l -> new TreeSet<>()).add(who);
                trainingUtterances.merge(r.getString(0), 1L, Long::sum);
            }
        }
        assertEquals(3, testSpeakers.size(), "one test speaker per language");
        for (String model : models()) {
            String language = model.startsWith("teacher-") ? model.substring("teacher-".length()) : null;
            Set<String> expected = new TreeSet<>();
            trainingSpeakers.forEach((l, s) -> {
                if (language == null || language.equals(l)) {
                    expected.addAll(s);
                }
            });
            long utterances = language == null ? trainingUtterances.values().stream().mapToLong(Long::longValue).sum()
                    : trainingUtterances.get(language);
            for (int point = 0; point < 2; point++) {
                Set<String> covered = new TreeSet<>();
                for (Row r : rowsOf(model)) {
                    if (r.<Integer>getAs("point") != point) {
                        continue;
                    }
                    List<String> speakers = r.getList(r.fieldIndex("validation_speakers"));
                    assertFalse(speakers.isEmpty(), model);
                    for (String s : speakers) {
                        assertFalse(testSpeakers.contains(s), model + ": test speaker " + s + " in an inner fold");
                        assertTrue(covered.add(s), model + ": " + s + " validates in one fold only");
                    }
                    assertEquals(utterances, r.<Integer>getAs("train_utterances")
                            + r.<Integer>getAs("validation_utterances"), model + ": the folds split the training utterances");
                }
                assertEquals(expected, covered, model + ": every training speaker validates once");
            }
        }
    }

    @Test
    void refittedModelsTrainOnEveryTrainingSpeakerForTheChosenEpochs() throws Exception {
        Map<String, Long> trainDev = new HashMap<>();
        for (Row r : spark.read().parquet(run.resolve("manifest").toString()).filter(col("split").notEqual("test"))
                .groupBy("language").count().collectAsList()) {
            trainDev.put(r.getString(0), r.getLong(1));
        }
        long all = trainDev.values().stream().mapToLong(Long::longValue).sum();
        for (String model : models()) {
            List<Row> chosen = rowsOf(model).stream().filter(r -> r.<Boolean>getAs("chosen")).toList();
            List<Integer> bestEpochs = new ArrayList<>(chosen.stream().map(r -> r.<Integer>getAs("best_epoch")).toList());
            bestEpochs.sort(null);
            int epochs = chosen.get(0).getAs("refit_epochs");
            assertEquals(bestEpochs.get(1), epochs, model + ": the median of " + bestEpochs);
            rowsOf(model).stream().filter(r -> !r.<Boolean>getAs("chosen"))
                    .forEach(r -> assertNull(r.getAs("refit_epochs"), model));
            String dir = model.startsWith("teacher-") ? "teachers/" + model.substring("teacher-".length())
                    : "students/" + model.substring("student-".length());
            SafeTensors saved = SafeTensors.parse(Files.readAllBytes(run.resolve(dir + "/model.safetensors")), model);
            long expected = model.startsWith("teacher-") ? trainDev.get(model.substring("teacher-".length())) : all;
            assertEquals(Long.toString(expected), saved.metadata().get("ser.train_utterances"),
                    model + ": refitted on train + dev");
            assertEquals(chosen.get(0).getAs("params"), saved.metadata().get("ser.selection.point"), model);
            assertEquals(Integer.toString(epochs), saved.metadata().get("ser.best_epoch"), model + ": its last epoch");
            List<Row> history = spark.read().parquet(run.resolve("tables/training_history").toString())
                    .filter(col("model").equalTo(model)).collectAsList();
            assertEquals(epochs, history.size(), model + ": trained for the chosen epochs, no early stop");
            assertTrue(history.stream().allMatch(r -> r.isNullAt(r.fieldIndex("dev_ua"))), model + ": no dev split");
        }
        SafeTensors teacher = SafeTensors.parse(Files.readAllBytes(run.resolve("teachers/en/model.safetensors")), "t");
        String hidden = rowsOf("teacher-en").stream().filter(r -> r.<Boolean>getAs("chosen")).findFirst().orElseThrow()
                .getAs("params");
        assertEquals(!hidden.equals("hidden=[]"), teacher.tensors().containsKey("w1"),
                "the teacher has the chosen shape: " + hidden + " " + teacher.tensors().keySet());
    }

    @Test
    void warehouseAndReportShowTheSelection() throws Exception {
        long published = spark.read().parquet(tmp.resolve("warehouse").resolve(Warehouse.SELECTION).toString())
                .filter("run_id = 'select'").count();
        assertEquals(selection.size(), published, "every score published");
        String html = Files.readString(run.resolve("report/index.html"));
        assertTrue(html.contains("<h2>Model selection</h2>"), "the report has the section");
        for (String model : models()) {
            Row chosen = rowsOf(model).stream().filter(r -> r.<Boolean>getAs("chosen")).findFirst().orElseThrow();
            assertTrue(html.contains("<tr><td>" + model + "</td><td>" + chosen.getAs("params") + "</td>"),
                    model + "'s chosen point is listed");
        }
        assertTrue(html.contains("refitted on every training speaker"), "the stopping table says why it ran fewer epochs");
    }
}
