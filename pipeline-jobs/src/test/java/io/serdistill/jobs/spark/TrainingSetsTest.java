package io.serdistill.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.train.TrainingExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

class TrainingSetsTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("TrainingSetsTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<Tuple2<Integer, TrainingTasks.Tagged>> examples() {
        List<Tuple2<Integer, TrainingTasks.Tagged>> out = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            float[][] logits = i % 2 == 0 ? null : new float[][] {{i, -i, 0.5f, Float.MIN_VALUE}, {1e30f, -0f, 3, 4}};
            TrainingExample e = new TrainingExample(String.format("u%03d", i), i % 3 == 0 ? "fi" : "en",
                    i % 7 == 0 ? null : "spk" + (i % 4), i % 4, new float[] {i, i * 0.25f, Float.NaN, -1e-40f}, logits);
            out.add(new Tuple2<>(i % 3, new TrainingTasks.Tagged(e, i % 5 == 0)));
        }
        return out;
    }

    private static HadoopConf hadoop() {
        return new HadoopConf(spark.sparkContext().hadoopConfiguration());
    }

    @Test
    void everyExampleComesBackToItsModelExactly(@TempDir Path dir) throws Exception {
        List<Tuple2<Integer, TrainingTasks.Tagged>> all = examples();
        JavaPairRDD<Integer, TrainingTasks.Tagged> rdd = JavaPairRDD.fromJavaRDD(jsc.parallelize(all, 4));
        String staging = dir.resolve("staging").toUri().toString();
        Map<Integer, Long> counts = TrainingSets.write(rdd, staging, hadoop());
        assertEquals(Map.of(0, 20L, 1, 20L, 2, 20L), counts);
        for (int model = 0; model < 3; model++) {
            int m = model;
            List<TrainingTasks.Tagged> expected = all.stream().filter(t -> t._1() == m).map(Tuple2::_2)
                    .sorted(Comparator.comparing(t -> t.example().uttId())).toList();
            List<TrainingTasks.Tagged> read = new ArrayList<>(TrainingSets.read(staging, model, counts.get(model), hadoop()));
            read.sort(Comparator.comparing(t -> t.example().uttId()));
            assertEquals(expected.size(), read.size());
            for (int i = 0; i < expected.size(); i++) {
                TrainingExample a = expected.get(i).example();
                TrainingExample b = read.get(i).example();
                assertEquals(a.uttId(), b.uttId());
                assertEquals(a.language(), b.language());
                assertEquals(a.speaker(), b.speaker());
                assertEquals(a.label(), b.label());
                assertEquals(expected.get(i).dev(), read.get(i).dev());
                assertArrayEquals(a.input(), b.input());
                if (a.teacherLogits() == null) {
                    assertNull(b.teacherLogits());
                } else {
                    assertEquals(a.teacherLogits().length, b.teacherLogits().length);
                    for (int k = 0; k < a.teacherLogits().length; k++) {
                        assertArrayEquals(a.teacherLogits()[k], b.teacherLogits()[k]);
                    }
                }
            }
        }
        TrainingSets.delete(staging, hadoop());
        assertFalse(Files.exists(dir.resolve("staging")));
    }

    @Test
    void aSetThatDoesNotHoldTheReportedCountIsRefusedByName(@TempDir Path dir) throws Exception {
        String staging = dir.resolve("staging").toUri().toString();
        Map<Integer, Long> counts = TrainingSets.write(JavaPairRDD.fromJavaRDD(jsc.parallelize(examples(), 2)),
                staging, hadoop());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TrainingSets.read(staging, 1, counts.get(1) + 1, hadoop()));
        assertTrue(e.getMessage().contains("model=1") && e.getMessage().contains("holds 20"), e.getMessage());
    }

    @Test
    void rewritingReplacesWhatAnEarlierAttemptLeft(@TempDir Path dir) throws Exception {
        String staging = dir.resolve("staging").toUri().toString();
        // An earlier attempt with more input partitions left more part files than this one writes.
        TrainingSets.write(JavaPairRDD.fromJavaRDD(jsc.parallelize(examples(), 6)), staging, hadoop());
        Files.writeString(dir.resolve("staging/model=0/_tmp-part-3-99"), "half a file from a killed task");
        List<Tuple2<Integer, TrainingTasks.Tagged>> fewer = examples().subList(0, 30);
        Map<Integer, Long> counts = TrainingSets.write(JavaPairRDD.fromJavaRDD(jsc.parallelize(fewer, 2)), staging, hadoop());
        assertEquals(10L, counts.get(0));
        assertEquals(10, TrainingSets.read(staging, 0, 10, hadoop()).size());
    }

    @Test
    void aTruncatedFileIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        String staging = dir.resolve("staging").toUri().toString();
        Map<Integer, Long> counts = TrainingSets.write(JavaPairRDD.fromJavaRDD(jsc.parallelize(examples(), 1)),
                staging, hadoop());
        Path part = dir.resolve("staging/model=2/part-0");
        byte[] bytes = Files.readAllBytes(part);
        Files.write(part, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        Files.deleteIfExists(dir.resolve("staging/model=2/.part-0.crc"));
        Exception e = assertThrows(Exception.class, () -> TrainingSets.read(staging, 2, counts.get(2), hadoop()));
        assertTrue(String.valueOf(e.getMessage()).contains("part-0"), String.valueOf(e.getMessage()));
    }
}
