package io.serdistill.data.corpus;

import io.serdistill.data.Emotion;
import io.serdistill.data.ManifestParser;
import io.serdistill.data.ManifestRow;
import io.serdistill.data.ManifestValidator;
import io.serdistill.data.Reject;
import io.serdistill.data.RejectReason;
import java.util.ArrayList;
import java.util.List;

/**
 * What an adapter found: manifest rows, and a reject for every other audio file (or label line) it saw, so
 * {@code rows + rejects} accounts for the whole corpus. The rows go to the {@link ManifestValidator} as they are,
 * the same validation a manifest CSV gets; they carry no split (folds assign it), absolute URIs as paths, and their
 * row is their line in {@link #toCsv()}, the copy of the manifest written into the run. Rejects have row 0, as they
 * never reach the CSV.
 */
public record CorpusScan(String corpus, String language, List<ManifestRow> rows, List<Reject> rejects) {
    public static final String HEADER = "utt_id,path,language,emotion,speaker,split,corpus,session";

    public CorpusScan {
        rows = List.copyOf(rows);
        rejects = List.copyOf(rejects);
    }

    /** Audio files (and label lines without audio) the scan accounted for. */
    public int seen() {
        return rows.size() + rejects.size();
    }

    /** The rows as a manifest CSV in our format, split column empty. */
    public String toCsv() {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (ManifestRow r : rows) {
            out.append(String.join(",", quote(r.uttId()), quote(r.path()), quote(r.language()), quote(r.emotion()),
                    quote(r.speaker()), quote(r.split()), quote(r.corpus()), quote(r.session()))).append('\n');
        }
        return out.toString();
    }

    private static String quote(String field) {
        return field.contains(",") || field.contains("\"") || field.contains("\n") || field.contains("\r")
                ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
    }

    /** Collects rows and rejects for one corpus; rows get consecutive CSV lines from 2. */
    static final class Builder {
        private final String corpus;
        private final String language;
        private final CorpusFiles files;
        private final List<ManifestRow> rows = new ArrayList<>();
        private final List<Reject> rejects = new ArrayList<>();

        Builder(String corpus, String language, CorpusFiles files) {
            this.corpus = corpus;
            this.language = language;
            this.files = files;
        }

        void accept(String relative, String uttId, Emotion emotion, String speaker, String session) {
            rows.add(new ManifestRow(rows.size() + 2L, uttId, files.uri(relative), language, emotion.label(), speaker,
                    "", corpus, session));
        }

        void reject(String relative, String uttId, RejectReason reason, String message) {
            rejects.add(new Reject(ManifestParser.STAGE, 0, uttId, relative == null ? null : files.uri(relative),
                    reason, corpus + ": " + message));
        }

        CorpusScan build() {
            return new CorpusScan(corpus, language, rows, rejects);
        }
    }
}
