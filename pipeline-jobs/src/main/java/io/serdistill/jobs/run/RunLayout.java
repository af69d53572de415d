package io.serdistill.jobs.run;

import java.io.IOException;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a run's data lives: one directory under the output root, on any Hadoop FileSystem.
 * <pre>
 * {root}/{run}/manifest/                      validated manifest (Parquet)
 *             rejects/stage={manifest|extract}/  unusable rows with reason codes
 *             features/{kind}/language=…/split=…/
 *             features/{kind}_stats.json       train-split frame mean/variance (ser.features.normalize = global)
 *             corpus/manifest.csv             manifest written by a corpus adapter (ser.input.corpus.kind)
 *             folds.json                      every fold of ser.folds.scheme and the one this run holds out
 *             teachers/{language}/model.safetensors
 *             teachers/{language}/completed.json  the model's completion record (kept after a crash; see TrainingTasks)
 *             teachers/{language}/seed-{s}/…  seed s > 1 of the teacher (ser.run.seeds; likewise for students)
 *             soft_targets/                   teacher logits per (utterance, teacher)
 *             students/{method}[-{language}]/model.safetensors
 *             selection/{model}/point={p}/fold={f}/model.safetensors  grid point p of model trained on inner fold f
 *             {teachers,students,references}/…/package/  each model's package (model.safetensors, model-card.json)
 *             models/default.json             which package is the run's default (the best student by dev UA)
 *             tables/{metrics,class_metrics,confusion,predictions,training_history,selection}/
 *             report/summary.txt
 *             _stages/{stage}.json            completion markers
 *             _lock                           held by the launch running the run (see RunLock)
 * </pre>
 */
public record RunLayout(String root) implements Serializable {

    /** Resolves {@code outputRoot} (a URI or local path) and the run id to a fully qualified directory. */
    public static RunLayout of(String outputRoot, String runId, Configuration conf) throws IOException {
        Path base = new Path(outputRoot);
        FileSystem fs = base.getFileSystem(conf);
        return new RunLayout(fs.makeQualified(new Path(base, runId)).toString());
    }

    public String manifest() {
        return root + "/manifest";
    }

    public String rejects() {
        return root + "/rejects";
    }

    public String rejects(String stage) {
        return rejects() + "/stage=" + stage;
    }

    public String features(String kind) {
        return root + "/features/" + kind;
    }

    public String featureStats(String kind) {
        return root + "/features/" + kind + "_stats.json";
    }

    public String corpusManifest() {
        return root + "/corpus/manifest.csv";
    }

    public String folds() {
        return root + "/folds.json";
    }

    public String teacherModel(String language) {
        return root + "/teachers/" + language + "/model.safetensors";
    }

    /**
     * The file of seed {@code seed} of the model whose seed-1 file is {@code modelUri}: that file for seed 1, else
     * {@code {its directory}/seed-{seed}/{its file name}}.
     */
    public static String replicate(String modelUri, int seed) {
        if (seed == 1) {
            return modelUri;
        }
        int slash = modelUri.lastIndexOf('/');
        return modelUri.substring(0, slash) + "/seed-" + seed + modelUri.substring(slash);
    }

    public String softTargets() {
        return root + "/soft_targets";
    }

    /** students/{method}[-{language}]/model.safetensors; {@code language} is null for a student of every language. */
    /** The linear reference {@code model}'s file (references/{model}/model.safetensors). */
    public String referenceModel(String model) {
        return root + "/references/" + model + "/model.safetensors";
    }

    public String studentModel(String method, String language) {
        return root + "/students/" + method + (language == null ? "" : "-" + language) + "/model.safetensors";
    }

    /** Where model selection puts {@code model} trained at grid point {@code point} on inner fold {@code fold}. */
    public String selectionModel(String model, int point, int fold) {
        return selection(model) + "/point=" + point + "/fold=" + fold + "/model.safetensors";
    }

    /** Every inner-fold model of {@code model} (selection/{model}). */
    public String selection(String model) {
        return root + "/selection/" + model;
    }

    /** models/default.json: the run's default model package (see io.serdistill.packaging.ModelPackage#resolve). */
    public String defaultModel() {
        return root + "/" + io.serdistill.packaging.ModelPackage.DEFAULT_POINTER;
    }

    public String table(String name) {
        return root + "/tables/" + name;
    }

    public String report(String file) {
        return root + "/report/" + file;
    }

    /** Scratch space of a running stage (training sets between the jobs that build and use them); deleted after it. */
    public String staging(String stage) {
        return root + "/_staging/" + stage;
    }

    public String stageMarker(String stage) {
        return root + "/_stages/" + stage + ".json";
    }
}
