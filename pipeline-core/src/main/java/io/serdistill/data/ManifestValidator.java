package io.serdistill.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one validation of manifest rows, whether they come from a manifest CSV ({@link ManifestParser}) or from a
 * corpus adapter: required fields, split, language, label (through the label map) and unique utterance ids, in that
 * order, each failure a {@link Reject} of stage {@value ManifestParser#STAGE}; relative paths are resolved against
 * the manifest's directory.
 */
public final class ManifestValidator {
    private static final Set<String> SPLITS = Set.of("train", "dev", "test");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    /** Validated entries and rejected rows; {@code dataRows} = entries + rejects. */
    public record Result(List<ManifestEntry> entries, List<Reject> rejects, long dataRows) {}

    private final List<String> languages;
    private final Map<String, Emotion> labelMap;
    private final boolean splitsComputed;

    /**
     * @param languages      languages the run accepts
     * @param labelMap       extra corpus labels mapped to the four classes (keys lower-case), e.g. excited → happy
     * @param splitsComputed folds assign the splits: the split value is ignored and entries get an empty split
     */
    public ManifestValidator(List<String> languages, Map<String, Emotion> labelMap, boolean splitsComputed) {
        this.languages = List.copyOf(languages);
        this.labelMap = Map.copyOf(labelMap);
        this.splitsComputed = splitsComputed;
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
            entries.add(new ManifestEntry(r.row(), uttId, resolve(path, manifestUri), language, emotion, r.speaker(),
                    split, r.corpus(), r.session()));
        }
        return new Result(List.copyOf(entries), List.copyOf(rejects), rows.size());
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
