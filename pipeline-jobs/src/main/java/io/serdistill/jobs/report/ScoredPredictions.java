package io.serdistill.jobs.report;

import io.serdistill.data.Emotion;
import io.serdistill.eval.ConfidenceInterval;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One run's predictions on one split: model → utt_id → {label, predicted} (utterances in id order), and each
 * utterance's language; what the paired verdicts of {@link PairedDifference} are computed from, in the run report
 * and the cross-run report alike.
 */
final class ScoredPredictions {
    private final Map<String, Map<String, int[]>> byModel = new HashMap<>();
    private final Map<String, String> languageOf = new HashMap<>();

    /** From rows with the columns model, utt_id, language, label and predicted, already of one run and split. */
    static ScoredPredictions of(Dataset<Row> rows) {
        ScoredPredictions s = new ScoredPredictions();
        for (Row r : rows.select("model", "utt_id", "language", "label", "predicted").collectAsList()) {
            String utt = r.getAs("utt_id");
            s.languageOf.put(utt, r.getAs("language"));
            s.byModel.computeIfAbsent(r.getAs("model"), k -> new TreeMap<>())
                    .put(utt, new int[] {r.<Integer>getAs("label"), r.<Integer>getAs("predicted")});
        }
        return s;
    }

    /**
     * {labels, a's predictions, b's predictions} over the utterances both models scored, of {@code language}
     * (null: every language).
     */
    int[][] paired(String a, String b, String language) {
        Map<String, int[]> pa = byModel.getOrDefault(a, Map.of());
        Map<String, int[]> pb = byModel.getOrDefault(b, Map.of());
        List<String> utts = pa.keySet().stream().filter(pb::containsKey)
                .filter(u -> language == null || language.equals(languageOf.get(u))).toList();
        int[][] out = new int[3][utts.size()];
        for (int i = 0; i < utts.size(); i++) {
            out[0][i] = pa.get(utts.get(i))[0];
            out[1][i] = pa.get(utts.get(i))[1];
            out[2][i] = pb.get(utts.get(i))[1];
        }
        return out;
    }

    /**
     * UA(a) − UA(b) on {@code language} ("all": every language) with its paired bootstrap interval, seeded from the
     * run's seed and the comparison, so a run's report and the cross-run report give the same interval; null when
     * the two models share no utterance there.
     */
    ConfidenceInterval.Interval difference(String a, String b, String language, boolean all, int resamples, long runSeed) {
        int[][] p = paired(a, b, all ? null : language);
        if (p[0].length == 0) {
            return null;
        }
        return PairedDifference.ua(p[0], p[1], p[2], Emotion.COUNT, resamples,
                runSeed * 31 + (a + "/" + b + "/" + language).hashCode());
    }
}
