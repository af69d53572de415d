package io.serdistill.data.corpus;

import io.serdistill.data.Emotion;
import io.serdistill.data.RejectReason;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * FESC, the Finnish emotional speech corpus, in a per-speaker layout {@code <root>/<speaker>/<file>.wav}. The file
 * names' scheme is not published in a form we could check, so the label is a file-name token (the name without
 * ".wav", split on '_', '-' and '.') looked up in a configurable label map: either the token at
 * {@code labelToken} or, with -1, the one token of the name found in the map (none or two different classes →
 * UNKNOWN_LABEL). The canonical English labels (neutral, happy, angry, sad) are always accepted.
 *
 * <p>The default map holds Finnish emotion words, nouns and adjectives: neutraali → neutral, ilo/iloinen → happy,
 * viha/vihainen → angry, suru/surullinen → sad. Set ser.input.corpus.label-map to the corpus's own codes.
 * Speaker {@code fesc_<folder>}, utterance id {@code fesc_<folder>_<name>}; a WAV at any other depth is MALFORMED_ROW.
 */
public final class FescAdapter implements CorpusAdapter {
    public static final Map<String, Emotion> DEFAULT_LABELS = Map.of("neutraali", Emotion.NEUTRAL,
            "ilo", Emotion.HAPPY, "iloinen", Emotion.HAPPY, "viha", Emotion.ANGRY, "vihainen", Emotion.ANGRY,
            "suru", Emotion.SAD, "surullinen", Emotion.SAD);

    private final Map<String, Emotion> labels;
    private final int labelToken;

    public FescAdapter(Map<String, Emotion> labels, int labelToken) {
        this.labels = Map.copyOf(labels);
        this.labelToken = labelToken;
    }

    @Override
    public String corpus() {
        return "fesc";
    }

    @Override
    public String language() {
        return "fi";
    }

    @Override
    public CorpusScan scan(CorpusFiles files) throws IOException {
        CorpusScan.Builder out = new CorpusScan.Builder(corpus(), language(), files);
        for (String f : files.wavFiles()) {
            String[] parts = f.split("/");
            String name = parts[parts.length - 1];
            String stem = name.substring(0, name.length() - 4);
            if (parts.length != 2) {
                out.reject(f, "fesc_" + stem, RejectReason.MALFORMED_ROW, f + " is not <speaker>/<file>.wav");
                continue;
            }
            String utt = "fesc_" + parts[0] + "_" + stem;
            List<String> tokens = List.of(stem.toLowerCase(Locale.ROOT).split("[_.-]"));
            Set<Emotion> found = new LinkedHashSet<>();
            if (labelToken >= 0) {
                if (labelToken < tokens.size()) {
                    lookup(tokens.get(labelToken), found);
                }
            } else {
                tokens.forEach(t -> lookup(t, found));
            }
            if (found.size() == 1) {
                out.accept(f, utt, found.iterator().next(), "fesc_" + parts[0], "");
            } else {
                out.reject(f, utt, RejectReason.UNKNOWN_LABEL, (found.isEmpty() ? "no" : "more than one")
                        + " label token in '" + name + "'" + (labelToken >= 0 ? " at position " + labelToken : "")
                        + " (label map " + labels.keySet() + ")");
            }
        }
        return out.build();
    }

    private void lookup(String token, Set<Emotion> found) {
        Emotion e = Emotion.parse(token).orElse(labels.get(token));
        if (e != null) {
            found.add(e);
        }
    }
}
