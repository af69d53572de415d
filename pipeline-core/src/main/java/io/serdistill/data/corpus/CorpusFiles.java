package io.serdistill.data.corpus;

import java.io.IOException;
import java.util.List;

/**
 * The files of a corpus directory, on whatever file system holds it: adapters see only relative paths, so the same
 * adapter scans a local copy or one on HDFS/S3 (pipeline-jobs supplies the Hadoop FileSystem implementation).
 */
public interface CorpusFiles {
    /** Every regular file under the root, as '/'-separated paths relative to it, sorted. */
    List<String> list() throws IOException;

    /**
     * The WAV files under the root (case-insensitive ".wav"), skipping names that start with '.' (macOS "._"
     * resource-fork copies found in some corpus archives are not audio).
     */
    default List<String> wavFiles() throws IOException {
        return list().stream().filter(f -> {
            String name = f.substring(f.lastIndexOf('/') + 1);
            return !name.startsWith(".") && name.toLowerCase(java.util.Locale.ROOT).endsWith(".wav");
        }).toList();
    }

    /** A text file's content (UTF-8; IEMOCAP's label files are ASCII). */
    String readText(String relative) throws IOException;

    /** The location written into the manifest, readable by the extraction stage (a Hadoop-style URI). */
    String uri(String relative);
}
