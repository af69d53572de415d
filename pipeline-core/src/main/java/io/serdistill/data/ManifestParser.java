package io.serdistill.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Parses a manifest CSV (columns path, language, emotion, speaker, split, and optional utt_id, corpus, session, in
 * any order; header names are case-insensitive and may not repeat) into {@link ManifestRow}s for the
 * {@link ManifestValidator}. Every physical line after the header is one row, numbered by its line: fields follow
 * RFC 4180 quoting (commas and doubled quotes inside quotes) but cannot span lines, as no manifest value holds a
 * line break, so a stray quote costs only its own line. Lines that do not parse or have the wrong field count are
 * MALFORMED_ROW rejects; blank lines are not rows. A bad header is an error for the whole file. When folds are
 * computed ({@link Folds}) the split column is optional and ignored: entries come back with an empty split for the
 * fold to fill in.
 *
 * <p>A row without utt_id gets its file name without extension, or, when another row of the manifest has that
 * same id (files of the same name in different folders), its path relative to the manifest's directory without
 * extension ({@code spkA/001.wav} → {@code spkA/001}); a path outside that directory gives its whole path.
 * Ids are a function of the manifest alone, stable across re-runs.
 */
public final class ManifestParser {
    public static final String STAGE = "manifest";
    private static final List<String> REQUIRED = List.of("path", "language", "emotion", "speaker", "split");
    /** One line, RFC 4180 quoting; spaces around a quoted field are allowed (values are trimmed anyway). */
    private static final CSVFormat LINE = CSVFormat.RFC4180.builder().setIgnoreSurroundingSpaces(true).build();
    /** How much of an unparseable line its reject quotes. */
    private static final int QUOTED_LINE_CHARS = 120;

