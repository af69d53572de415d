package io.serdistill.jobs.fs;

import java.io.FileNotFoundException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The identity of the audio files a manifest names, for extract's stage marker: every distinct path with its size
 * and modification time, looked up with one listing per parent directory ({@link Lookup}), each
 * {@code path<TAB>entry} line hashed with SHA-256 and the hashes summed modulo 2^256 ({@link #combine}), so the
 * identity does not depend on the order the paths come in and can be computed in pieces (one per Spark task) and
 * added up. A file replaced, rewritten or touched under the same path changes it; contents are not read (that would
 * cost the corpus). A path that does not parse, or whose directory cannot be listed, counts with what went wrong, so
 * the identity never fails the run (extract rejects the row).
 */
public final class AudioListing {
    private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(256);

    private AudioListing() {}

    /** The identity of {@code uris} (duplicates count once), on this JVM. */
    public static Map<String, String> identity(List<String> uris, Configuration conf) {
        Lookup lookup = new Lookup(conf);
        BigInteger sum = BigInteger.ZERO;
        TreeSet<String> distinct = new TreeSet<>(uris);
        for (String uri : distinct) {
            sum = combine(sum, lookup.hash(uri));
        }
        return identity(distinct.size(), sum);
    }

    /** The identity of {@code files} distinct paths whose {@link Lookup#hash}es add up ({@link #combine}) to {@code sum}. */
    public static Map<String, String> identity(long files, BigInteger sum) {
        return Map.of("audio_files", Long.toString(files),
                "audio_listing_sha256", sha256(files + "\t" + sum.toString(16)));
    }

    /** The sum of two partial sums of hashes, modulo 2^256. */
    public static BigInteger combine(BigInteger a, BigInteger b) {
        return a.add(b).mod(MODULUS);
    }

    /** Listing entries of files, each parent directory listed once per instance. Not thread-safe. */
    public static final class Lookup {
        private final Configuration conf;
        private final Map<String, Map<String, String>> listings = new HashMap<>();

        public Lookup(Configuration conf) {
            this.conf = conf;
        }

        /** SHA-256 of {@code uri<TAB>entry} as a non-negative number. */
        public BigInteger hash(String uri) {
            return new BigInteger(1, digest(uri + '\t' + entry(uri)));
        }

        /** {@code size<TAB>modification time}, or what the listing says instead (missing, not-a-file, …). */
        String entry(String uri) {
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
    }

    private static byte[] digest(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String text) {
        return java.util.HexFormat.of().formatHex(digest(text));
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
