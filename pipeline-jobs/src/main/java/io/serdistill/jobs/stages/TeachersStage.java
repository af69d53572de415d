package io.serdistill.jobs.stages;

import io.serdistill.config.SerConfig;
import io.serdistill.jobs.run.Provenance;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.spark.TrainingTasks;
import io.serdistill.train.ModelKind;
import io.serdistill.train.TrainingExample;
import io.serdistill.train.TrainingOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * teachers: one monolingual teacher per language, each trained in its own Spark task on that language's training
 * split and selected on its dev split: an MLP head on pooled features, a TDNN on fbank frames (ser.teachers.model =
 * tdnn), or (ser.features.wav2vec2.mode = finetune) wav2vec2 fine-tuned from model-dir on the stored CNN frames
 * ({@link ModelKind}). Writes
 * teachers/{language}/model.safetensors and the training history. With ser.run.seeds = N each teacher trains N times,
 * each (teacher, seed) its own task, with the seed {@link SerConfig.Run#replicateSeed} derives.
 */
public final class TeachersStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.teachers");
    /** Test hook: the stage fails after its teachers trained, as a crash before its marker would stop it. */
    static final String FAIL_AFTER_TRAINING_PROPERTY = "ser.test.teachers.fail-after-training";

    @Override
    public String name() {
        return "teachers";
    }

    /** --force trains every teacher again, also those a crashed attempt finished. */
    @Override
    public void forgetCompletedWork(StageContext ctx) throws Exception {
        TrainingTasks.forgetCompleted(ctx.roster().teachers().stream().map(Roster.Model::uri).toList(), ctx.hadoop());
        ModelSelection.forget(ctx, ctx.roster().teachers());
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        LeakageCheck.run(ctx);
        List<String> languages = cfg.input().languages();
        Dataset<Row> features = FeatureRows.select(ctx.spark().read().parquet(ctx.featuresPath())
                .filter(col("split").isin("train", "dev")), cfg.inputColumn(cfg.teachers()));
        Map<String, Long> trainCounts = new LinkedHashMap<>();
        for (Row r : features.filter(col("split").equalTo("train")).groupBy("language").count().collectAsList()) {
            trainCounts.put(r.getString(0), r.getLong(1));
        }
        List<String> missing = languages.stream().filter(l -> !trainCounts.containsKey(l)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no training utterances for language(s) " + missing
                    + "; every language in ser.input.languages needs a teacher");
        }
        ModelKind kind = cfg.modelKind(cfg.teachers());
        List<TrainingTasks.Job> jobs = new ArrayList<>();
        List<ModelSelection.Candidate> candidates = new ArrayList<>();
        List<Roster.Model> teachers = ctx.roster().teachers();
        // One job per (teacher, seed); every seed of a language's teacher trains on that language's utterances.
        Map<String, List<Integer>> index = new LinkedHashMap<>();
        for (Roster.Model teacher : teachers) {
            // alpha = 1: teachers are plain fine-tuning on their own language.
            long seed = SerConfig.Run.replicateSeed(
                    cfg.run().seed() + 1000L * (languages.indexOf(teacher.language()) + 1), teacher.seed());
            TrainingOptions opts = cfg.teachers().fineTuning(seed);
            index.computeIfAbsent(teacher.language(), l -> new ArrayList<>()).add(jobs.size());
            jobs.add(new TrainingTasks.Job(teacher.name(), teacher.method(), teacher.uri(), kind, opts,
                    Provenance.of(cfg, "teacher for " + teacher.language()
                            + (teacher.seed() == 1 ? "" : ", seed " + teacher.seed()))));
            candidates.add(new ModelSelection.Candidate(jobs.size() - 1, teacher, family -> family.fineTuning(seed)));
        }
        JavaPairRDD<Integer, TrainingTasks.Tagged> keyed = features.javaRDD()
                .filter(r -> index.containsKey(FeatureRows.language(r)))
                .flatMapToPair(r -> {
                    TrainingExample e = FeatureRows.example(r);
                    boolean dev = "dev".equals(FeatureRows.split(r));
                    return index.get(e.language()).stream().map(i -> TrainingTasks.keyed(i, e, dev)).iterator();
                });
        // The linear references train beside the teachers, on the pooled vectors: each language's on its own
        // utterances (job teachers + language index), the multilingual one on all of them (the last job).
        List<Roster.Model> references = ctx.roster().references();
        if (!references.isEmpty()) {
            int first = jobs.size();
            int multi = first + references.size() - 1;
            Map<String, Integer> referenceIndex = new LinkedHashMap<>();
            for (Roster.Model ref : references) {
                if (ref.language() != null) {
                    referenceIndex.put(ref.language(), first + referenceIndex.size());
                }
                jobs.add(new TrainingTasks.Job(ref.name(), ref.method(), ref.uri(), ctx.modelKind(ref),
                        cfg.teachers().fineTuning(cfg.run().seed()), Provenance.of(cfg, "linear reference "
                        + (ref.language() == null ? "on every language" : "for " + ref.language()))));
            }
            Dataset<Row> pooled = FeatureRows.select(ctx.spark().read().parquet(ctx.featuresPath())
                    .filter(col("split").isin("train", "dev")), ctx.inputColumn(references.get(0)));
            keyed = keyed.union(pooled.javaRDD()
                    .filter(r -> referenceIndex.containsKey(FeatureRows.language(r)))
                    .flatMapToPair(r -> {
                        TrainingExample e = FeatureRows.example(r);
                        boolean dev = "dev".equals(FeatureRows.split(r));
                        return List.of(TrainingTasks.keyed(referenceIndex.get(e.language()), e, dev),
                                TrainingTasks.keyed(multi, e, dev)).iterator();
                    }));
        }
        // With a teacher grid, each teacher's values are chosen first (ModelSelection), then it trains with them.
        ModelSelection.Plan plan = ModelSelection.select(ctx, "teachers", cfg.selection().teachers(), candidates,
                jobs, keyed);
        jobs = plan.jobs();
        keyed = plan.examples();
        LOG.info("training {} teachers and {} linear references in parallel ({} tasks): train utterances {}",
                teachers.size(), references.size(), jobs.size(), trainCounts);
        List<TrainingTasks.Outcome> outcomes = TrainingTasks.trainAll(jobs, keyed, ctx.hadoop(), ctx.gpus(), ctx.master(),
                ctx.layout().staging("teachers"));
        if (Boolean.getBoolean(FAIL_AFTER_TRAINING_PROPERTY)) {
            throw new IllegalStateException(FAIL_AFTER_TRAINING_PROPERTY + ": stopped after training every teacher");
        }
        TrainingTasks.writeHistory(ctx.spark(), ctx.layout().table("training_history"), outcomes);
        Map<String, Object> counts = new LinkedHashMap<>();
        for (TrainingTasks.Outcome o : outcomes) {
            counts.put(o.model(), Map.of("train", o.trainCount(), "dev", o.devCount(), "best_epoch", o.bestEpoch(),
                    "seconds", Math.round(o.seconds() * 10) / 10.0));
        }
        if (!plan.chosen().isEmpty()) {
            counts.put("selection", plan.chosen());
        }
        return counts;
    }
}
