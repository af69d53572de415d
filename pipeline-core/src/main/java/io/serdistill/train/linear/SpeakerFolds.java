package io.serdistill.train.linear;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Speaker-grouped k-fold assignment: every utterance of a speaker lands in the same fold. The rule is
 * scikit-learn's {@code GroupKFold} (largest speakers first, each to the fold holding the fewest utterances so
 * far) with its ties broken deterministically: speakers of equal size in ascending order of their id
 * ({@link String#compareTo}), and among equally full folds the lowest index. With equally sized speakers this
 * is round-robin over the sorted speaker ids.
 */
public final class SpeakerFolds {
    private SpeakerFolds() {}

    /**
     * Fold index in [0, k) of each utterance.
     *
     * @param speakers speaker id of each utterance
     * @param k        folds, ≥ 2 and at most the number of distinct speakers
     */
    public static int[] assign(String[] speakers, int k) {
        Map<String, Integer> fold = foldOfSpeaker(speakers, k);
        int[] out = new int[speakers.length];
        for (int i = 0; i < speakers.length; i++) {
            out[i] = fold.get(speakers[i]);
        }
        return out;
    }

    /** Fold of each distinct speaker, by the rule in the class comment. */
    public static Map<String, Integer> foldOfSpeaker(String[] speakers, int k) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String s : speakers) {
            if (s == null) {
                throw new IllegalArgumentException("an utterance has no speaker id");
            }
            counts.merge(s, 1, Integer::sum);
        }
        if (k < 2 || k > counts.size()) {
            throw new IllegalArgumentException("k = " + k + " folds: must be >= 2 and at most the " + counts.size()
                    + " distinct speakers");
        }
        List<Map.Entry<String, Integer>> order = new ArrayList<>(counts.entrySet());
        order.sort(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        long[] load = new long[k];
        Map<String, Integer> fold = new TreeMap<>();
        for (Map.Entry<String, Integer> e : order) {
            int lightest = 0;
            for (int f = 1; f < k; f++) {
                if (load[f] < load[lightest]) {
                    lightest = f;
                }
            }
            load[lightest] += e.getValue();
            fold.put(e.getKey(), lightest);
        }
        return fold;
    }
}
