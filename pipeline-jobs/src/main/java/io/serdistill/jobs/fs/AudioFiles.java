package io.serdistill.jobs.fs;

import io.serdistill.data.RejectReason;
import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Opens one manifest row's audio file on any Hadoop FileSystem; every way that can fail is an {@link Unusable} with
 * the row's reject reason and a message naming the file, so one bad path costs its row and nothing else.
 *
 * <p>Before anything is opened: the path must parse, its scheme must have a FileSystem here (UNSUPPORTED_SCHEME
 * with the cause otherwise: {@code s3a://} without the S3 jars, {@code http://}), the file must exist
 * (MISSING_FILE) and be a regular file (NOT_A_FILE: a directory, FIFO, device or socket, which would hang or never
 * end). Files are read without Hadoop's {@code .crc} checksums: a stale side file left beside a WAV that another
 * tool rewrote would otherwise fail a valid file, and whether the bytes are usable audio is the decoder's call.
 */
public final class AudioFiles {
    /** Served by Hadoop's read-only HTTP FileSystems, which fetch a URL and cannot tell a file's status or size. */
    private static final Set<String> URL_SCHEMES = Set.of("http", "https");

    private AudioFiles() {}

    /** Why a row's file is not read, as the row's reject reason and message. */
    public static final class Unusable extends Exception {
        private final RejectReason reason;

        public Unusable(RejectReason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public RejectReason reason() {
            return reason;
        }
    }

    /** An open audio file and its length in bytes. */
    public record Opened(InputStream stream, long length) implements Closeable {
        @Override
        public void close() throws IOException {
            stream.close();
        }
    }

    /** Why no FileSystem here reads {@code scheme}, or null when one does; looks up the class, connects nowhere. */
    public static String unsupportedScheme(String scheme, Configuration conf) {
        String s = scheme.toLowerCase(Locale.ROOT);
        if (URL_SCHEMES.contains(s)) {
            return "scheme '" + s + "' is a web URL, not a FileSystem audio is read from; copy the files to one "
                    + "(file://, hdfs://, s3a://)";
        }
        try {
            FileSystem.getFileSystemClass(s, conf);
            return null;
        } catch (IOException | RuntimeException | LinkageError e) {
            return "no FileSystem for scheme '" + s + "' here: " + cause(e);
        }
    }

    /** A row's path as a Hadoop Path; one that does not parse is that row's MISSING_FILE. */
    public static Path path(String uri) throws Unusable {
        try {
            return new Path(uri);
        } catch (IllegalArgumentException e) {
            throw new Unusable(RejectReason.MISSING_FILE, "'" + uri + "' is not a valid path: " + cause(e));
        }
    }

    /** Opens the file for reading after the checks above; I/O errors past them are the caller's (UNREADABLE). */
    public static Opened open(String uri, Configuration conf) throws Unusable, IOException {
        Path p = path(uri);
        String scheme = p.toUri().getScheme();
        String problem = scheme == null ? null : unsupportedScheme(scheme, conf);
        if (problem != null) {
            throw new Unusable(RejectReason.UNSUPPORTED_SCHEME, uri + ": " + problem);
        }
        FileSystem fs;
        try {
            fs = p.getFileSystem(conf);
        } catch (IOException | RuntimeException | LinkageError e) {
            throw new Unusable(RejectReason.UNSUPPORTED_SCHEME, uri + ": no FileSystem opens it here: " + cause(e));
        }
        if (fs instanceof ChecksumFileSystem checksummed) {
            fs = checksummed.getRawFileSystem();
        }
        FileStatus status;
        try {
            status = fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            throw new Unusable(RejectReason.MISSING_FILE, "file not found: " + uri);
        }
        if (status.isDirectory()) {
            throw new Unusable(RejectReason.NOT_A_FILE, uri + " is a directory, not an audio file");
        }
        // The local FileSystem reports FIFOs and devices as files: ask the OS (through symbolic links) as well.
        if (!status.isFile()
                || fs instanceof RawLocalFileSystem local && !Files.isRegularFile(local.pathToFile(p).toPath())) {
            throw new Unusable(RejectReason.NOT_A_FILE,
                    uri + " is not a regular file (a FIFO, device or socket), so it is not opened");
        }
        return new Opened(fs.open(p), status.getLen());
    }

    /** The innermost cause as "Class: message", which names what is missing (a class, a scheme). */
    static String cause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
