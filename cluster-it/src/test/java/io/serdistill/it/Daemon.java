package io.serdistill.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * A process the test started (a daemon or a launcher run), its output going to a log file. Closing it kills the
 * process and everything it started (executor and driver JVMs of a Worker, spark-submit's JVM under submit/ser).
 */
final class Daemon implements AutoCloseable {
    final String name;
    final Process process;
    final Path log;

    private Daemon(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static Daemon start(String name, List<String> command, Map<String, String> env, Path dir, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new Daemon(name, pb.start(), log);
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the log matches {@code pattern}; fails with the log's tail if the process dies or time runs out. */
    void awaitLog(Pattern pattern, Duration timeout) throws InterruptedException {
        await(() -> pattern.matcher(output()).find(), timeout, "'" + pattern + "' in its log");
    }

    void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") before " + what + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + ": no " + what + " after " + timeout.toSeconds() + " s:\n" + tail());
            }
            Thread.sleep(200);
        }
    }

    /** Waits for the process to exit; returns its exit code, or kills it and fails after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            close();
            throw new AssertionError(name + " still running after " + timeout.toSeconds() + " s; killed:\n" + tail());
        }
        return process.exitValue();
    }

    String tail() {
        String out = output();
        return out.length() <= 6000 ? out : "…" + out.substring(out.length() - 6000);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
