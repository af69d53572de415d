package io.serdistill.jobs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.spark.Sparks;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NioLocalFileSystemTest {
    @TempDir
    java.nio.file.Path dir;

    private static FileSystem fileSystem() throws Exception {
        Configuration conf = new Configuration(false);
        conf.set("fs.file.impl", NioLocalFileSystem.class.getName());
        conf.set("fs.permissions.umask-mode", "022");
        conf.setBoolean("fs.file.impl.disable.cache", true);
        return FileSystem.get(URI.create("file:///"), conf);
    }

    @Test
    void permissionsOfCreatedFilesAndDirectoriesAreSetWithoutHadoopsShell() throws Exception {
        FileSystem fs = fileSystem();
        assertInstanceOf(NioLocalFileSystem.class, fs);
        Path sub = new Path(dir.resolve("a/b").toUri());
        assertTrue(fs.mkdirs(sub, new FsPermission((short) 0750)));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b"))));
        Path file = new Path(sub, "x.txt");
        try (OutputStream out = fs.create(file, new FsPermission((short) 0666), true, 4096, (short) 1, 1 << 20, null)) {
            out.write("hello".getBytes(StandardCharsets.UTF_8));
        }
        // The umask (022) applies, as with Hadoop's own LocalFileSystem.
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/x.txt"))));
        fs.setPermission(file, new FsPermission((short) 0600));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/x.txt"))));
        assertEquals(new FsPermission((short) 0600), fs.getFileStatus(file).getPermission());
        // Still a checksummed LocalFileSystem: the data reads back and a .crc sidecar was written.
        assertEquals(5, fs.getFileStatus(file).getLen());
        assertTrue(Files.exists(dir.resolve("a/b/.x.txt.crc")));
    }

    @Test
    void modeBitsMapToPosixPermissions() {
        assertEquals("rwxr-xr--", PosixFilePermissions.toString(NioLocalFileSystem.Raw.posix((short) 0754)));
        assertEquals("---------", PosixFilePermissions.toString(NioLocalFileSystem.Raw.posix((short) 0)));
        assertEquals("-w---x-wx", PosixFilePermissions.toString(NioLocalFileSystem.Raw.posix((short) 0213)));
    }

    @Test
    void sparkSessionsOfOursUseIt() {
        org.apache.spark.SparkConf conf = Sparks.defaults(new org.apache.spark.SparkConf(false));
        assertEquals(NioLocalFileSystem.class.getName(), conf.get("spark.hadoop.fs.file.impl"));
        org.apache.spark.SparkConf set = new org.apache.spark.SparkConf(false).set("spark.hadoop.fs.file.impl", "x.Y");
        assertEquals("x.Y", Sparks.defaults(set).get("spark.hadoop.fs.file.impl"), "an explicit setting wins");
    }
}
