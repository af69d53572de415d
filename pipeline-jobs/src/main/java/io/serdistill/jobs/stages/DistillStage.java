package io.serdistill.jobs.stages;

import io.serdistill.config.SerConfig;
import io.serdistill.distill.StudentPlan;
import io.serdistill.distill.TeacherEnsemble;
import io.serdistill.jobs.run.Provenance;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import io.serdistill.jobs.spark.TrainingTasks;
import io.serdistill.train.ModelKind;
import io.serdistill.train.TrainingExample;
import io.serdistill.train.TrainingOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import static org.apache.spark.sql.functions.col;

/**
 * distill: (1) soft targets — every teacher's logits for every train/dev utterance, computed once with the teachers
 * broadcast and inference sharded over batches made from the rows alone ({@link ScoringBatches}: the same bits on
 * any cluster), stored in soft_targets/; (2) students — one multilingual student per configured method, each in its
 * own Spark task: ft-multi (labels only, the baseline), mtkd-uniform (teachers weighted equally, the KD baseline) and
 * mtkd-language (teacher mix weighted by the utterance's language), and the other methods of {@link StudentPlan}. Teachers and students are each of their configured {@link ModelKind} (MLP
 * heads, TDNNs on fbank frames, or wav2vec2 fine-tuned on CNN frames), chosen independently. With ser.run.seeds = N
 * every teacher seed's logits are in soft_targets/ and each student trains N times, each (student, seed) its own
 * task, against the targets {@link TeacherEnsemble} picks (its own seed's teachers, or their seeds' mean).
 */
