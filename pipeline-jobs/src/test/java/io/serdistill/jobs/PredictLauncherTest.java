package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.json.Json;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit/ser predict} through bash, as a user runs it after {@code mvn package}: the first call of a build
 * leaves a class-data-sharing archive, later calls start from it, and the archive never changes what is printed.
 * The build is laid out in a temporary copy of the project root (the launcher finds everything relative to itself):
 * target/classes (a copy of the compiled classes), the pipeline-core jar made from them, and its class path.
 */
class PredictLauncherTest {
    @TempDir
    static Path root;
    static Path runDir;
    static List<Path> wavs;

    @BeforeAll
    static void layOutABuild() throws Exception {
        DemoRun run = DemoRun.get();
        runDir = Path.of(java.net.URI.create(run.runDir(DemoRun.RUN_ID)));
        try (Stream<Path> files = Files.walk(run.dir.resolve("corpus/wav"))) {
            wavs = files.filter(p -> p.toString().endsWith(".wav")).sorted().limit(3).toList();
        }
        Files.createDirectories(root.resolve("submit"));
        Files.copy(Launcher.repoRoot().resolve("submit/ser"), root.resolve("submit/ser"));
        Path target = Files.createDirectories(root.resolve("pipeline-core/target/classes"));
        // pipeline-core's classes as this test sees them: target/classes, or its jar when Maven ran the package phase.
        Path built = Path.of(io.serdistill.predict.PredictCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> jars = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith(".jar") && !Path.of(entry).equals(built)) {
                jars.add(entry);
            }
        }
        Files.writeString(target.getParent().resolve("classpath.txt"), String.join(":", jars));
        java.nio.file.attribute.FileTime compiled = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 60_000);
        try (FileSystem jarFs = Files.isDirectory(built) ? null : FileSystems.newFileSystem(built)) {
            Path classes = jarFs == null ? built : jarFs.getPath("/");
            try (Stream<Path> walk = Files.walk(classes)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) {
                    Path copy = target.resolve(classes.relativize(p).toString());
                    Files.createDirectories(copy.getParent());
                    Files.copy(p, copy);
                    Files.setLastModifiedTime(copy, compiled);
                }
            }
        }
        jar(target, target.getParent().resolve("pipeline-core-0.1.0-SNAPSHOT.jar"));
    }

    @Test
    void theFirstPredictLeavesAnArchiveThatLaterOnesUseWithTheSameOutput() throws Exception {
        Path archives = root.resolve("pipeline-core/target/predict-cds");
        Launcher.Result first = predict("1", "");
        assertEquals(0, first.exitCode(), first.stderr());
        String[] archived;
        try (Stream<Path> files = Files.list(archives)) {
            archived = files.map(p -> p.getFileName().toString()).toArray(String[]::new);
        }
        assertEquals(1, archived.length, Arrays.toString(archived));
        assertTrue(archived[0].endsWith(".jsa"), "no temporary file is left: " + archived[0]);
        // -Xshare:on: the JVM refuses to start unless it maps the archive, so this call proves it is used.
        Launcher.Result second = predict("1", "-Xshare:on");
        Launcher.Result without = predict("0", "");
        assertEquals(0, second.exitCode(), second.stderr());
        assertEquals(0, without.exitCode(), without.stderr());
        // Only JSON lines on stdout: the JVM's CDS messages must not reach it.
        List<String> lines = first.stdout().lines().toList();
        assertEquals(wavs.size(), lines.size(), first.stdout());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(wavs.get(i).toString(), Json.object(lines.get(i)).path("path").asText());
        }
        assertEquals(first.stdout(), second.stdout());
        assertEquals(first.stdout(), without.stdout());
        try (Stream<Path> files = Files.list(archives)) {
            assertEquals(1, files.count(), "a later call makes no second archive");
        }
    }

    private static Launcher.Result predict(String cds, String javaOpts) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit/ser").toString(), "predict", "--model",
                runDir.toString(), "--json"));
        wavs.forEach(w -> cmd.add(w.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SER_"));
        pb.environment().put("SER_PREDICT_CDS", cds);
        pb.environment().put("SER_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        // stderr is small; read stdout first, then stderr.
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        return new Launcher.Result(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
                Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace(File.separatorChar, '/')));
                Files.copy(p, out);
                out.closeEntry();
            }
        }
        // The jar is newer than every class in target/classes, as after `mvn package`.
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
    }
}
