package io.serdistill.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded cluster jar against the jars of a Spark distribution: on a cluster both sit on one classpath (Spark's
 * first), so a class the cluster jar carries under the same name as Spark's but with other bytes is silently
 * replaced by Spark's and fails at run time ({@code NoSuchMethodError} from gson-2.2.4 of hive-exec was the case
 * that made this test). Such classes must be relocated in the shade configuration, or left out when they are
 * Spark's own version.
 *
 * <p>Runs with {@code -Dser.it.clusterJar=<pipeline-jobs-*-cluster.jar>} and {@code -Dser.it.sparkJars=<SPARK_HOME/jars>}.
 * By hand, without JUnit's runner: {@code java -cp junit-jupiter-api.jar:opentest4j.jar:apiguardian-api.jar
 * ClusterJarTest.java CLUSTER_JAR SPARK_JARS} prints the clashes and the byte-identical classes by package.
 */
class ClusterJarTest {

    /** A class both jars carry with different bytes; {@code sparkJar} is the first Spark jar that differs. */
    record Clash(String entry, Path clusterJar, Path sparkJar) {
        String packageName() {
            int slash = entry.lastIndexOf('/');
            return slash < 0 ? "" : entry.substring(0, slash).replace('/', '.');
        }

        @Override
        public String toString() {
            return entry + " differs between " + clusterJar + " and " + sparkJar;
        }
    }

    @Test
    void carriesNoClassThatSparkShipsWithOtherBytes() throws IOException {
        Path clusterJar = path("ser.it.clusterJar");
        List<Clash> clashes = clashes(clusterJar, path("ser.it.sparkJars"));
        assertTrue(clashes.isEmpty(), () -> clashes.size() + " classes of " + clusterJar
                + " are also in the Spark jars with other bytes (relocate them in pipeline-jobs/pom.xml's cluster profile):\n"
                + clashes.stream().limit(40).map(Clash::toString).collect(Collectors.joining("\n")));
    }

    @Test
    void carriesNoGson() throws IOException {
        Path clusterJar = path("ser.it.clusterJar");
        try (ZipFile jar = new ZipFile(clusterJar.toFile())) {
            List<String> gson = jar.stream().filter(e -> !e.isDirectory()).map(ZipEntry::getName)
                    .filter(name -> name.startsWith("com/google/gson/")).limit(5).toList();
            assertEquals(List.of(), gson, clusterJar + " carries gson; Spark's Hive ships gson-2.2.4, which would win");
        }
    }

