package io.serdistill.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates a manifest CSV (RFC 4180 quoting; columns path, language, emotion, speaker, split, and
 * optional utt_id, corpus, session, in any order). Bad rows become {@link Reject}s naming the row and reason;
 * a bad header is an error for the whole file. When folds are computed ({@link Folds}) the split column is
 * optional and ignored: entries come back with an empty split for the fold to fill in.
 */
public final class ManifestParser {
    public static final String STAGE = "manifest";
    private static final List<String> REQUIRED = List.of("path", "language", "emotion", "speaker", "split");
    private static final Set<String> SPLITS = Set.of("train", "dev", "test");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    /** Validated entries and rejected rows; {@code dataRows} = entries + rejects. */
    public record Result(List<ManifestEntry> entries, List<Reject> rejects, long dataRows) {}

    private final List<String> languages;
    private final Map<String, Emotion> labelMap;
    private final boolean splitsComputed;

    /**
     * @param languages languages the run accepts
     * @param labelMap  extra corpus labels mapped to the four classes (keys lower-case), e.g. excited → happy
     */
    public ManifestParser(List<String> languages, Map<String, Emotion> labelMap) {
        this(languages, labelMap, false);
    }

    /** @param splitsComputed folds assign the splits: the split column may be absent, and is ignored */
    public ManifestParser(List<String> languages, Map<String, Emotion> labelMap, boolean splitsComputed) {
        this.languages = List.copyOf(languages);
        this.labelMap = Map.copyOf(labelMap);
        this.splitsComputed = splitsComputed;
    }

    /**
     * @param csv    the file's text
     * @param csvUri where it lives (for resolving relative paths and for messages)
     */
    public Result parse(String csv, String csvUri) {
        List<List<String>> records = splitRecords(csv);
        if (records.isEmpty()) {
            throw new IllegalArgumentException(csvUri + ": the manifest is empty (no header)");
        }
        List<String> header = records.get(0).stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            col.put(header.get(i), i);
        }
        List<String> missing = REQUIRED.stream().filter(r -> !col.containsKey(r))
                .filter(r -> !(splitsComputed && r.equals("split"))).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(csvUri + ": header " + header + " lacks column(s) " + missing);
        }
        String base = csvUri.contains("/") ? csvUri.substring(0, csvUri.lastIndexOf('/') + 1) : "";
        List<ManifestEntry> entries = new ArrayList<>();
        List<Reject> rejects = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long dataRows = 0;
        for (int r = 1; r < records.size(); r++) {
            List<String> f = records.get(r);
            long row = r + 1;
            if (f.size() == 1 && f.get(0).isBlank()) {
                continue; // blank line, e.g. a trailing newline
            }
            dataRows++;
            String rawPath = f.size() > col.get("path") ? f.get(col.get("path")).trim() : null;
            if (f.size() != header.size()) {
                // Keep whatever identifies the row, so the reject can be traced without opening the CSV.
                Integer idCol = col.get("utt_id");
                String rawId = idCol != null && f.size() > idCol ? f.get(idCol).trim()
                        : rawPath != null && !rawPath.isEmpty() ? deriveId(rawPath) : null;
                rejects.add(new Reject(STAGE, row, rawId == null || rawId.isEmpty() ? null : rawId, rawPath,
                        RejectReason.MALFORMED_ROW,
                        "has " + f.size() + " fields, the header has " + header.size()));
                continue;
            }
            String path = rawPath;
            String language = field(f, col, "language").toLowerCase(Locale.ROOT);
            String label = field(f, col, "emotion");
            String speaker = field(f, col, "speaker");
            String split = splitsComputed ? "" : field(f, col, "split").toLowerCase(Locale.ROOT);
            String uttId = col.containsKey("utt_id") ? field(f, col, "utt_id") : "";
            if (uttId.isEmpty() && !path.isEmpty()) {
                uttId = deriveId(path);
            }
            String problem = path.isEmpty() ? "path is empty"
                    : speaker.isEmpty() ? "speaker is empty"
                    : !splitsComputed && !SPLITS.contains(split) ? "split '" + split + "' is not one of train, dev, test"
                    : null;
            if (problem != null) {
                rejects.add(new Reject(STAGE, row, uttId.isEmpty() ? null : uttId, path, RejectReason.MALFORMED_ROW, problem));
                continue;
            }
            if (!languages.contains(language)) {
                rejects.add(new Reject(STAGE, row, uttId, path, RejectReason.UNKNOWN_LANGUAGE,
                        "language '" + language + "' is not one of " + languages + " (ser.input.languages)"));
                continue;
            }
            Emotion emotion = Emotion.parse(label).orElse(labelMap.get(label.trim().toLowerCase(Locale.ROOT)));
            if (emotion == null) {
                rejects.add(new Reject(STAGE, row, uttId, path, RejectReason.UNKNOWN_LABEL,
                        "emotion '" + label + "' is not one of " + Emotion.labels() + " nor in ser.input.label-map"));
                continue;
            }
            if (!seen.add(uttId)) {
                rejects.add(new Reject(STAGE, row, uttId, path, RejectReason.DUPLICATE_ID,
                        "utt_id '" + uttId + "' already appeared on an earlier row"));
                continue;
            }
            String resolved = SCHEME.matcher(path).matches() ? path
                    : path.startsWith("/") ? schemeAndAuthority(csvUri) + path
                    : base + path;
            entries.add(new ManifestEntry(row, uttId, resolved, language, emotion, speaker, split,
                    col.containsKey("corpus") ? field(f, col, "corpus") : "",
                    col.containsKey("session") ? field(f, col, "session") : ""));
        }
        return new Result(List.copyOf(entries), List.copyOf(rejects), dataRows);
    }

    private static String field(List<String> f, Map<String, Integer> col, String name) {
        return f.get(col.get(name)).trim();
    }

    /** The file name without extension: ids must be stable across re-runs, so no counters. */
    static String deriveId(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String schemeAndAuthority(String uri) {
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

    /** RFC 4180: fields separated by commas, double-quoted fields may hold commas, quotes ("") and newlines. */
    static List<List<String>> splitRecords(String csv) {
        List<List<String>> out = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        int i = csv.startsWith("\uFEFF") ? 1 : 0;
        for (; i < csv.length(); i++) {
            char ch = csv.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
                    i++;
                }
                record.add(field.toString());
                field.setLength(0);
                out.add(record);
                record = new ArrayList<>();
            } else {
                field.append(ch);
            }
        }
        if (field.length() > 0 || !record.isEmpty()) {
            record.add(field.toString());
            out.add(record);
        }
        return out;
    }
}
