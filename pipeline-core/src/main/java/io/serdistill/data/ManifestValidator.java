package io.serdistill.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The one validation of manifest rows, whether they come from a manifest CSV ({@link ManifestParser}) or from a
 * corpus adapter: required fields, split, the path's scheme and place, language, label (through the label map) and
 * unique utterance ids, in that order, each failure a {@link Reject} of stage {@value ManifestParser#STAGE}; relative
 * paths are resolved against the manifest's directory.
 *
 * <p>A row may only point into the manifest's own directory tree or under one of the allowed roots
 * ({@link PathRules}); anything else ({@code ../../etc/passwd}, {@code /etc/passwd}) is OUTSIDE_ROOTS and never
 * opened. The check folds '.' and '..' segments and compares scheme, authority and path as text: a symbolic link
 * inside an allowed tree is followed wherever it points.
 */
public final class ManifestValidator {
    private static final Set<String> SPLITS = Set.of("train", "dev", "test");
    /**
     * A URI is a scheme followed by ":/" ({@code file:/…}, {@code hdfs://…}, {@code s3a://…}): {@code clip:1.wav} is a
     * file name with a colon, relative to the manifest.
     */
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:/.*", Pattern.DOTALL);
    /** The configuration key that lists extra input roots, for messages. */
    public static final String ALLOWED_ROOTS_KEY = "ser.input.allowed-roots";

    /**
     * Where rows may point and what can read them.
     *
     * @param allowedRoots      directories (URIs) besides the manifest's own tree whose files rows may name
     * @param unsupportedScheme a URI scheme → why no FileSystem reads it here, or null when one does
     */
    public record PathRules(List<String> allowedRoots, Function<String, String> unsupportedScheme) {
        public PathRules {
            allowedRoots = allowedRoots.stream().map(ManifestValidator::asDirectory).toList();
        }

        /** Only the manifest's own directory tree, any scheme. */
        public static PathRules manifestTreeOnly() {
            return new PathRules(List.of(), scheme -> null);
        }
    }

    /** Validated entries and rejected rows; {@code dataRows} = entries + rejects. */
    public record Result(List<ManifestEntry> entries, List<Reject> rejects, long dataRows) {}

    private final List<String> languages;
    private final Map<String, Emotion> labelMap;
    private final boolean splitsComputed;
    private final PathRules paths;

    /** Rows confined to the manifest's directory tree ({@link PathRules#manifestTreeOnly()}). */
    public ManifestValidator(List<String> languages, Map<String, Emotion> labelMap, boolean splitsComputed) {
        this(languages, labelMap, splitsComputed, PathRules.manifestTreeOnly());
    }

    /**
     * @param languages      languages the run accepts
     * @param labelMap       extra corpus labels mapped to the four classes (keys lower-case), e.g. excited → happy
     * @param splitsComputed folds assign the splits: the split value is ignored and entries get an empty split
     * @param paths          where rows may point, and which schemes can be read
     */
    public ManifestValidator(List<String> languages, Map<String, Emotion> labelMap, boolean splitsComputed,
                             PathRules paths) {
        this.languages = List.copyOf(languages);
        this.labelMap = Map.copyOf(labelMap);
        this.splitsComputed = splitsComputed;
        this.paths = paths;
    }

    /**
     * @param rows        in manifest order (the first occurrence of an id is the one kept)
     * @param manifestUri the manifest CSV the rows belong to, for resolving relative paths
     */
    public Result validate(List<ManifestRow> rows, String manifestUri) {
        List<ManifestEntry> entries = new ArrayList<>();
        List<Reject> rejects = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ManifestRow r : rows) {
            String path = r.path();
            String uttId = r.uttId();
            String language = r.language().toLowerCase(Locale.ROOT);
            String label = r.emotion();
            String split = splitsComputed ? "" : r.split().toLowerCase(Locale.ROOT);
            String problem = path.isEmpty() ? "path is empty"
                    : uttId.isEmpty() ? "utt_id is empty"
                    : r.speaker().isEmpty() ? "speaker is empty"
                    : !splitsComputed && !SPLITS.contains(split) ? "split '" + split + "' is not one of train, dev, test"
                    : null;
            if (problem != null) {
                rejects.add(new Reject(ManifestParser.STAGE, r.row(), uttId.isEmpty() ? null : uttId, path,
                        RejectReason.MALFORMED_ROW, problem));
                continue;
            }
            String resolved = resolve(path, manifestUri);
            String scheme = scheme(resolved);
            String schemeProblem = scheme.isEmpty() ? null : paths.unsupportedScheme().apply(scheme);
            if (schemeProblem != null) {
                rejects.add(new Reject(ManifestParser.STAGE, r.row(), uttId, path, RejectReason.UNSUPPORTED_SCHEME,
                        "path '" + path + "': " + schemeProblem));
                continue;
            }
            String outside = outsideRoots(path, resolved, manifestUri);
            if (outside != null) {
                rejects.add(new Reject(ManifestParser.STAGE, r.row(), uttId, path, RejectReason.OUTSIDE_ROOTS,
                        outside));
                continue;
            }
            if (!languages.contains(language)) {
                rejects.add(new Reject(ManifestParser.STAGE, r.row(), uttId, path, RejectReason.UNKNOWN_LANGUAGE,
                        "language '" + language + "' is not one of " + languages + " (ser.input.languages)"));
                continue;
            }
            Emotion emotion = Emotion.parse(label).orElse(labelMap.get(label.trim().toLowerCase(Locale.ROOT)));
            if (emotion == null) {
                rejects.add(new Reject(ManifestParser.STAGE, r.row(), uttId, path, RejectReason.UNKNOWN_LABEL,
                        "emotion '" + label + "' is not one of " + Emotion.labels() + " nor in ser.input.label-map"));
                continue;
            }
            if (!seen.add(uttId)) {
                rejects.add(new Reject(ManifestParser.STAGE, r.row(), uttId, path, RejectReason.DUPLICATE_ID,
                        "utt_id '" + uttId + "' already appeared on an earlier row"));
                continue;
            }
            entries.add(new ManifestEntry(r.row(), uttId, resolved, language, emotion, r.speaker(),
                    split, r.corpus(), r.session()));
        }
        return new Result(List.copyOf(entries), List.copyOf(rejects), rows.size());
    }

    /**
     * Where a row's {@code path} points: the resolved URI, or the reason and message it is not read
     * (UNSUPPORTED_SCHEME, OUTSIDE_ROOTS), by the rules {@link #validate} applies to a manifest row's path.
     */
    public record Placed(String uri, RejectReason reason, String message) {
        public boolean readable() {
            return reason == null;
        }
    }

    /** {@code path} of a row of the manifest at {@code manifestUri}, placed by {@code rules} (see {@link Placed}). */
    public static Placed place(String path, String manifestUri, PathRules rules) {
        String resolved = resolve(path, manifestUri);
        String scheme = scheme(resolved);
        String schemeProblem = scheme.isEmpty() ? null : rules.unsupportedScheme().apply(scheme);
        if (schemeProblem != null) {
            return new Placed(resolved, RejectReason.UNSUPPORTED_SCHEME, "path '" + path + "': " + schemeProblem);
        }
        String outside = outsideRoots(path, resolved, manifestUri, rules);
        return outside == null ? new Placed(resolved, null, null)
                : new Placed(resolved, RejectReason.OUTSIDE_ROOTS, outside);
    }

    /** Why {@code resolved} may not be read, naming the path and the key that would allow it; null when it may. */
    private String outsideRoots(String path, String resolved, String manifestUri) {
        return outsideRoots(path, resolved, manifestUri, paths);
    }

    private static String outsideRoots(String path, String resolved, String manifestUri, PathRules paths) {
        String target = normalize(resolved);
        String tree = directory(manifestUri);
        boolean inside = tree.isEmpty()
                ? scheme(target).isEmpty() && !target.startsWith("/") && !target.equals("..") && !target.startsWith("../")
                : target.startsWith(normalize(tree));
        for (String root : paths.allowedRoots()) {
            inside |= target.startsWith(normalize(root));
        }
        return inside ? null : "path '" + path + "'" + (target.equals(path) ? "" : " resolves to " + target) + ", outside the manifest's directory "
                + (tree.isEmpty() ? "tree" : normalize(tree)) + " and " + ALLOWED_ROOTS_KEY + " " + paths.allowedRoots()
                + "; list its directory in " + ALLOWED_ROOTS_KEY + " to read it";
    }

    /** The URI's scheme in lower case, or empty for a path. */
    static String scheme(String uri) {
        return SCHEME.matcher(uri).matches() ? uri.substring(0, uri.indexOf(':')).toLowerCase(Locale.ROOT) : "";
    }

    /**
     * One spelling per location, for comparing: lower-case scheme, an empty authority dropped ({@code file:///a} →
     * {@code file:/a}), '.' segments removed and '..' folded into its parent (a '..' above the root stays out of
     * every root).
     */
    static String normalize(String uri) {
        String scheme = scheme(uri);
        String rest = scheme.isEmpty() ? uri : uri.substring(scheme.length() + 1);
        String authority = "";
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            rest = slash < 0 ? "/" : rest.substring(slash);
        }
        boolean absolute = rest.startsWith("/");
        boolean directory = rest.endsWith("/") || rest.endsWith("/.") || rest.endsWith("/..");
        java.util.Deque<String> segments = new java.util.ArrayDeque<>();
        for (String seg : rest.split("/")) {
            if (seg.equals("..") && !segments.isEmpty() && !segments.peekLast().equals("..")) {
                segments.removeLast();
            } else if (seg.equals("..") && absolute) {
                segments.addLast("..");
            } else if (!seg.isEmpty() && !seg.equals(".")) {
                segments.addLast(seg);
            }
        }
        String path = (absolute ? "/" : "") + String.join("/", segments) + (directory && !segments.isEmpty() ? "/" : "");
        return (scheme.isEmpty() ? "" : scheme + ":") + (authority.isEmpty() ? "" : "//" + authority) + path;
    }

    /** The root with exactly one trailing '/', so that {@code /data/a} does not also admit {@code /data/ab}. */
    static String asDirectory(String root) {
        return root.replaceAll("/+$", "") + "/";
    }

    /** A URI stays as it is, an absolute path takes the manifest's scheme and authority, a relative one its directory. */
    static String resolve(String path, String manifestUri) {
        return SCHEME.matcher(path).matches() ? path
                : path.startsWith("/") ? schemeAndAuthority(manifestUri) + path
                : directory(manifestUri) + path;
    }

    /** The manifest's directory with its trailing '/', or empty for a bare file name. */
    static String directory(String manifestUri) {
        return manifestUri.contains("/") ? manifestUri.substring(0, manifestUri.lastIndexOf('/') + 1) : "";
    }

    static String schemeAndAuthority(String uri) {
        int colon = uri.indexOf(':');
        if (colon < 0) {
            return "";
        }
        if (uri.startsWith("//", colon + 1)) {
            int slash = uri.indexOf('/', colon + 3);
            return slash < 0 ? uri : uri.substring(0, slash);
        }
        return uri.substring(0, colon + 1);
    }
}
