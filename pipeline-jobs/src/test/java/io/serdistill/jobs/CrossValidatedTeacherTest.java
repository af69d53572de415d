package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.stages.ExtractStage;
import io.serdistill.jobs.stages.ManifestStage;
import io.serdistill.jobs.stages.TeachersStage;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.linear.LogisticRegressionModel;
import io.serdistill.eval.Predictions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Teachers with {@code lbfgs.l2 = cv} in a real teachers stage: each language's linear teacher chooses its penalty in
 * its own Spark task by the linear reference's search, records it in its file, and, trained on the same utterances
 * as the reference (no dev speaker), is the reference: the same C and the same predictions.
 */
class CrossValidatedTeacherTest {

    @Test
    void aCrossValidatedLinearTeacherIsItsLanguagesLinearReference() throws Exception {
        Path tmp = Files.createTempDirectory("cv-teacher");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "cv-teacher");
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.demo.dir", tmp.resolve("corpus").toString());
        o.put("ser.demo.speakers-per-language", "4");
        o.put("ser.demo.utterances-per-speaker-per-emotion", "2");
        // One test speaker per language and no dev speaker: teacher and reference train on the same three speakers.
        o.put("ser.folds.scheme", "k-fold");
        o.put("ser.folds.k", "4");
        o.put("ser.folds.dev-speakers", "0");
        o.put("ser.teachers.hidden", "[]");
        o.put("ser.teachers.lbfgs.l2", "cv");
        SerConfig cfg = SerConfig.load(List.of(), o);
        assertTrue(cfg.selection().teachers().isEmpty(), "auto has nothing to choose for a cross-validated family");
        SparkSession spark = SparkSession.builder().master("local[2]").appName("CrossValidatedTeacherTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        StageRunner.run(spark, cfg, List.of(new ManifestStage(), new ExtractStage(), new TeachersStage()), false);
        Path run = tmp.resolve("runs/cv-teacher");

        List<float[]> pooled = new ArrayList<>();
        for (Row r : spark.read().parquet(run.resolve("features/fbank").toString()).select("pooled").collectAsList()) {
            List<Float> v = r.getList(0);
            float[] x = new float[v.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = v.get(i);
            }
            pooled.add(x);
        }
        for (String language : List.of("en", "fi", "fr")) {
            byte[] teacherBytes = Files.readAllBytes(run.resolve("teachers/" + language + "/model.safetensors"));
            byte[] referenceBytes = Files.readAllBytes(run.resolve("references/reference-linear-" + language
                    + "/model.safetensors"));
            Map<String, String> teacher = SafeTensors.parse(teacherBytes, language).metadata();
            Map<String, String> reference = SafeTensors.parse(referenceBytes, language).metadata();
            assertEquals(reference.get("ser.reference.c"), teacher.get("ser.lbfgs.c"), language + ": the same C");
            assertEquals(reference.get("ser.reference.folds"), teacher.get("ser.lbfgs.cv_folds"), language);
            assertEquals("true", teacher.get("ser.lbfgs.warm_start"), language);
            assertEquals(1.0 / (Double.parseDouble(teacher.get("ser.lbfgs.c"))
                            * Integer.parseInt(teacher.get("ser.train_utterances"))),
                    Double.parseDouble(teacher.get("ser.lbfgs.l2")), 1e-12, language + ": l2 = 1 / (C n)");
            MlpClassifier t = MlpClassifier.fromSafeTensors(teacherBytes, language);
            LogisticRegressionModel ref = LogisticRegressionModel.fromSafeTensors(referenceBytes, language);
            // Every utterance of the run (all languages and splits), and points around them.
            List<float[]> inputs = new ArrayList<>(pooled);
            SplittableRandom rng = new SplittableRandom(3);
            for (float[] x : pooled) {
                float[] y = x.clone();
                for (int j = 0; j < y.length; j++) {
                    y[j] += (float) (0.3 * (rng.nextDouble() - 0.5) * Math.abs(x[j]));
                }
                inputs.add(y);
            }
            assertArrayEquals(ref.predict(inputs.toArray(float[][]::new)), Predictions.argMax(t.logits(inputs)),
                    language + ": the teacher predicts what its linear reference predicts");
        }
    }
}
