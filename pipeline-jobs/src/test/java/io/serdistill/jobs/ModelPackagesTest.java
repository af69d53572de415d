package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.run.Warehouse;
import io.serdistill.json.Json;
import io.serdistill.packaging.ModelCard;
import io.serdistill.packaging.ModelPackage;
import io.serdistill.packaging.PackageScorer;
import io.serdistill.packaging.Prediction;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages evaluate writes, on the shared demo run: scoring a test utterance's WAV with a package (as
 * {@code ser predict} does) gives the probabilities of the evaluate stage's predictions table, and ser_models marks
 * the run's default.
 */
class ModelPackagesTest {
    static DemoRun run;
    static SparkSession spark;
    static Path runDir;

    @BeforeAll
    static void runPipeline() throws Exception {
        run = DemoRun.get();
        spark = DemoRun.spark();
        runDir = Path.of(java.net.URI.create(run.runDir(DemoRun.RUN_ID)));
    }

    /** Utterance id to WAV file, from the demo corpus's manifest. */
    static Map<String, Path> wavs() throws Exception {
        Path manifest = run.dir.resolve("corpus").resolve("manifest.csv");
        List<String> lines = Files.readAllLines(manifest);
        List<String> header = List.of(lines.get(0).split(","));
        Map<String, Path> out = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            if (f.length == header.size()) {
                out.put(f[header.indexOf("utt_id")], manifest.getParent().resolve(f[header.indexOf("path")]));
            }
        }
        return out;
    }

    @Test
    void predictGivesTheEvaluateStagesProbabilitiesForATeacherAndTheDefaultStudent() throws Exception {
        String student = Json.object(Files.readString(runDir.resolve(ModelPackage.DEFAULT_POINTER))).path("model").asText();
        Map<String, Path> wavs = wavs();
        for (String[] model : List.of(new String[] {"teacher-fr", "teachers/fr/package"},
                new String[] {student, "students/" + student.substring("student-".length()) + "/package"},
                new String[] {"reference-linear-multi", "references/reference-linear-multi/package"})) {
            PackageScorer scorer = ModelPackage.open(runDir.resolve(model[1])).scorer(Optional.empty());
            assertEquals(model[0], scorer.card().name());
            List<Row> rows = spark.read().parquet(run.runDir(DemoRun.RUN_ID) + "/tables/predictions")
                    .filter("model = '" + model[0] + "' AND split = 'test'").orderBy("utt_id").limit(8).collectAsList();
            assertEquals(8, rows.size(), model[0]);
            for (Row r : rows) {
                Path wav = wavs.get(r.<String>getAs("utt_id"));
                Prediction p;
                try (InputStream in = Files.newInputStream(wav)) {
                    p = scorer.predict(r.getAs("utt_id"), in, Files.size(wav));
                }
                List<Float> logits = r.getList(r.fieldIndex("logits"));
                float[] z = new float[logits.size()];
                for (int i = 0; i < z.length; i++) {
                    z[i] = logits.get(i);
                }
                double[] expected = PackageScorer.probabilities(z);
                for (int c = 0; c < expected.length; c++) {
                    assertEquals(expected[c], p.probabilities()[c], 1e-5, model[0] + " " + r.getAs("utt_id") + " class " + c);
                }
                assertEquals(r.<Integer>getAs("predicted"), p.predicted(), model[0] + " " + r.getAs("utt_id"));
            }
        }
    }

    @Test
    void everyModelHasAPackageAndTheDefaultIsTheBestStudentOnDev() throws Exception {
        List<Row> models = spark.read().parquet(run.warehouse() + "/" + Warehouse.MODELS)
                .filter("run_id = '" + DemoRun.RUN_ID + "'").collectAsList();
        assertEquals(10, models.size(), "3 teachers, 3 students, 4 linear references");
        List<Row> defaults = models.stream().filter(r -> r.<Boolean>getAs("is_default")).toList();
        assertEquals(1, defaults.size());
        Row d = defaults.get(0);
        assertEquals("student", d.getAs("role"));
        double best = models.stream().filter(r -> r.getAs("role").equals("student"))
                .mapToDouble(r -> r.<Double>getAs("dev_ua_mean")).max().orElseThrow();
        assertEquals(best, d.<Double>getAs("dev_ua_mean"), 0);
        assertEquals(Json.object(Files.readString(runDir.resolve(ModelPackage.DEFAULT_POINTER))).path("model").asText(),
                d.getAs("model"));
        for (Row r : models) {
            Path dir = Path.of(java.net.URI.create(r.getAs("path")));
            ModelCard card = ModelPackage.open(dir).card();
            assertEquals(r.<String>getAs("model"), card.name());
            assertEquals(r.<String>getAs("sha256"), card.weights().sha256());
            assertEquals(DemoRun.RUN_ID, card.provenance().runId());
            assertEquals(run.config(Map.of()).hash(), card.provenance().configHash());
            // The package's weights are the model file's, byte for byte.
            Path modelFile = dir.getParent().resolve(ModelCard.WEIGHTS);
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(modelFile), Files.readAllBytes(dir.resolve(ModelCard.WEIGHTS))),
                    r.<String>getAs("model"));
            List<Row> scores = r.getList(r.fieldIndex("metrics"));
            assertEquals(2 * 4, scores.size(), "dev and test x (3 languages + all)");
        }
    }
}
