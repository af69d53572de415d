package io.serdistill.data.corpus;

import io.serdistill.data.Emotion;
import io.serdistill.data.RejectReason;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IEMOCAP (English, 5 sessions of dyadic dialogues, 10 speakers). Labels come from the turn lines of
 * {@code Session{1..5}/dialog/EmoEvaluation/*.txt}:
 * <pre>[6.2901 - 8.2357]	Ses01F_impro01_F000	neu	[2.5000, 2.5000, 2.5000]</pre>
 * and audio from {@code Session{n}/sentences/wav/<dialog>/<utt>.wav}, where the dialog is the utterance id without
 * its last '_' part. The speaker is the session plus the gender letter that starts that last part
 * (Ses01F_impro01_M012 → Ses01_M: in session 1 the male actor, although the dialog id says F), the session column is
 * Ses01..Ses05.
 *
 * <p>Default classes, as in the paper and most IEMOCAP work: neu → neutral, hap and exc → happy, ang → angry,
 * sad → sad; fru, sur, fea, dis, oth and xxx (no majority) are rejected as UNKNOWN_LABEL. On the full release this
 * keeps 5,531 utterances (neutral 1,708, happy 595 + excited 1,041 = 1,636, angry 1,103, sad 1,084) of 10,039.
 * A labelled turn without its WAV is MISSING_FILE; a WAV without a label line is UNKNOWN_LABEL; files whose names
 * start with '.' (macOS "._" copies found in some archives) are ignored.
 */
public final class IemocapAdapter implements CorpusAdapter {
    public static final Map<String, Emotion> DEFAULT_LABELS = Map.of("neu", Emotion.NEUTRAL, "hap", Emotion.HAPPY,
            "exc", Emotion.HAPPY, "ang", Emotion.ANGRY, "sad", Emotion.SAD);

    private static final Pattern LABEL_FILE = Pattern.compile("Session[1-5]/dialog/EmoEvaluation/[^/.][^/]*\\.txt");
    private static final Pattern WAV_FILE = Pattern.compile("Session([1-5])/sentences/wav/[^/]+/([^/.][^/]*)\\.wav");
    private static final Pattern TURN = Pattern.compile("^\\[\\s*[\\d.]+\\s*-\\s*[\\d.]+\\s*]\\s+(\\S+)\\s+(\\S+)\\s+\\[.*");
    private static final Pattern UTT = Pattern.compile("(Ses0([1-5]))[FM]_.+_([FM])\\d+");

    private final Map<String, Emotion> labels;

    public IemocapAdapter(Map<String, Emotion> labels) {
        this.labels = Map.copyOf(labels);
    }

    @Override
    public String corpus() {
        return "iemocap";
    }

    @Override
    public String language() {
        return "en";
    }

    @Override
    public CorpusScan scan(CorpusFiles files) throws IOException {
        List<String> all = files.list();
        Map<String, String> wavByUtt = new TreeMap<>();
        Map<String, String> labelByUtt = new TreeMap<>();
        CorpusScan.Builder out = new CorpusScan.Builder(corpus(), language(), files);
        for (String f : all) {
            Matcher wav = WAV_FILE.matcher(f);
            if (wav.matches()) {
                wavByUtt.put(wav.group(2), f);
            } else if (LABEL_FILE.matcher(f).matches()) {
                for (String line : files.readText(f).split("\r?\n")) {
                    Matcher turn = TURN.matcher(line);
                    if (turn.matches()) {
                        labelByUtt.putIfAbsent(turn.group(1), turn.group(2));
                    }
                }
            }
        }
        if (wavByUtt.isEmpty() && labelByUtt.isEmpty()) {
            throw new IOException("no IEMOCAP files under the corpus root: expected Session1..5/sentences/wav/"
                    + "<dialog>/<utt>.wav and Session1..5/dialog/EmoEvaluation/*.txt");
        }
        Set<String> utts = new HashSet<>(wavByUtt.keySet());
        utts.addAll(labelByUtt.keySet());
        for (String utt : new java.util.TreeSet<>(utts)) {
            String wav = wavByUtt.get(utt);
            String label = labelByUtt.get(utt);
            Matcher id = UTT.matcher(utt);
            if (!id.matches()) {
                out.reject(wav, utt, RejectReason.MALFORMED_ROW, "utterance id '" + utt
                        + "' is not SesNNx_<dialog>_<F|M>NNN");
            } else if (label == null) {
                out.reject(wav, utt, RejectReason.UNKNOWN_LABEL, "no label line for " + utt + " in EmoEvaluation");
            } else if (wav == null) {
                String dialog = utt.substring(0, utt.lastIndexOf('_'));
                out.reject(null, utt, RejectReason.MISSING_FILE, "labelled turn " + utt + " has no Session"
                        + id.group(2) + "/sentences/wav/" + dialog + "/" + utt + ".wav");
            } else if (!labels.containsKey(label.toLowerCase(Locale.ROOT))) {
                out.reject(wav, utt, RejectReason.UNKNOWN_LABEL, "label '" + label + "' is not in " + labels.keySet());
            } else {
                out.accept(wav, utt, labels.get(label.toLowerCase(Locale.ROOT)), id.group(1) + "_" + id.group(3),
                        id.group(1));
            }
        }
        return out.build();
    }
}
