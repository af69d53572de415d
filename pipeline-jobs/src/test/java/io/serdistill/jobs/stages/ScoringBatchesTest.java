package io.serdistill.jobs.stages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import io.serdistill.train.ModelKind;
import io.serdistill.train.PooledClassifierKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Teacher logits (soft targets, predictions) must be the same bits however the features were partitioned when read:
 * a cluster with other cores splits the same files otherwise, and KD students trained by L-BFGS on soft targets
 * 1 ulp apart end as other models.
 */
class ScoringBatchesTest {
    private static final int ROWS = 300;
    private static final int DIM = 160;
    private static final StructType FEATURES = new StructType()
            .add("utt_id", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("speaker", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("split", DataTypes.StringType, false)
            .add("pooled", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    static SparkSession spark;
    static ModelStore store;
    static List<Row> rows;
    static List<float[]> inputs;

    @BeforeAll
    static void setUp() {
        spark = SparkSession.builder().master("local[2]").appName("ScoringBatchesTest")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "3").getOrCreate();
        SplittableRandom rng = new SplittableRandom(11);
        float[] mean = new float[DIM];
        float[] std = new float[DIM];
        Arrays.fill(std, 1f);
        MlpClassifier teacher = MlpClassifier.initialise(new ClassifierSpec(DIM, List.of(256), 4), mean, std, 5);
        ModelKind kind = new PooledClassifierKind(List.of(256), 1);
        store = new ModelStore(Map.of("teacher-en", kind), Map.of("teacher-en", "teacher"),
                Map.of("teacher-en", "unused:/teacher-en"), Map.of("teacher-en", teacher.toSafeTensors(Map.of())),
                new HadoopConf(new org.apache.hadoop.conf.Configuration()));
        rows = new ArrayList<>();
        inputs = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            Float[] x = new Float[DIM];
            float[] input = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                input[j] = (float) (rng.nextDouble() * 4 - 2);
                x[j] = input[j];
            }
            inputs.add(input);
            rows.add(RowFactory.create(String.format("en_u%04d", (i * 37) % ROWS), "en", "s" + i % 5, i % 4,
                    i % 6 == 0 ? "dev" : "train", Arrays.asList(x)));
        }
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    /** utt_id -> logits, scored by {@link ModelStore#scoreAll} from {@code features}. */
    private static Map<String, float[]> scoreAll(Dataset<Row> features) {
        Broadcast<ModelStore> b = spark.sparkContext().broadcast(store,
                scala.reflect.ClassTag$.MODULE$.apply(ModelStore.class));
        Map<String, float[]> out = new TreeMap<>();
        for (Row r : ModelStore.scoreAll(b, features, (model, row, logits) -> RowFactory.create(FeatureRows.uttId(row),
                logits)).collect()) {
            out.put(r.getString(0), (float[]) r.get(1));
        }
        b.destroy();
        return out;
    }

    private static Dataset<Row> features(int partitions) {
        return spark.createDataFrame(rows, FEATURES).repartition(partitions);
    }

    @Test
    void logitsAreTheSameBitsWhateverTheInputPartitioning() throws Exception {
        // The premise: scored in other batches, the same model gives some rows other bits (else this test could
        // not tell a partition-dependent scoring from this one).
        float[][] whole = store.instantiate("teacher-en").logits(inputs);
        float[][] quarters = new float[ROWS][];
        for (int from = 0; from < ROWS; from += ROWS / 4) {
            float[][] part = store.instantiate("teacher-en").logits(inputs.subList(from, from + ROWS / 4));
            System.arraycopy(part, 0, quarters, from, part.length);
        }
        boolean batchDependent = false;
        for (int i = 0; i < ROWS; i++) {
            batchDependent |= !Arrays.equals(whole[i], quarters[i]);
        }
        assertTrue(batchDependent, "one batch and four batches gave every row the same logits");

        Map<String, float[]> reference = scoreAll(features(1));
        assertEquals(ROWS, reference.size());
        for (int partitions : new int[] {2, 4, 7}) {
            Map<String, float[]> other = scoreAll(features(partitions));
            assertEquals(reference.keySet(), other.keySet());
            for (Map.Entry<String, float[]> e : reference.entrySet()) {
                assertArrayEquals(e.getValue(), other.get(e.getKey()), e.getKey() + "'s logits, features read in "
                        + partitions + " partitions vs 1");
            }
        }
    }
}
