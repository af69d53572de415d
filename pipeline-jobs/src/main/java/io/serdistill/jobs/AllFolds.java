package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.data.Folds;
import io.serdistill.eval.FoldSummary;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ser.folds.all = true}: the stages run once per fold, each fold a sub-run {@code {run}/{run}-fold<k>/} with its
 * own markers (so an interrupted cross-validation resumes fold by fold), then the test metrics of every fold are
 * summarised in the paper's Table 6 layout: {@code {run}/table6/} (Parquet) and {@code {run}/report/table6.txt}.
 */
final class AllFolds {
    private static final Logger LOG = LoggerFactory.getLogger("ser.folds");

    static final StructType TABLE6 = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("metric", DataTypes.StringType, false)
            .add("mean", DataTypes.DoubleType, false)
            .add("ci_low", DataTypes.DoubleType, false)
            .add("ci_high", DataTypes.DoubleType, false)
            .add("folds", DataTypes.IntegerType, false);

    private AllFolds() {}

    /** The sub-run of fold {@code k}. */
    static SerConfig foldConfig(SerConfig cfg, RunLayout experiment, int k) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.output.root", "\"" + experiment.root() + "\"");
        o.put("ser.run.id", cfg.run().id() + "-fold" + k);
        o.put("ser.folds.fold", Integer.toString(k));
        o.put("ser.folds.all", "false");
        return cfg.with(o);
    }

    static List<StageRunner.StageTiming> run(SparkSession spark, SerConfig cfg, List<Stage> stages, boolean force)
            throws Exception {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RunLayout experiment = RunLayout.of(cfg.outputRoot(), cfg.run().id(), conf);
        List<StageRunner.StageTiming> timings = new ArrayList<>();
        int folds = Integer.MAX_VALUE;
        for (int k = 0; k < folds; k++) {
            SerConfig foldCfg = foldConfig(cfg, experiment, k);
            LOG.info("fold {}{}: run {}", k, folds == Integer.MAX_VALUE ? "" : "/" + folds, foldCfg.run().id());
            timings.addAll(StageRunner.run(spark, foldCfg, stages, force));
            if (k == 0) {
                RunLayout first = RunLayout.of(foldCfg.outputRoot(), foldCfg.run().id(), conf);
                folds = Folds.Definition.fromJson(new String(RunLayout.readBytes(first.folds(), conf),
                        StandardCharsets.UTF_8)).folds().size();
            }
        }
        if (stages.stream().anyMatch(s -> s instanceof EvaluateStage)) {
            summarise(spark, cfg, experiment, folds);
        }
        return timings;
    }

    /** Mean over folds with 95% CIs of the test UA/WA, per method and language. */
    static String summarise(SparkSession spark, SerConfig cfg, RunLayout experiment, int folds) throws Exception {
        List<FoldSummary.FoldValue> values = new ArrayList<>();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        for (int k = 0; k < folds; k++) {
            SerConfig foldCfg = foldConfig(cfg, experiment, k);
            RunLayout fold = RunLayout.of(foldCfg.outputRoot(), foldCfg.run().id(), conf);
            for (Row r : spark.read().parquet(fold.table("metrics"))
                    .filter("split = 'test' AND metric IN ('ua', 'wa') AND language <> 'all'")
                    .select("model", "method", "language", "metric", "value").collectAsList()) {
                String model = r.getString(0);
                String method = r.getString(1);
                String language = r.getString(2);
                if (ownLanguageOnly(method) && !model.endsWith("-" + language)) {
                    continue; // teachers and mono students count on their own language only
                }
                values.add(new FoldSummary.FoldValue(method, language, r.getString(3), k, r.getDouble(4)));
            }
        }
        List<FoldSummary.Cell> cells = FoldSummary.summarise(values);
        List<Row> rows = new ArrayList<>();
        for (FoldSummary.Cell c : cells) {
            rows.add(RowFactory.create(cfg.run().id(), c.method(), c.language(), c.metric(), c.interval().mean(),
                    c.interval().low(), c.interval().high(), c.interval().n()));
        }
        spark.createDataFrame(rows, TABLE6).coalesce(1).write().mode(SaveMode.Overwrite).parquet(experiment.root() + "/table6");
        String table = FoldSummary.render(cells, cfg.input().languages(), "ua", "wa");
        RunLayout.writeText(experiment.report("table6.txt"), table, conf);
        System.out.println();
        System.out.println(table);
        return table;
    }

    private static boolean ownLanguageOnly(String method) {
        return method.equals(TeachersStage.METHOD) || method.endsWith("-mono");
    }
}
