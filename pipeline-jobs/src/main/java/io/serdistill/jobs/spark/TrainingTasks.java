package io.serdistill.jobs.spark;

import io.serdistill.config.SerConfig;

import io.serdistill.jobs.fs.HadoopCheckpointStore;
import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.train.EpochRecord;
import io.serdistill.train.ModelKind;
import io.serdistill.train.TrainedModel;
import io.serdistill.train.TrainingExample;
import io.serdistill.train.TrainingOptions;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Trains several independent models in parallel, one Spark task each: the examples of model i are keyed by i and
 * staged on the run's FileSystem ({@link TrainingSets}); task i reads them back, trains, writes the model to the run's
 * FileSystem with its completion record ({@link CompletedTraining}: a model that finished before a crash is kept
 * when the stage runs again) and returns its history.
 */
public final class TrainingTasks {
    private static final Logger LOG = LoggerFactory.getLogger("ser.train");

    /** One model to train: what it is, where it goes and how. */
    public record Job(String model, String method, String modelUri, ModelKind kind, TrainingOptions options,
               Map<String, String> provenance) implements Serializable {}

    /** An example tagged with its role in training. */
    public record Tagged(TrainingExample example, boolean dev) implements Serializable {}

    /** What came back from a task. */
    public record Outcome(String model, String method, int trainCount, int devCount, int bestEpoch, double seconds,
                   List<EpochRecord> history) implements Serializable {}

    public static final StructType HISTORY = new StructType()
            .add("model", DataTypes.StringType, false)
            .add("method", DataTypes.StringType, false)
            .add("epoch", DataTypes.IntegerType, false)
            .add("train_loss", DataTypes.DoubleType, false)
            .add("dev_loss", DataTypes.DoubleType, true)
            .add("dev_ua", DataTypes.DoubleType, true)
            .add("dev_wa", DataTypes.DoubleType, true)
            .add("learning_rate", DataTypes.DoubleType, false)
            .add("seconds", DataTypes.DoubleType, false)
            .add("best", DataTypes.BooleanType, false);

    private TrainingTasks() {}

