package io.serdistill.jobs.fs;

import io.serdistill.jobs.spark.Sparks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's {@code file:} FileSystem, except that permissions are set through java.nio instead of a forked
 * {@code chmod}. Without Hadoop's native library (which Spark's hadoop-client jars do not ship), RawLocalFileSystem
 * runs one {@code chmod} process for every directory and file it creates, and those processes take CPU from the
 * tasks of a partitioned write (figures: docs/benchmarks.md, "No chmod processes"). Checksums, renames and everything else are
 * LocalFileSystem's own. Registered as {@code spark.hadoop.fs.file.impl} by {@link Sparks}; permissions Java cannot
 * express (sticky, setuid, setgid bits) and file systems without POSIX attributes fall back to Hadoop's way.
 */
public final class NioLocalFileSystem extends LocalFileSystem {
    public NioLocalFileSystem() {
        super(new Raw());
    }

    /** The raw (checksum-free) layer underneath, with the nio permission setter. */
    public static final class Raw extends RawLocalFileSystem {
        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            short mode = permission.toShort();
            if ((mode & ~0777) != 0) {
                super.setPermission(p, permission);
                return;
            }
            try {
                Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(mode));
            } catch (UnsupportedOperationException e) {
                super.setPermission(p, permission);
            }
        }

        static Set<PosixFilePermission> posix(short mode) {
            Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
            PosixFilePermission[] bits = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
            for (int i = 0; i < bits.length; i++) {
                if ((mode & (1 << i)) != 0) {
                    set.add(bits[i]);
                }
            }
            return set;
        }
    }
}
