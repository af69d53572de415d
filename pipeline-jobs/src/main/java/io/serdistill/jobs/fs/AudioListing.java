package io.serdistill.jobs.fs;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The identity of the audio files a manifest names, for extract's stage marker: SHA-256 over every distinct path
 * with its size and modification time, looked up with one listing per parent directory. A file replaced, rewritten
 * or touched under the same path changes it; contents are not read (that would cost the corpus). A path that does
 * not parse, or whose directory cannot be listed, counts with what went wrong, so the identity never fails the run
 * (extract rejects the row).
 */
public final class AudioListing {
    private AudioListing() {}

    public static Map<String, String> identity(List<String> uris, Configuration conf) {
        Map<String, Map<String, String>> listings = new HashMap<>();
        StringBuilder text = new StringBuilder();
        TreeSet<String> distinct = new TreeSet<>(uris);
        for (String uri : distinct) {
            text.append(uri).append('\t').append(entry(uri, listings, conf)).append('\n');
        }
        return Map.of("audio_files", Integer.toString(distinct.size()),
                "audio_listing_sha256", sha256(text.toString()));
    }

    private static String entry(String uri, Map<String, Map<String, String>> listings, Configuration conf) {
        try {
            Path p = new Path(uri);
            Path parent = p.getParent();
            if (parent == null) {
                return "no-parent";
            }
            Map<String, String> listing = listings.get(parent.toString());
            if (listing == null) {
                listing = list(parent, conf);
                listings.put(parent.toString(), listing);
            }
            return listing.getOrDefault(p.getName(), "missing");
        } catch (Exception e) {
            return "unreadable " + e.getClass().getSimpleName();
        }
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> list(Path dir, Configuration conf) throws java.io.IOException {
        Map<String, String> out = new HashMap<>();
        try {
            for (FileStatus s : dir.getFileSystem(conf).listStatus(dir)) {
                out.put(s.getPath().getName(), s.isFile() ? s.getLen() + "\t" + s.getModificationTime() : "not-a-file");
            }
        } catch (FileNotFoundException e) {
            // No such directory: each of its files is "missing".
        }
        return out;
    }
}