    /**
     * Trains jobs.get(i) on the examples keyed i; returns outcomes in job order.
     *
     * <p>Two Spark jobs, with no shuffle between them. The first (default resources) writes each model's examples to
     * {@code stagingDir/model=i/part-p} on the run's FileSystem, one file per input partition and model, and returns
     * how many it wrote. The second runs one task per model, under the GPU ResourceProfile when GPUs are asked for,
     * and each task reads its set back from the FileSystem. A shuffle would pin its map outputs (and so the
     * executors holding them) until the training job ended, and on a cluster whose default executors hold every
     * core or GPU the training executors could then never start: reading from the FileSystem lets dynamic
     * allocation release the default executors first.
     */
    public static List<Outcome> trainAll(List<Job> jobs, JavaPairRDD<Integer, Tagged> examples, HadoopConf hadoop,
                                  SerConfig.Resources gpus, String master, String stagingDir) throws IOException {
        Map<Integer, Long> expected = TrainingSets.write(examples, stagingDir, hadoop);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(examples.context());
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            indices.add(i);
        }
        JavaRDD<Outcome> training = jsc.parallelize(indices, jobs.size())
                .mapPartitions(it -> {
                    int index = it.next();
                    GpuBinding.bindCurrentTask(jobs.get(index).model());
                    List<Tagged> set = TrainingSets.read(stagingDir, index, expected.getOrDefault(index, 0L), hadoop);
                    List<List<TrainingExample>> sets = trainAndDev(set.iterator());
                    return List.of(trainOne(jobs.get(index), sets.get(0), sets.get(1), hadoop)).iterator();
                }, true);
        training.setName("train " + jobs.stream().map(Job::model).toList());
        List<Outcome> outcomes = new ArrayList<>(GpuBinding.withGpus(training, gpus, master).collect());
        outcomes.sort(java.util.Comparator.comparingInt(o -> indexOf(jobs, o.model())));
        TrainingSets.delete(stagingDir, hadoop);
        return outcomes;
    }

    /**
     * A task's examples split into train and dev, each ordered by utterance id: the order they arrive in follows the
     * features table's file layout and the shuffle's fetch order, which change with the number of cores and
     * partitions; training (seeded shuffles, minibatches) must not, so the same seed gives the same model anywhere.
     */
    static List<List<TrainingExample>> trainAndDev(java.util.Iterator<Tagged> it) {
        List<TrainingExample> train = new ArrayList<>();
        List<TrainingExample> dev = new ArrayList<>();
        while (it.hasNext()) {
            Tagged t = it.next();
            (t.dev() ? dev : train).add(t.example());
        }
        java.util.Comparator<TrainingExample> byId = java.util.Comparator.comparing(TrainingExample::uttId);
        train.sort(byId);
        dev.sort(byId);
        return List.of(train, dev);
    }

    private static int indexOf(List<Job> jobs, String model) {
        for (int i = 0; i < jobs.size(); i++) {
            if (jobs.get(i).model().equals(model)) {
                return i;
            }
        }
        return -1;
    }

    static Outcome trainOne(Job job, List<TrainingExample> train, List<TrainingExample> dev, HadoopConf hadoop)
            throws IOException {
        if (train.isEmpty()) {
            throw new IllegalStateException(job.model() + ": no training utterances");
        }
        StdoutFilter.install();
        String completionKey = CompletedTraining.key(job, train, dev);
        java.util.Optional<Outcome> done = CompletedTraining.read(job, completionKey, hadoop.get());
        if (done.isPresent()) {
            LOG.info("{}: already trained on these examples with these options ({}); kept, not trained again",
                    job.model(), CompletedTraining.uri(job.modelUri()));
            return done.get();
        }
        long t0 = System.nanoTime();
        LOG.info("{}: training on {} utterances, selecting on {} dev utterances", job.model(), train.size(), dev.size());
        String modelDir = job.modelUri().substring(0, job.modelUri().lastIndexOf('/'));
        HadoopCheckpointStore checkpoints = new HadoopCheckpointStore(modelDir + "/checkpoints", hadoop.get());
        TrainedModel<?> trained = job.kind().train(train, dev, job.options(), checkpoints, e -> {
            if (e.epoch() == 1 || e.epoch() % 10 == 0) {
                LOG.info("{}: epoch {}/{} loss {} dev UA {} WA {} ({} s; ETA {})", job.model(), e.epoch(),
                        job.options().optimisation().rounds(), String.format("%.4f", e.trainLoss()), String.format("%.3f", e.devUa()),
                        String.format("%.3f", e.devWa()), String.format("%.2f", e.seconds()),
                        Eta.of(e.epoch(), job.options().optimisation().rounds(), (System.nanoTime() - t0) / 1e9));
            }
        });
        Map<String, String> provenance = new LinkedHashMap<>(job.provenance());
        provenance.put("ser.model", job.model());
        provenance.put("ser.method", job.method());
        provenance.put("ser.train_utterances", Integer.toString(train.size()));
        provenance.put("ser.best_epoch", Integer.toString(trained.bestEpoch()));
        provenance.putAll(trained.metadata());
        HadoopFiles.writeBytes(job.modelUri(), trained.model().toSafeTensors(provenance), hadoop.get());
        double seconds = (System.nanoTime() - t0) / 1e9;
        Outcome outcome = new Outcome(job.model(), job.method(), train.size(), dev.size(), trained.bestEpoch(), seconds,
                trained.history());
        CompletedTraining.write(job, completionKey, outcome, hadoop.get());
        checkpoints.clear();
        LOG.info("{}: done in {} s, best epoch {} of {}", job.model(), String.format("%.1f", seconds),
                trained.bestEpoch(), trained.history().size());
        return outcome;
    }

    /**
     * Deletes the completion records of these models ({@link CompletedTraining}), so that they train again even when
     * nothing they read changed: what --force asks for.
     */
    public static void forgetCompleted(List<String> modelUris, HadoopConf hadoop) throws IOException {
        CompletedTraining.forget(modelUris, hadoop.get());
    }

    /** Overwrites each model's partition of the training history table ({@code historyTable}/model=…/). */
    public static void writeHistory(SparkSession spark, String historyTable, List<Outcome> outcomes) {
        for (Outcome o : outcomes) {
            List<Row> rows = new ArrayList<>();
            for (EpochRecord e : o.history()) {
                rows.add(RowFactory.create(o.model(), o.method(), e.epoch(), e.trainLoss(), nullIfNaN(e.devLoss()),
                        nullIfNaN(e.devUa()), nullIfNaN(e.devWa()), e.learningRate(), e.seconds(), e.epoch() == o.bestEpoch()));
            }
            spark.createDataFrame(rows, HISTORY).drop("model").coalesce(1).write()
                    .mode(org.apache.spark.sql.SaveMode.Overwrite)
                    .parquet(historyTable + "/model=" + o.model());
        }
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    public static Tuple2<Integer, Tagged> keyed(int index, TrainingExample e, boolean dev) {
        return new Tuple2<>(index, new Tagged(e, dev));
    }
}
