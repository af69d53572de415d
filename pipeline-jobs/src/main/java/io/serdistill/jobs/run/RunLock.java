package io.serdistill.jobs.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.json.Json;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One launch at a time per run directory, on any Hadoop FileSystem: {@code {run}/_lock} is created with
 * create-if-absent ({@code FileSystem.create(path, overwrite = false)}, atomic on HDFS and local disks), holding the
 * owner, host, pid, start time and a token; while the run lasts a daemon thread refreshes the file's modification
 * time (the heartbeat) every {@link #HEARTBEAT}. A second launch finds the file and is refused with the holder's
 * details ({@link RunRefused}); a lock whose heartbeat is older than {@link #STALE} is reported as stale, with the
 * file to delete, and is taken over only when asked ({@code --force-unlock}). {@link #close} stops the heartbeat and
 * deletes the file when it still holds this launch's token.
 *
 * <p>On object stores without atomic create-if-absent (S3 before conditional writes) two launches started within
 * the same instant can both win; the lock then only narrows the window.
 */
public final class RunLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("ser");
    public static final String FILE = "_lock";
    public static final Duration HEARTBEAT = Duration.ofSeconds(10);
    public static final Duration STALE = Duration.ofMinutes(2);

    private final FileSystem fs;
    private final Path path;
    private final String token;
    private final Thread heartbeat;
    private boolean closed;

    private RunLock(FileSystem fs, Path path, String token) {
        this.fs = fs;
        this.path = path;
        this.token = token;
        this.heartbeat = new Thread(this::beat, "ser-run-lock-heartbeat");
        this.heartbeat.setDaemon(true);
        this.heartbeat.start();
    }

    /**
     * Takes the lock of the run directory {@code runRoot} (a fully qualified URI), or throws {@link RunRefused}
     * naming its holder. {@code forceUnlock} deletes a lock another launch holds first: for a holder known dead.
     */
    public static RunLock acquire(String runRoot, Configuration conf, boolean forceUnlock) throws IOException {
        Path path = new Path(runRoot, FILE);
        FileSystem fs = path.getFileSystem(conf);
        if (forceUnlock && fs.exists(path)) {
            LOG.warn("--force-unlock: deleting the lock {} ({})", path, describe(fs, path));
            fs.delete(path, false);
        }
        String token = UUID.randomUUID().toString();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("owner", System.getProperty("user.name"));
        json.put("host", host());
        json.put("pid", ProcessHandle.current().pid());
        json.put("started", Instant.now().toString());
        json.put("token", token);
        fs.mkdirs(path.getParent());
        byte[] content = Json.pretty(json).getBytes(StandardCharsets.UTF_8);
        if ("file".equals(fs.getUri().getScheme())) {
            // Hadoop's local create(overwrite = false) tests for the file, then opens it: two launches can both pass
            // the test. The JDK's createFile is one O_CREAT|O_EXCL call.
            try {
                java.nio.file.Path local = java.nio.file.Paths.get(fs.makeQualified(path).toUri());
                java.nio.file.Files.write(java.nio.file.Files.createFile(local), content);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw refused(fs, path);
            }
            return new RunLock(fs, path, token);
        }
        try (OutputStream out = fs.create(path, false)) {
            out.write(content);
        } catch (FileAlreadyExistsException e) {
            throw refused(fs, path);
        } catch (IOException e) {
            // Some FileSystems report an existing file with a plain IOException.
            if (fs.exists(path) && !token.equals(tokenOf(fs, path))) {
                throw refused(fs, path);
            }
            throw e;
        }
        return new RunLock(fs, path, token);
    }

    private static RunRefused refused(FileSystem fs, Path path) {
        String holder = describe(fs, path);
        long age = heartbeatAgeSeconds(fs, path);
        if (age > STALE.toSeconds()) {
            return new RunRefused("run directory " + path.getParent() + " has a stale lock: " + holder
                    + ", heartbeat " + age + " s ago (refreshed every " + HEARTBEAT.toSeconds() + " s while its run "
                    + "lives), so its holder is probably gone; delete " + path + " or re-run with --force-unlock");
        }
        return new RunRefused("run directory " + path.getParent() + " is locked by another launch: " + holder
                + (age >= 0 ? ", heartbeat " + age + " s ago" : "") + "; wait for it to finish, or, if it is gone, "
                + "delete " + path + " or re-run with --force-unlock");
    }

    /** "owner@host pid N since T", or why the lock file could not be read. */
    private static String describe(FileSystem fs, Path path) {
        try {
            JsonNode j = Json.object(read(fs, path));
            return j.path("owner").asText("?") + "@" + j.path("host").asText("?") + " pid " + j.path("pid").asText("?")
                    + " since " + j.path("started").asText("?");
        } catch (Exception e) {
            return "holder unknown (" + path + " unreadable: " + e.getMessage() + ")";
        }
    }

    private static long heartbeatAgeSeconds(FileSystem fs, Path path) {
        try {
            return (System.currentTimeMillis() - fs.getFileStatus(path).getModificationTime()) / 1000;
        } catch (IOException e) {
            return -1;
        }
    }

    private static String tokenOf(FileSystem fs, Path path) {
        try {
            return Json.object(read(fs, path)).path("token").asText(null);
        } catch (Exception e) {
            return null;
        }
    }

    private static String read(FileSystem fs, Path path) throws IOException {
        try (var in = fs.open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    /** The lock file (for messages and tests). */
    public String path() {
        return path.toString();
    }

    /**
     * Refreshes the lock file's modification time every {@link #HEARTBEAT} until {@link #close}. The thread is
     * woken through a monitor, never interrupted: an interrupt inside a FileSystem call can close connections that
     * the run's own threads share.
     */
    private void beat() {
        while (true) {
            try {
                synchronized (this) {
                    long until = System.currentTimeMillis() + HEARTBEAT.toMillis();
                    for (long left = HEARTBEAT.toMillis(); !closed && left > 0; left = until - System.currentTimeMillis()) {
                        wait(left);
                    }
                    if (closed) {
                        return;
                    }
                }
                fs.setTimes(path, System.currentTimeMillis(), -1);
            } catch (InterruptedException e) {
                return;
            } catch (FileNotFoundException e) {
                LOG.warn("run lock {} was deleted while this run holds it; another launch may now take it", path);
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("run lock {}: heartbeat failed ({}); retrying", path, e.getMessage());
            }
        }
    }

    /** Stops the heartbeat and deletes the lock file if it is still this launch's. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            heartbeat.join(HEARTBEAT.toMillis());
            if (token.equals(tokenOf(fs, path))) {
                fs.delete(path, false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.warn("could not release the run lock {}: {}; delete it before the next launch", path, e.getMessage());
        }
    }
}
