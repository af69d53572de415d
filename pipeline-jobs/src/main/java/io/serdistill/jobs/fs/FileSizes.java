package io.serdistill.jobs.fs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * File sizes looked up with one directory listing per distinct parent directory (a corpus keeps its files in a few
 * hundred directories, so this is far fewer name-node calls than one getFileStatus per file). A {@link Lookup} keeps
 * the listings it made: the extract stage uses one per Spark task, so no listing reaches the driver.
 */
public final class FileSizes {
    private FileSizes() {}

    /**
     * Size in bytes of each URI, in order; 0 for a file that does not exist or cannot be listed (a path that does not
     * parse, a scheme without a FileSystem here): sizes only balance partitions, and extraction rejects such a row
     * with its reason, so nothing here fails the stage.
     */
    public static long[] of(List<String> uris, Configuration conf) {
        Lookup lookup = new Lookup(conf);
        long[] sizes = new long[uris.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = lookup.size(uris.get(i));
        }
        return sizes;
    }

    /** Sizes of files, each parent directory listed once per instance. Not thread-safe. */
    public static final class Lookup {
        private final Configuration conf;
        private final Map<String, Map<String, Long>> listings = new HashMap<>();

        public Lookup(Configuration conf) {
            this.conf = conf;
        }

        /** The size of {@code uri} in bytes, or 0 as {@link FileSizes#of} says. */
        public long size(String uri) {
            Path p;
            try {
                p = AudioFiles.path(uri);
            } catch (AudioFiles.Unusable e) {
                return 0;
            }
            Path parent = p.getParent();
            if (parent == null) {
                return 0;
            }
            return listings.computeIfAbsent(parent.toString(), k -> list(parent, conf)).getOrDefault(p.getName(), 0L);
        }
    }

    private static Map<String, Long> list(Path dir, Configuration conf) {
        Map<String, Long> out = new HashMap<>();
        String scheme = dir.toUri().getScheme();
        if (scheme != null && AudioFiles.unsupportedScheme(scheme, conf) != null) {
            return out;
        }
        try {
            FileSystem fs = dir.getFileSystem(conf);
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isFile()) {
                    out.put(s.getPath().getName(), s.getLen());
                }
            }
        } catch (FileNotFoundException e) {
            // Missing directory: its files count as empty and are rejected as MISSING_FILE by the tasks.
        } catch (IOException | RuntimeException | LinkageError e) {
            // Not listable here (no FileSystem, no permission, a FileSystem without listings): the tasks say why.
        }
        return out;
    }
}
