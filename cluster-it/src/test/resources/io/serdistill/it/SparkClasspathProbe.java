import io.serdistill.config.SerConfig;
import io.serdistill.data.Folds;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.SafeTensors;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Run by ClusterJarTest in a JVM whose class path is a Spark distribution's jars first, then the cluster jar, as on
 * a cluster (java's source launcher compiles it against that class path). It goes through the code that broke when
 * Hive's gson-2.2.4 shadowed the jar's gson: safetensors and model round trips, folds.json, the stage marker write
 * and read, and the reference.conf defaults. Prints "probe ok" or fails with the first error.
 */
public class SparkClasspathProbe {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("ser.model", "probe <&='>");
        SafeTensors st = new SafeTensors(Map.of("w", new SafeTensors.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})), meta);
        SafeTensors back = SafeTensors.parse(st.toBytes(), "probe.safetensors");
        check(back.metadata().equals(meta) && Arrays.equals(back.require("w").values(), new float[] {1, 2, 3, 4, 5, 6})
                && Arrays.equals(back.require("w").shape(), new long[] {2, 3}), "safetensors round trip");

        ClassifierSpec spec = new ClassifierSpec(4, List.of(3), 4, 1);
        MlpClassifier model = MlpClassifier.initialise(spec, new float[4], new float[] {1, 1, 1, 1}, 7);
        MlpClassifier loaded = MlpClassifier.fromSafeTensors(model.toSafeTensors(Map.of()), "probe model");
        List<float[]> x = List.of(new float[] {0.5f, -1, 2, 0});
        check(loaded.spec().equals(spec) && Arrays.equals(loaded.logits(x)[0], model.logits(x)[0]), "classifier round trip");

        Folds.Definition folds = new Folds.Definition("given", 42, 1, 0,
                List.of(new Folds.Fold(0, List.of("s1"), List.of("s2"), List.of("s3", "s4"))));
        check(Folds.Definition.fromJson(folds.toJson()).equals(folds), "folds.json round trip");

        SerConfig config = SerConfig.defaults(); // reference.conf, through the jar's Typesafe Config
        // The marker code is package-private: reached by reflection, as the stage runner calls it.
        Class<?> runner = Class.forName("io.serdistill.jobs.StageRunner");
        Class<?> inputsType = Class.forName("io.serdistill.jobs.run.StageInputs");
        java.lang.reflect.Constructor<?> inputsOf = inputsType.getDeclaredConstructor(String.class, Map.class, Map.class);
        inputsOf.setAccessible(true);
        Object inputs = inputsOf.newInstance(config.hash(), Map.of("manifest_sha256", "abc"), Map.of("manifest", "0123"));
        Object otherInputs = inputsOf.newInstance("another-hash", Map.of("manifest_sha256", "abc"), Map.of("manifest", "0123"));
        Method write = runner.getDeclaredMethod("writeMarker", String.class, String.class, SerConfig.class, inputsType,
                Instant.class, double.class, Map.class, Configuration.class);
        Method changed = runner.getDeclaredMethod("changedSince", String.class, inputsType, Configuration.class);
        write.setAccessible(true);
        changed.setAccessible(true);
        String marker = dir.resolve("stages/extract.json").toUri().toString();
        Configuration conf = new Configuration();
        write.invoke(null, marker, "extract", config, inputs, Instant.now(), 1.5,
                Map.of("rows", 3L, "by_reason", Map.of("short", 1)), conf);
        check(((java.util.Optional<?>) changed.invoke(null, marker, inputs, conf)).isEmpty(), "stage marker read back");
        check(((java.util.Optional<?>) changed.invoke(null, marker, otherInputs, conf)).isPresent(),
                "stage marker of another config");
        System.out.println(Files.readString(dir.resolve("stages/extract.json")));
        System.out.println("probe ok");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what + " failed");
        }
        System.out.println(what + ": ok");
    }
}