    private final ManifestValidator validator;
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
        this(languages, labelMap, splitsComputed, ManifestValidator.PathRules.manifestTreeOnly());
    }

    /** @param paths where rows may point (beyond the manifest's directory tree), and which schemes can be read */
    public ManifestParser(List<String> languages, Map<String, Emotion> labelMap, boolean splitsComputed,
                          ManifestValidator.PathRules paths) {
        this.validator = new ManifestValidator(languages, labelMap, splitsComputed, paths);
        this.splitsComputed = splitsComputed;
    }

    /** A non-blank line after the header (blank: no field but an empty one): its fields, or null when its quoting
     * is broken. */
    private record Line(long row, String text, List<String> fields) {}

    /**
     * @param csv    the file's text
     * @param csvUri where it lives (for resolving relative paths and for messages)
     */
    public ManifestValidator.Result parse(String csv, String csvUri) {
        List<String> lines = (csv.startsWith("\uFEFF") ? csv.substring(1) : csv).lines().toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(csvUri + ": the manifest is empty (no header)");
        }
        List<String> headerFields = fields(lines.get(0));
        if (headerFields == null) {
            throw new IllegalArgumentException(csvUri + ": header line has broken quoting: " + lines.get(0));
        }
        List<String> header = headerFields.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            if (col.putIfAbsent(header.get(i), i) != null && !header.get(i).isEmpty()) {
                throw new IllegalArgumentException(csvUri + ": header " + header + " repeats column '"
                        + header.get(i) + "'");
            }
        }
        List<String> missing = REQUIRED.stream().filter(r -> !col.containsKey(r))
                .filter(r -> !(splitsComputed && r.equals("split"))).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(csvUri + ": header " + header + " lacks column(s) " + missing);
        }
        List<Line> body = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            List<String> f = lines.get(i).isBlank() ? List.of("") : fields(lines.get(i));
            if (f == null || f.size() != 1 || !f.get(0).isEmpty()) {
                body.add(new Line(i + 1, lines.get(i), f));
            }
        }
        int pathCol = col.get("path");
        Integer idCol = col.get("utt_id");
        List<String> paths = body.stream().map(l -> l.fields() != null && l.fields().size() > pathCol
                ? l.fields().get(pathCol) : "").toList();
        List<String> ids = derivedIds(body.stream().map(l -> idCol != null && l.fields() != null
                && l.fields().size() > idCol ? l.fields().get(idCol) : "").toList(), paths, csvUri);

        List<ManifestRow> rows = new ArrayList<>();
        List<Reject> malformed = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            Line l = body.get(i);
            String path = paths.get(i);
            String uttId = ids.get(i);
            if (l.fields() == null) {
                String text = l.text().length() > QUOTED_LINE_CHARS
                        ? l.text().substring(0, QUOTED_LINE_CHARS) + "..." : l.text();
                malformed.add(new Reject(STAGE, l.row(), null, null, RejectReason.MALFORMED_ROW,
                        "broken quoting: a quoted field must close on its own line and be followed by a comma or "
                                + "the line's end: " + text));
            } else if (l.fields().size() != header.size()) {
                // Keep whatever identifies the row, so the reject can be traced without opening the CSV.
                malformed.add(new Reject(STAGE, l.row(), uttId.isEmpty() ? null : uttId,
                        l.fields().size() > pathCol ? path : null, RejectReason.MALFORMED_ROW,
                        "has " + l.fields().size() + " fields, the header has " + header.size()));
            } else {
                List<String> f = l.fields();
                rows.add(new ManifestRow(l.row(), uttId, path, f.get(col.get("language")), f.get(col.get("emotion")),
                        f.get(col.get("speaker")), col.containsKey("split") ? f.get(col.get("split")) : "",
                        col.containsKey("corpus") ? f.get(col.get("corpus")) : "",
                        col.containsKey("session") ? f.get(col.get("session")) : ""));
            }
        }
        ManifestValidator.Result valid = validator.validate(rows, csvUri);
        List<Reject> rejects = Stream.concat(malformed.stream(), valid.rejects().stream())
                .sorted(Comparator.comparingLong(Reject::row)).toList();
        return new ManifestValidator.Result(valid.entries(), rejects, valid.dataRows() + malformed.size());
    }

    /** One line's fields, trimmed, or null when its quoting does not parse. */
    private static List<String> fields(String line) {
        try (CSVParser parser = CSVParser.parse(line, LINE)) {
            List<CSVRecord> records = parser.getRecords();
            if (records.size() != 1) {
                return null; // cannot happen for a line without line breaks; treated as broken all the same
            }
            return records.get(0).stream().map(String::trim).toList();
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    /**
     * The utterance id of each row: its utt_id when given, else its file name without extension unless another row
     * has that id, else its path relative to the manifest's directory without extension; empty without a path.
     */
    static List<String> derivedIds(List<String> given, List<String> paths, String csvUri) {
        Map<String, Integer> uses = new HashMap<>();
        List<String> byName = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            String id = !given.get(i).isEmpty() ? given.get(i) : paths.get(i).isEmpty() ? "" : fileStem(paths.get(i));
            byName.add(id);
            if (!id.isEmpty()) {
                uses.merge(id, 1, Integer::sum);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            boolean derived = given.get(i).isEmpty() && !paths.get(i).isEmpty();
            out.add(derived && uses.get(byName.get(i)) > 1 ? relativeStem(paths.get(i), csvUri) : byName.get(i));
        }
        return out;
    }

    /** The file name without extension. */
    static String fileStem(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * The path relative to the manifest's directory, '.' and '..' segments folded, without the file's extension;
     * for a file outside that directory, its whole path without scheme and authority.
     */
    static String relativeStem(String path, String csvUri) {
        String resolved = ManifestValidator.resolve(path, csvUri);
        String dir = ManifestValidator.directory(csvUri);
        String relative = !dir.isEmpty() && resolved.startsWith(dir) ? resolved.substring(dir.length())
                : resolved.substring(ManifestValidator.schemeAndAuthority(resolved).length());
        Deque<String> segments = new ArrayDeque<>();
        for (String s : relative.split("/")) {
            if (s.equals("..") && !segments.isEmpty() && !segments.peekLast().equals("..")) {
                segments.removeLast();
            } else if (!s.isEmpty() && !s.equals(".")) {
                segments.addLast(s);
            }
        }
        String folded = String.join("/", segments);
        String stem = fileStem(folded);
        int slash = folded.lastIndexOf('/');
        return slash < 0 ? stem : folded.substring(0, slash + 1) + stem;
    }
}