    /**
     * The code paths that broke under Hive's gson (safetensors, model and folds.json round trips, stage markers,
     * reference.conf) in a JVM with the Spark jars first on the class path, as spark-submit puts them: the probe
     * source is compiled against that class path by java's source launcher. No Spark context, no ports.
     */
    @Test
    void codeThatUsedGsonRunsWithSparksJarsFirst(@TempDir Path dir) throws Exception {
        Path clusterJar = path("ser.it.clusterJar").toAbsolutePath();
        Path sparkJars = path("ser.it.sparkJars").toAbsolutePath();
        Path probe = dir.resolve("SparkClasspathProbe.java");
        try (InputStream in = ClusterJarTest.class.getResourceAsStream("SparkClasspathProbe.java")) {
            assertTrue(in != null, "SparkClasspathProbe.java is not among the test resources");
            Files.copy(in, probe);
        }
        Path log = dir.resolve("probe.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", sparkJars + File.separator + "*" + File.pathSeparator + clusterJar, probe.toString(), dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        assertTrue(finished && p.exitValue() == 0 && out.contains("probe ok"), "the probe with " + sparkJars
                + " first and then " + clusterJar + (finished ? " exited " + p.exitValue() : " timed out")
                + ":\n" + out.substring(Math.max(0, out.length() - 6000)));
    }

    /**
     * Every {@code .class} entry of {@code clusterJar} that some jar directly in {@code sparkJarsDir} also holds with
     * other bytes, by entry name. {@code module-info.class} is left out: class paths ignore it.
     */
    static List<Clash> clashes(Path clusterJar, Path sparkJarsDir) throws IOException {
        Map<String, Clash> clashes = new TreeMap<>();
        scan(clusterJar, sparkJarsDir, (entry, sparkJar, same) -> {
            if (!same) {
                clashes.putIfAbsent(entry, new Clash(entry, clusterJar, sparkJar));
            }
        });
        return new ArrayList<>(clashes.values());
    }

    /** Entries of {@code clusterJar} that a Spark jar holds byte for byte: candidates to leave out of the shade. */
    static List<String> sharedIdentical(Path clusterJar, Path sparkJarsDir) throws IOException {
        TreeSet<String> identical = new TreeSet<>();
        scan(clusterJar, sparkJarsDir, (entry, sparkJar, same) -> {
            if (same) {
                identical.add(entry);
            }
        });
        return new ArrayList<>(identical);
    }

    private interface SharedEntry {
        void found(String entry, Path sparkJar, boolean sameBytes);
    }

    /** Calls {@code sink} for each class entry of {@code clusterJar} found in a Spark jar, once per such jar. */
    private static void scan(Path clusterJar, Path sparkJarsDir, SharedEntry sink) throws IOException {
        Map<String, byte[]> ours = new HashMap<>();
        try (ZipFile jar = new ZipFile(clusterJar.toFile())) {
            for (Enumeration<? extends ZipEntry> en = jar.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (isComparedClass(e)) {
                    ours.put(e.getName(), digest(jar, e));
                }
            }
        }
        for (Path sparkJar : jarsIn(sparkJarsDir)) {
            try (ZipFile jar = new ZipFile(sparkJar.toFile())) {
                for (Enumeration<? extends ZipEntry> en = jar.entries(); en.hasMoreElements(); ) {
                    ZipEntry e = en.nextElement();
                    byte[] mine = ours.get(e.getName());
                    if (mine != null) {
                        sink.found(e.getName(), sparkJar, MessageDigest.isEqual(mine, digest(jar, e)));
                    }
                }
            }
        }
    }

    private static boolean isComparedClass(ZipEntry e) {
        String name = e.getName();
        return !e.isDirectory() && name.endsWith(".class") && !name.endsWith("module-info.class");
    }

    private static List<Path> jarsIn(Path dir) throws IOException {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.jar")) {
            s.forEach(jars::add);
        }
        if (jars.isEmpty()) {
            throw new IOException(dir + ": no jars");
        }
        jars.sort(null);
        return jars;
    }

    private static byte[] digest(ZipFile jar, ZipEntry e) throws IOException {
        try (InputStream in = jar.getInputStream(e)) {
            return MessageDigest.getInstance("SHA-256").digest(in.readAllBytes());
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static Path path(String property) {
        String value = System.getProperty(property);
        assertTrue(value != null && !value.isBlank(), "system property " + property + " is not set");
        Path p = Path.of(value);
        assertTrue(Files.exists(p), property + "=" + value + " does not exist");
        return p;
    }

    /** By hand: clashes and byte-identical classes, counted by package, then the gson entries if any. */
    public static void main(String[] args) throws IOException {
        Path clusterJar = Path.of(args[0]);
        Path sparkJars = Path.of(args[1]);
        Map<String, List<Clash>> byPackage = clashes(clusterJar, sparkJars).stream()
                .collect(Collectors.groupingBy(Clash::packageName, TreeMap::new, Collectors.toList()));
        System.out.println("differing classes by package (package, count, first Spark jar that differs):");
        byPackage.forEach((pkg, list) -> System.out.println("  " + pkg + "  " + list.size() + "  "
                + list.get(0).sparkJar().getFileName()));
        Map<String, Long> same = sharedIdentical(clusterJar, sparkJars).stream()
                .collect(Collectors.groupingBy(n -> n.substring(0, Math.max(0, n.lastIndexOf('/'))).replace('/', '.'),
                        TreeMap::new, Collectors.counting()));
        System.out.println("byte-identical classes by package (package, count):");
        same.forEach((pkg, n) -> System.out.println("  " + pkg + "  " + n));
        try (ZipFile jar = new ZipFile(clusterJar.toFile())) {
            System.out.println("com/google/gson entries: "
                    + jar.stream().filter(e -> e.getName().startsWith("com/google/gson/")).count());
        }
    }
}
