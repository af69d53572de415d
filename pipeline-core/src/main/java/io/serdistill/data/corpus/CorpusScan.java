package io.serdistill.data.corpus;

import io.serdistill.data.Emotion;
import io.serdistill.data.ManifestEntry;
import io.serdistill.data.ManifestParser;
import io.serdistill.data.Reject;
import io.serdistill.data.RejectReason;
import java.util.ArrayList;
import java.util.List;

/**
 * What an adapter found: manifest entries, and a reject for every other audio file (or label line) it saw, so
 * {@code entries + rejects} accounts for the whole corpus. Entries carry no split yet (folds assign it) and their
 * row is their line in {@link #toCsv()}; rejects have row 0, as they never reach the CSV.
 */
public record CorpusScan(String corpus, String language, List<ManifestEntry> entries, List<Reject> rejects) {
    public static final String HEADER = "utt_id,path,language,emotion,speaker,split,corpus,session";

    public CorpusScan {
        entries = List.copyOf(entries);
        rejects = List.copyOf(rejects);
    }

    /** Audio files (and label lines without audio) the scan accounted for. */
    public int seen() {
        return entries.size() + rejects.size();
    }

    /** The entries as a manifest CSV in our format, split column empty. */
    public String toCsv() {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (ManifestEntry e : entries) {
            out.append(String.join(",", quote(e.uttId()), quote(e.path()), e.language(), e.emotion().label(),
                    quote(e.speaker()), e.split(), quote(e.corpus()), quote(e.session()))).append('\n');
        }
        return out.toString();
    }

    private static String quote(String field) {
        return field.contains(",") || field.contains("\"") || field.contains("\n") || field.contains("\r")
                ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
    }

    /** Collects entries and rejects for one corpus; entries get consecutive CSV rows from 2. */
    static final class Builder {
        private final String corpus;
        private final String language;
        private final CorpusFiles files;
        private final List<ManifestEntry> entries = new ArrayList<>();
        private final List<Reject> rejects = new ArrayList<>();

        Builder(String corpus, String language, CorpusFiles files) {
            this.corpus = corpus;
            this.language = language;
            this.files = files;
        }

        void accept(String relative, String uttId, Emotion emotion, String speaker, String session) {
            entries.add(new ManifestEntry(entries.size() + 2L, uttId, files.uri(relative), language, emotion, speaker,
                    "", corpus, session));
        }

        void reject(String relative, String uttId, RejectReason reason, String message) {
            rejects.add(new Reject(ManifestParser.STAGE, 0, uttId, relative == null ? null : files.uri(relative),
                    reason, corpus + ": " + message));
        }

        CorpusScan build() {
            return new CorpusScan(corpus, language, entries, rejects);
        }
    }
}
