package io.serdistill.data.corpus;

import io.serdistill.data.Emotion;
import io.serdistill.data.RejectReason;
import java.io.IOException;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CaFE, the Canadian French Emotional speech database (12 actors, 6 sentences). Files are named {@code AA-E-I-S.wav}
 * (its Readme: actor 01..12, odd = man; emotion letter C colère, D dégoût, J joie, N neutre, P peur, S surprise,
 * T tristesse; intensity 1 faible / 2 fort; sentence 1..6) and sit in {@code <root>/<Émotion>/[<Faible|Fort>/]}.
 * The label is read from the file name's emotion letter; when a folder on the path is an emotion name that
 * disagrees, the file is rejected rather than guessed.
 *
 * <p>Default classes: N → neutral, J → happy, C → angry, T → sad; D, P, S are UNKNOWN_LABEL. Folder names are
 * compared without accents and case (archives unpacked on macOS hold decomposed "Cole\u0300re"). The speaker is
 * {@code cafe_AA}, the utterance id {@code cafe_AA-E-I-S}. By the Readme's layout the full corpus has 936 files, of
 * which the four classes keep 504 (12 actors × (6 neutral + 3 × 12)); this count is derived, not yet checked on a
 * copy of the corpus.
 */
public final class CafeAdapter implements CorpusAdapter {
    public static final Map<String, Emotion> DEFAULT_LABELS = Map.of("n", Emotion.NEUTRAL, "j", Emotion.HAPPY,
            "c", Emotion.ANGRY, "t", Emotion.SAD);

    /** Emotion folder names (accents and case removed) → the file-name letter they stand for. */
    private static final Map<String, String> FOLDERS = Map.of("colere", "c", "degout", "d", "joie", "j",
            "neutre", "n", "peur", "p", "surprise", "s", "tristesse", "t");
    private static final Pattern NAME = Pattern.compile("(\\d{2})-([A-Za-z])-(\\d)-(\\d)\\.wav", Pattern.CASE_INSENSITIVE);

    private final Map<String, Emotion> labels;

    public CafeAdapter(Map<String, Emotion> labels) {
        this.labels = Map.copyOf(labels);
    }

    @Override
    public String corpus() {
        return "cafe";
    }

    @Override
    public String language() {
        return "fr";
    }

    @Override
    public CorpusScan scan(CorpusFiles files) throws IOException {
        CorpusScan.Builder out = new CorpusScan.Builder(corpus(), language(), files);
        for (String f : files.wavFiles()) { // not Readme.txt, License.txt
            List<String> parts = List.of(f.split("/"));
            String name = parts.get(parts.size() - 1);
            String utt = "cafe_" + name.substring(0, name.length() - 4);
            Matcher m = NAME.matcher(name);
            if (!m.matches()) {
                out.reject(f, utt, RejectReason.MALFORMED_ROW, "file name '" + name + "' is not AA-E-I-S.wav");
                continue;
            }
            String code = m.group(2).toLowerCase(Locale.ROOT);
            String folderCode = parts.subList(0, parts.size() - 1).stream().map(CafeAdapter::fold)
                    .map(FOLDERS::get).filter(java.util.Objects::nonNull).findFirst().orElse(code);
            if (!folderCode.equals(code)) {
                out.reject(f, utt, RejectReason.UNKNOWN_LABEL, "emotion letter '" + m.group(2)
                        + "' disagrees with the emotion folder on " + f);
            } else if (!labels.containsKey(code)) {
                out.reject(f, utt, RejectReason.UNKNOWN_LABEL, "emotion letter '" + m.group(2) + "' is not in "
                        + labels.keySet());
            } else {
                out.accept(f, utt, labels.get(code), "cafe_" + m.group(1), "");
            }
        }
        return out.build();
    }

    /** Lower case, accents removed: "Colère" and a decomposed "Cole\u0300re" both become "colere". */
    static String fold(String s) {
        return Normalizer.normalize(s, Normalizer.Form.NFD).replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
    }
}
