package io.serdistill.jobs.fs;

import java.io.FileNotFoundException;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Rows in a written Parquet table, counted on the driver from the files' footers: no Spark job, and no column data
 * read. The table is a directory, searched recursively (partition directories such as language=en/split=train/);
 * the files counted are those Spark would read back: names starting with "." or "_" (_SUCCESS, _temporary/, .crc
 * files) are skipped unless they hold "=" (a partition directory), as are files still being copied (._COPYING_).
 */
public final class ParquetRowCounts {
    private ParquetRowCounts() {}

    /**
     * Record count summed over the table's data files; 0 for a directory that holds none.
     *
     * @throws FileNotFoundException if the table's path does not exist: a caller that has just written it must not
     *                               take its absence for an empty table
     */
    public static long of(String uri, Configuration conf) throws IOException {
        Path root = new Path(uri);
        FileSystem fs = root.getFileSystem(conf);
        FileStatus status;
        try {
            status = fs.getFileStatus(root);
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException("no Parquet table at " + uri + " to count the rows of");
        }
        return count(fs, status, conf);
    }

    private static long count(FileSystem fs, FileStatus status, Configuration conf) throws IOException {
        if (status.isFile()) {
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(status, conf))) {
                return reader.getRecordCount();
            }
        }
        long rows = 0;
        for (FileStatus child : fs.listStatus(status.getPath())) {
            if (isData(child.getPath().getName())) {
                rows += count(fs, child, conf);
            }
        }
        return rows;
    }

    /** Spark's rule for the names that are not data (PartitioningAwareFileIndex.isDataPath, for a file or a directory). */
    static boolean isData(String name) {
        boolean hidden = (name.startsWith("_") && !name.contains("=")) || name.startsWith(".")
                || name.endsWith("._COPYING_");
        return !hidden;
    }
}
