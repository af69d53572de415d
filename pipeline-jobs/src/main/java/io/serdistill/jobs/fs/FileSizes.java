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

    /** Size in bytes of each URI, in order; 0 for a file that does not exist (extraction rejects it). */
    public static long[] of(List<String> uris, Configuration conf) throws IOException {
        Map<String, Map<String, Long>> listings = new HashMap<>();
        long[] sizes = new long[uris.size()];
        for (int i = 0; i < sizes.length; i++) {
            Path p = new Path(uris.get(i));
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

    private static Map<String, Long> list(Path dir, Configuration conf) throws IOException {
        Map<String, Long> out = new HashMap<>();
        FileSystem fs = dir.getFileSystem(conf);
        try {
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isFile()) {
                    out.put(s.getPath().getName(), s.getLen());
                }
            }
        } catch (FileNotFoundException e) {
            // Missing directory: its files count as empty and are rejected as MISSING_FILE by the tasks.
        }
        return out;
    }
}
