package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.distill.StudentPlan;
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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import static org.apache.spark.sql.functions.col;

/**
 * distill: (1) soft targets — every teacher's logits for every train/dev utterance, computed once with the teachers
 * broadcast and inference sharded over partitions, stored in soft_targets/; (2) students — one multilingual student
 * per configured method, each in its own Spark task: ft-multi (labels only, the baseline), mtkd-uniform (teachers
 * weighted equally, the KD baseline) and mtkd-language (teacher mix weighted by the utterance's language), and the
 * other methods of {@link StudentPlan}. Teachers and students are of the configured {@link ModelKind} (MLP heads,
 * or wav2vec2 fine-tuned on CNN frames).
 */
public final class DistillStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.distill");

    static final StructType SOFT_TARGETS = new StructType()
            .add("utt_id", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("teacher", DataTypes.StringType, false)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    public static void main(String[] args) {
        StageRunner.mainExit(List.of(new DistillStage()), args);
    }

    @Override
    public String name() {
        return "distill";
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        LeakageCheck.run(ctx);
        List<String> teacherLanguages = cfg.input().languages();
        List<ModelStore.Entry> entries = teacherLanguages.stream().map(l -> new ModelStore.Entry(
                TeachersStage.modelName(l), TeachersStage.METHOD, ctx.layout().teacherModel(l))).toList();
        ModelKind kind = ctx.modelKind();
        ModelStore teachers = ModelStore.load(entries, kind, ctx.hadoop());
        Broadcast<ModelStore> teachersB = ctx.spark().sparkContext().broadcast(teachers,
                scala.reflect.ClassTag$.MODULE$.apply(ModelStore.class));

        Dataset<Row> features = FeatureRows.select(ctx.spark().read().parquet(ctx.featuresPath())
                .filter(col("split").isin("train", "dev")), ctx.inputColumn());
        JavaRDD<Row> soft = features.javaRDD().mapPartitions(rows -> teachersB.value().score(rows, (teacher, r, logits) ->
                RowFactory.create(r.getString(0), r.getString(1), FeatureRows.split(r), teacher, logits)));
        ctx.spark().createDataFrame(soft, SOFT_TARGETS).write().mode(SaveMode.Overwrite).parquet(ctx.layout().softTargets());
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
                .mapToPair(r -> new Tuple2<>(r.getString(0), new Tuple2<>(FeatureRows.example(r), "dev".equals(FeatureRows.split(r)))));

        List<String> teacherLangs = List.copyOf(teacherLanguages);
        List<StudentPlan.Student> students = plan(cfg);
        int inputLayers = ctx.inputLayers();
        List<TrainingTasks.Job> jobs = new ArrayList<>();
        for (StudentPlan.Student st : students) {
            // Same seed for every student: the methods differ only in their data and targets.
            long seed = cfg.run().seed() + 7;
            TrainingOptions opts = st.distills()
                    ? cfg.student().distillation(st.alpha(), cfg.distill().temperature(), st.weighting(), teacherLangs,
                            seed)
                    : cfg.student().fineTuning(seed);
            opts = opts.withInputLayers(inputLayers);
            jobs.add(new TrainingTasks.Job(st.model(), st.method(), ctx.layout().studentModel(st.model()), kind, opts,
                    Provenance.of(cfg, "student " + st.model() + " over teachers " + teacherLanguages)));
        }
        List<String> studentLanguages = students.stream().map(StudentPlan.Student::language).toList();
        JavaPairRDD<Integer, TrainingTasks.Tagged> keyed = examples.join(logitsByUtt).flatMapToPair(kv -> {
            TrainingExample e = kv._2()._1()._1().withTeacherLogits(kv._2()._2());
            boolean dev = kv._2()._1()._2();
            List<Tuple2<Integer, TrainingTasks.Tagged>> out = new ArrayList<>();
            for (int i = 0; i < studentLanguages.size(); i++) {
                String only = studentLanguages.get(i);
                if (only == null || only.equals(e.language())) {
                    out.add(TrainingTasks.keyed(i, e, dev));
                }
            }
            return out.iterator();
        });
        LOG.info("training {} students in parallel: {}", jobs.size(), students.stream().map(StudentPlan.Student::model).toList());
        List<TrainingTasks.Outcome> outcomes = TrainingTasks.trainAll(jobs, keyed, ctx.hadoop(), ctx.gpus(), ctx.master(),
                ctx.layout().staging("distill"));
        TrainingTasks.writeHistory(ctx.spark(), ctx.layout(), outcomes);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("soft_target_rows", softRows);
        for (TrainingTasks.Outcome o : outcomes) {
            counts.put(o.model(), Map.of("train", o.trainCount(), "dev", o.devCount(), "best_epoch", o.bestEpoch(),
                    "seconds", Math.round(o.seconds() * 10) / 10.0));
        }
        return counts;
    }

    /** The students the configured methods call for. */
    static List<StudentPlan.Student> plan(SerConfig cfg) {
        return StudentPlan.plan(cfg.distill().methods(), cfg.input().languages(), cfg.distill().alpha(),
                cfg.distill().singleTeacherAlpha(), cfg.distill().beta());
    }

}
