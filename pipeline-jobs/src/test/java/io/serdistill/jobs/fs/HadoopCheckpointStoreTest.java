package io.serdistill.jobs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.MlpClassifier;
import io.serdistill.train.CheckpointPolicy;
import io.serdistill.train.EpochRecord;
import io.serdistill.train.LearningRateSchedule;
import io.serdistill.train.MlpTrainer;
import io.serdistill.train.TrainedModel;
import io.serdistill.train.TrainingExample;
import io.serdistill.train.Objective;
import io.serdistill.train.Optimisation;
import io.serdistill.train.TrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopCheckpointStoreTest {
    private static final List<Integer> HIDDEN = List.of(16);

    @TempDir
    Path tmp;

    @Test
    void keepsTheLatestTwoAndReturnsTheNewest() throws Exception {
        HadoopCheckpointStore store = new HadoopCheckpointStore(tmp.resolve("ckpt").toUri().toString(), new Configuration());
        assertTrue(store.latest().isEmpty());
        for (int epoch = 1; epoch <= 4; epoch++) {
            store.save(epoch, new byte[] {(byte) epoch});
        }
        assertArrayEquals(new byte[] {4}, store.latest().orElseThrow());
        try (var files = Files.list(tmp.resolve("ckpt"))) {
            assertEquals(List.of("epoch-0003.safetensors", "epoch-0004.safetensors"),
                    files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList());
        }
        store.clear();
        assertTrue(store.latest().isEmpty());
    }

    @Test
    void aHalfWrittenTemporaryFileIsIgnored() throws Exception {
        HadoopCheckpointStore store = new HadoopCheckpointStore(tmp.resolve("c2").toUri().toString(), new Configuration());
        store.save(1, new byte[] {1});
        // What a crash during the write of epoch 2 leaves behind: the temporary, never renamed.
        Files.write(tmp.resolve("c2/.epoch-0002.safetensors.tmp"), new byte[] {9, 9});
        assertArrayEquals(new byte[] {1}, store.latest().orElseThrow());
    }

    /**
     * A training task killed in epoch 5 and retried as a new task, with checkpoints every second epoch written in the
     * background to HDFS: the retry says it resumes (the line a cluster test greps executor logs for) and ends with
     * the weights and history of a run never interrupted.
     */
    @Test
    void aRetriedTaskResumesFromHdfsAndEndsAsAnUninterruptedOne() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        List<String> lines = new CopyOnWriteArrayList<>();
        AbstractAppender capture = captureTrainLog(lines);
        try {
            dfs.waitActive();
            String dir = dfs.getFileSystem().getUri() + "/runs/r/teachers/en/checkpoints";
            List<TrainingExample> train = clusters(12, 1);
            List<TrainingExample> dev = clusters(4, 2);
            TrainingOptions opts = new TrainingOptions(new Optimisation(7, 8, 0.01, 1e-4, 0, LearningRateSchedule.Shape.COSINE, 0.1, 5.0, false),
                    Objective.labels(), 5, new CheckpointPolicy(2, 0));
            TrainedModel<MlpClassifier> straight = MlpTrainer.train(train, dev, HIDDEN, 1, opts, e -> {});

            RuntimeException crash = assertThrows(RuntimeException.class, () -> MlpTrainer.train(train, dev,
                    HIDDEN, 1, opts, new HadoopCheckpointStore(dir, conf), e -> {
                        if (e.epoch() == 5) {
                            throw new RuntimeException("executor lost");
                        }
                    }));
            assertEquals("executor lost", crash.getMessage());
            FileSystem fs = dfs.getFileSystem();
            assertEquals(List.of("epoch-0002.safetensors", "epoch-0004.safetensors"),
                    Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(dir))).map(FileStatus::getPath)
                            .map(org.apache.hadoop.fs.Path::getName).sorted().toList());
            assertTrue(lines.stream().noneMatch(l -> l.contains("resuming")), "a first attempt starts afresh");

            List<Integer> epochs = new ArrayList<>();
            TrainedModel<MlpClassifier> resumed = MlpTrainer.train(train, dev, HIDDEN, 1, opts, new HadoopCheckpointStore(dir, conf),
                    e -> epochs.add(e.epoch()));
            assertEquals(List.of(5, 6, 7), epochs);
            assertEquals(List.of("resuming from checkpoint epoch 4 of 7 in " + dir),
                    lines.stream().filter(l -> l.contains("resuming from checkpoint")).toList());
            assertEquals(straight.bestEpoch(), resumed.bestEpoch());
            assertEquals(withoutTimes(straight.history()), withoutTimes(resumed.history()));
            Map<String, float[]> a = straight.model().weights();
            Map<String, float[]> b = resumed.model().weights();
            assertEquals(a.keySet(), b.keySet());
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k), b.get(k), k);
            }
        } finally {
            releaseTrainLog(capture);
            dfs.shutdown();
        }
    }

    /** Four Gaussian clusters in 6 dimensions; class c is shifted along axis c. */
    private static List<TrainingExample> clusters(int perClass, long seed) {
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < perClass; i++) {
                float[] x = new float[6];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) (r.nextGaussian() + (j == c ? 2.5 : 0));
                }
                out.add(new TrainingExample("u" + seed + "_" + c + "_" + i, "en", "s", c, x, null));
            }
        }
        return out;
    }

    private static List<EpochRecord> withoutTimes(List<EpochRecord> history) {
        return history.stream().map(e -> new EpochRecord(e.epoch(), e.trainLoss(), e.devLoss(), e.devUa(), e.devWa(),
                e.learningRate(), 0)).toList();
    }

    /** Collects the messages logged at INFO and above on logger "ser.train" (log4j2, Spark's logging backend). */
    private static AbstractAppender captureTrainLog(List<String> lines) {
        AbstractAppender appender = new AbstractAppender("ser-train-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        LoggerContext ctx = LoggerContext.getContext(false);
        LoggerConfig logger = new LoggerConfig("ser.train", Level.INFO, true);
        logger.addAppender(appender, Level.INFO, null);
        ctx.getConfiguration().addLogger("ser.train", logger);
        ctx.updateLoggers();
        return appender;
    }

    private static void releaseTrainLog(AbstractAppender appender) {
        LoggerContext ctx = LoggerContext.getContext(false);
        ctx.getConfiguration().removeLogger("ser.train");
        ctx.updateLoggers();
        appender.stop();
    }
}
