package io.serdistill.predict;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * What {@code ser predict} labels, from its command-line operands: an audio file as it is; a directory, every file
 * under it with an audio extension ({@link #AUDIO_EXTENSIONS}), recursively, in path order; a manifest CSV
 * ({@code .csv}: a header naming a {@code path} column, paths relative to the CSV's directory, and optionally an
 * {@code emotion} or {@code label} column and a {@code language} column, blank where unknown). An operand that cannot be read becomes one failed
 * item, so the others are still labelled.
 */
final class PredictInputs {
    static final List<String> AUDIO_EXTENSIONS = List.of(".wav", ".wave");
    private static final CSVFormat MANIFEST = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true)
            .setIgnoreSurroundingSpaces(true).setIgnoreEmptyLines(true).build();

    /**
     * One file to label.
     *
     * @param shown how output lines name it (the operand's spelling, or the manifest's path resolved)
     * @param label    its known label, or null
     * @param language its language from a manifest, or null
     * @param error    why it cannot be labelled before it is even opened, or null
     */
    record Item(String shown, Path file, String label, String language, String error) {
        Item(String shown, Path file, String label, String error) {
            this(shown, file, label, null, error);
        }
    }

    private PredictInputs() {}

    static List<Item> expand(List<String> operands) {
        List<Item> items = new ArrayList<>();
        for (String op : operands) {
            Path p = Path.of(op);
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.walk(p)) {
                    files.filter(Files::isRegularFile).filter(PredictInputs::isAudio).sorted()
                            .forEach(f -> items.add(new Item(f.toString(), f, null, null)));
                } catch (IOException | java.io.UncheckedIOException e) {
                    items.add(new Item(op, p, null, "cannot list the directory: " + e.getMessage()));
                }
            } else if (op.toLowerCase(Locale.ROOT).endsWith(".csv") && Files.isRegularFile(p)) {
                items.addAll(manifest(op, p));
            } else if (!Files.exists(p)) {
                items.add(new Item(op, p, null, "no such file or directory"));
            } else {
                items.add(new Item(op, p, null, null));
            }
        }
        return items;
    }

    private static boolean isAudio(Path f) {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        return AUDIO_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static List<Item> manifest(String op, Path csv) {
        List<Item> items = new ArrayList<>();
        Path base = csv.toAbsolutePath().getParent();
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser parser = MANIFEST.parse(in)) {
            Map<String, Integer> header = parser.getHeaderMap();
            if (!header.containsKey("path")) {
                return List.of(new Item(op, csv, null, "manifest has no 'path' column (header: "
                        + header.keySet() + ")"));
            }
            String labelColumn = header.containsKey("emotion") ? "emotion" : header.containsKey("label") ? "label" : null;
            for (CSVRecord r : parser) {
                String path = r.isMapped("path") && r.isSet("path") ? r.get("path") : "";
                if (path.isBlank()) {
                    items.add(new Item(op + ":" + r.getRecordNumber(), csv, null, "manifest row "
                            + r.getRecordNumber() + " has no path"));
                    continue;
                }
                Path f = base.resolve(path);
                String label = labelColumn != null && r.isSet(labelColumn) && !r.get(labelColumn).isBlank()
                        ? r.get(labelColumn).strip().toLowerCase(Locale.ROOT) : null;
                String language = r.isMapped("language") && r.isSet("language") && !r.get("language").isBlank()
                        ? r.get("language").strip() : null;
                items.add(new Item(f.toString(), f, label, language, null));
            }
        } catch (IOException | RuntimeException e) {
            items.add(new Item(op, csv, null, "cannot read the manifest: " + e.getMessage()));
        }
        return items;
    }
}