public final class DistillStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.distill");

    @Override
    public String name() {
        return "distill";
    }

    /** --force trains every student again, also those a crashed attempt finished. */
    @Override
    public void forgetCompletedWork(StageContext ctx) throws Exception {
        TrainingTasks.forgetCompleted(ctx.roster().students().stream().map(Roster.Model::uri).toList(), ctx.hadoop());
        ModelSelection.forget(ctx, ctx.roster().students());
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        LeakageCheck.run(ctx);
        List<String> teacherLanguages = cfg.input().languages();
        Roster roster = ctx.roster();
        ModelStore teachers = ModelStore.load(roster.teachers(), ctx::modelKind, ctx.hadoop());
        Broadcast<ModelStore> teachersB = ctx.spark().sparkContext().broadcast(teachers,
                scala.reflect.ClassTag$.MODULE$.apply(ModelStore.class));

        // Teachers and students may read different columns (a TDNN the frames, an MLP the pooled vector).
        Dataset<Row> trainDev = ctx.spark().read().parquet(ctx.featuresPath()).filter(col("split").isin("train", "dev"));
        Dataset<Row> teacherInputs = FeatureRows.select(trainDev, cfg.inputColumn(cfg.teachers()));
        Dataset<Row> features = FeatureRows.select(trainDev, cfg.inputColumn(cfg.student()));
        JavaRDD<Row> soft = ModelStore.scoreAll(teachersB, teacherInputs, (teacher, r, logits) ->
                RowFactory.create(FeatureRows.uttId(r), FeatureRows.language(r), FeatureRows.split(r), teacher, logits));
        ctx.spark().createDataFrame(soft, Tables.SOFT_TARGETS).write().mode(SaveMode.Overwrite).parquet(ctx.layout().softTargets());
        long softRows = ctx.spark().read().parquet(ctx.layout().softTargets()).count();
        LOG.info("soft targets: {} rows ({} teachers) at {}", softRows, teachers.names().size(), ctx.layout().softTargets());

        // Per utterance: teacher logits in teacher order, joined with its features.
        List<String> teacherNames = teachers.names();
        JavaPairRDD<String, float[][]> logitsByUtt = ctx.spark().read().parquet(ctx.layout().softTargets())
                .select("utt_id", "teacher", "logits").javaRDD()
                .mapToPair(r -> new Tuple2<>(r.getString(0), new Tuple2<>(r.getString(1), FeatureRows.floats(r, 2))))
                .groupByKey()
                .mapValues(list -> {
                    float[][] out = new float[teacherNames.size()][];
                    for (Tuple2<String, float[]> t : list) {
                        out[teacherNames.indexOf(t._1())] = t._2();
                    }
                    return out;
                });
        JavaPairRDD<String, Tuple2<TrainingExample, Boolean>> examples = features.javaRDD()
                .mapToPair(r -> new Tuple2<>(FeatureRows.uttId(r), new Tuple2<>(FeatureRows.example(r), "dev".equals(FeatureRows.split(r)))));

        List<String> teacherLangs = List.copyOf(teacherLanguages);
        List<Roster.Model> students = roster.students();
        // Per teacher language, the positions in teacherNames of its seeds; each student job's teacher rows come
        // from its members (its own seed's teachers, or every seed's for the ensemble teacher).
        List<int[]> teacherSeeds = new ArrayList<>();
        for (String l : teacherLangs) {
            teacherSeeds.add(roster.teachers().stream().filter(t -> t.language().equals(l))
                    .mapToInt(t -> teacherNames.indexOf(t.name())).toArray());
        }
        TeacherEnsemble ensemble = cfg.distill().teacherEnsemble();
        List<TrainingTasks.Job> jobs = new ArrayList<>();
        int[][][] members = new int[students.size()][][];
        List<ModelSelection.Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < students.size(); i++) {
            Roster.Model model = students.get(i);
            StudentPlan.Student st = model.student();
            // Same seed for every student of one replicate: the methods differ only in their data and targets.
            long seed = SerConfig.Run.replicateSeed(cfg.run().seed() + 7, model.seed());
            java.util.function.Function<SerConfig.Training, TrainingOptions> options = family -> st.distills()
                    ? family.distillation(st.alpha(), cfg.distill().temperature(), st.weighting(), teacherLangs,
                            cfg.distill().klReduction(), seed)
                    : family.fineTuning(seed);
            members[i] = ensemble.members(teacherSeeds, model.seed());
            String over = roster.seeds() == 1 ? "" : ensemble == TeacherEnsemble.MEAN_LOGITS
                    ? " (each the mean of its " + roster.seeds() + " seeds' logits)" : " (seed " + model.seed() + ")";
            candidates.add(new ModelSelection.Candidate(jobs.size(), model, options));
            jobs.add(new TrainingTasks.Job(model.name(), model.method(), model.uri(), ctx.modelKind(model),
                    options.apply(cfg.student()),
                    Provenance.of(cfg, "student " + model.name() + " over teachers " + teacherLanguages + over)));
        }
        List<String> studentLanguages = students.stream().map(Roster.Model::language).toList();
        JavaPairRDD<Integer, TrainingTasks.Tagged> keyed = examples.join(logitsByUtt).flatMapToPair(kv -> {
            TrainingExample plain = kv._2()._1()._1();
            boolean dev = kv._2()._1()._2();
            List<Tuple2<Integer, TrainingTasks.Tagged>> out = new ArrayList<>();
            for (int i = 0; i < studentLanguages.size(); i++) {
                String only = studentLanguages.get(i);
                if (only == null || only.equals(plain.language())) {
                    out.add(TrainingTasks.keyed(i, plain.withTeacherLogits(
                            TeacherEnsemble.targets(kv._2()._2(), members[i])), dev));
                }
            }
            return out.iterator();
        });
        // With a student grid, each student's values are chosen first on inner folds of the training speakers, its
        // examples carrying the trained teachers' logits as above (ModelSelection).
        ModelSelection.Plan plan = ModelSelection.select(ctx, "student", cfg.selection().student(), candidates, jobs,
                keyed);
        jobs = plan.jobs();
        keyed = plan.examples();
        LOG.info("training {} students in parallel: {}", jobs.size(), students.stream().map(Roster.Model::name).toList());
        List<TrainingTasks.Outcome> outcomes = TrainingTasks.trainAll(jobs, keyed, ctx.hadoop(), ctx.gpus(), ctx.master(),
                ctx.layout().staging("distill"));
        TrainingTasks.writeHistory(ctx.spark(), ctx.layout().table("training_history"), outcomes);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("soft_target_rows", softRows);
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
