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
 * File sizes looked up on the driver with one directory listing per distinct parent directory (a corpus keeps its
 * files in a few hundred directories, so this is far fewer name-node calls than one getFileStatus per file).
 */
public final class FileSizes {
    private FileSizes() {}

    /**
     * Size in bytes of each URI, in order; 0 for a file that does not exist or cannot be listed (a path that does not
     * parse, a scheme without a FileSystem here): sizes only balance partitions, and extraction rejects such a row
     * with its reason, so nothing here fails the stage.
     */
    public static long[] of(List<String> uris, Configuration conf) {
        Map<String, Map<String, Long>> listings = new HashMap<>();
        long[] sizes = new long[uris.size()];
        for (int i = 0; i < sizes.length; i++) {
            Path p;
            try {
                p = AudioFiles.path(uris.get(i));
            } catch (AudioFiles.Unusable e) {
                continue;
            }
            Path parent = p.getParent();
            if (parent == null) {
                continue;
            }
            Map<String, Long> listing = listings.get(parent.toString());
            if (listing == null) {
                listing = list(parent, conf);
                listings.put(parent.toString(), listing);
            }
            sizes[i] = listing.getOrDefault(p.getName(), 0L);
        }
        return sizes;
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
