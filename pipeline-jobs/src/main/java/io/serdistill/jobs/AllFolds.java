package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.data.Folds;
import io.serdistill.eval.FoldSummary;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.report.FoldsReport;
import io.serdistill.jobs.run.Roster;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.jobs.run.Stage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * own markers (so an interrupted cross-validation resumes fold by fold), the folds concurrently
 * ({@code ser.folds.parallelism}), then the test metrics of every fold are
 * summarised in the paper's Table 6 layout: {@code {run}/table6/} (Parquet) and {@code {run}/report/table6.txt}, and
 * on the run's first screen, {@code {run}/report/index.html} ({@link FoldsReport}: intervals and verdicts over folds).
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
            .add("folds", DataTypes.IntegerType, false)
            .add("seeds", DataTypes.IntegerType, false);

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

    /** Runs stages in one sub-run (a fold's config), with markers; the runner of a single run. */
    @FunctionalInterface
    interface SubRun {
        List<StageRunner.StageTiming> run(SerConfig foldConfig, List<Stage> stages) throws Exception;
    }

    /**
     * Runs {@code stages} in every fold's sub-run through {@code subRun}: the stage that defines the folds first in
     * fold 0 alone (see {@link Stage.FoldRole}), then the folds concurrently; summarises the folds when a stage
     * writes the metrics to summarise.
     */
    static List<StageRunner.StageTiming> run(SparkSession spark, SerConfig cfg, List<Stage> stages, SubRun subRun)
            throws Exception {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        RunLayout experiment = RunLayout.of(cfg.outputRoot(), cfg.run().id(), conf);
        List<StageRunner.StageTiming> timings = new ArrayList<>();
        // Fold 0's manifest stage defines every fold (folds.json); the folds then run concurrently, each as its own
        // Spark jobs from a driver thread, so the teachers of every (language, fold) train in parallel.
        SerConfig first = foldConfig(cfg, experiment, 0);
        List<Stage> rest = stages;
        if (stages.get(0).foldRole() == Stage.FoldRole.DEFINES_FOLDS) {
            timings.addAll(subRun.run(first, stages.subList(0, 1)));
            rest = stages.subList(1, stages.size());
        }
        RunLayout firstLayout = RunLayout.of(first.outputRoot(), first.run().id(), conf);
        int folds = Folds.Definition.fromJson(new String(HadoopFiles.readBytes(firstLayout.folds(), conf),
                StandardCharsets.UTF_8)).folds().size();
        int threads = cfg.folds().parallelism() == 0 ? folds : Math.min(folds, cfg.folds().parallelism());
        LOG.info("{} folds of {}, {} at a time: runs {}-fold0 … {}-fold{}", folds, cfg.folds().scheme().label(), threads,
                cfg.run().id(), cfg.run().id(), folds - 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<StageRunner.StageTiming>>> running = new ArrayList<>();
            for (int k = 0; k < folds; k++) {
                SerConfig foldCfg = foldConfig(cfg, experiment, k);
                List<Stage> foldStages = k == 0 ? rest : stages;
                running.add(pool.submit(() -> subRun.run(foldCfg, foldStages)));
            }
            for (int k = 0; k < folds; k++) {
                try {
                    timings.addAll(running.get(k).get());
                } catch (ExecutionException e) {
                    running.forEach(f -> f.cancel(true));
                    throw new IllegalStateException("fold " + k + " failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (stages.stream().anyMatch(s -> s.foldRole() == Stage.FoldRole.SUMMARISED_OVER_FOLDS)) {
            summarise(spark, cfg, experiment, folds);
        }
        return timings;
    }

    /**
     * Mean over folds with 95% CIs of the test UA/WA, per method and language; with ser.run.seeds = N, over every
     * (fold, seed) value of the method: folds × N values (the references, which train once, folds values).
     */
    static String summarise(SparkSession spark, SerConfig cfg, RunLayout experiment, int folds) throws Exception {
        List<FoldSummary.FoldValue> values = new ArrayList<>();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        for (int k = 0; k < folds; k++) {
            SerConfig foldCfg = foldConfig(cfg, experiment, k);
            RunLayout fold = RunLayout.of(foldCfg.outputRoot(), foldCfg.run().id(), conf);
            Roster roster = Roster.of(foldCfg, fold);
            org.apache.spark.sql.Dataset<Row> metrics = spark.read().parquet(fold.table("metrics"));
            boolean seeded = List.of(metrics.columns()).contains("seed");
            for (Row r : metrics
                    .filter("split = 'test' AND metric IN ('ua', 'wa') AND language <> 'all'")
                    .selectExpr("model", "method", "language", "metric", "value", seeded ? "seed" : "1 AS seed")
                    .collectAsList()) {
                String model = r.getAs("model");
                String method = r.getAs("method");
                String language = r.getAs("language");
                boolean elsewhere = roster.named(model).filter(m -> m.ownLanguageOnly() && !m.language().equals(language))
                        .isPresent();
                if (elsewhere) {
                    continue; // teachers and mono students count on their own language only
                }
                values.add(new FoldSummary.FoldValue(method, language, r.getAs("metric"), k, r.<Integer>getAs("seed"),
                        r.<Double>getAs("value")));
            }
        }
        List<FoldSummary.Cell> cells = FoldSummary.summarise(values);
        List<Row> rows = new ArrayList<>();
        for (FoldSummary.Cell c : cells) {
            rows.add(RowFactory.create(cfg.run().id(), c.method(), c.language(), c.metric(), c.interval().mean(),
                    c.interval().low(), c.interval().high(), c.folds(), c.seeds()));
        }
        spark.createDataFrame(rows, TABLE6).coalesce(1).write().mode(SaveMode.Overwrite).parquet(experiment.root() + "/table6");
        String table = FoldSummary.render(cells, cfg.input().languages(), "ua", "wa");
        HadoopFiles.writeText(experiment.report("table6.txt"), table, conf);
        FoldsReport.write(experiment, cfg.run().id(), cfg.input().languages(), values, conf);
        System.out.println();
        System.out.println(table);
        return table;
    }
}
