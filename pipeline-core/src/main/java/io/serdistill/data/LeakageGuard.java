package io.serdistill.data;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Refuses a run whose test fold leaks into training or model selection: a speaker or an audio file that appears in
 * the test split and in train or dev, or in both dev and test. (The paper's public code selected checkpoints on
 * the test set and trained one teacher on test sessions; this guard makes that impossible here.)
 */
public final class LeakageGuard {
    private LeakageGuard() {}

    /** One utterance's identity and split, as the guard needs it. */
    public record Member(String uttId, String speaker, String path, String split) {}

    /** Thrown before any training; the message names the offending speakers or files. */
    public static final class LeakageException extends IllegalStateException {
        public LeakageException(String message) {
            super(message);
        }
    }

    /** @throws LeakageException when the splits share a speaker, a file or an utterance id */
    public static void check(Collection<Member> members) {
        Map<String, Set<String>> splitsBySpeaker = new TreeMap<>();
        Map<String, Set<String>> splitsByPath = new TreeMap<>();
        Map<String, Set<String>> splitsByUtt = new TreeMap<>();
        for (Member m : members) {
            splitsBySpeaker.computeIfAbsent(m.speaker(), k -> new TreeSet<>()).add(m.split());
            splitsByPath.computeIfAbsent(m.path(), k -> new TreeSet<>()).add(m.split());
            splitsByUtt.computeIfAbsent(m.uttId(), k -> new TreeSet<>()).add(m.split());
        }
        StringBuilder problems = new StringBuilder();
        describe(problems, "speaker", leaking(splitsBySpeaker));
        describe(problems, "audio file", leaking(splitsByPath));
        describe(problems, "utterance", leaking(splitsByUtt));
        if (problems.length() > 0) {
            throw new LeakageException("the test split leaks into training or model selection:" + problems
                    + "; fix the manifest splits or the fold definition");
        }
    }

    /**
     * Refuses model selection whose inner folds reach the test split: a speaker dealt into an inner fold (trained on
     * or validated on while choosing hyper-parameters) that has an utterance in the test split, or an utterance of
     * the folds that is a test utterance.
     *
     * @param members        every utterance of the run (all splits)
     * @param innerSpeakers  the speakers of the inner folds
     * @param innerUtterances the utterance ids the inner folds hold (empty when only speakers are known)
     * @throws LeakageException naming the offending speakers or utterances
     */
    public static void checkInnerFolds(Collection<Member> members, Set<String> innerSpeakers,
                                       Set<String> innerUtterances) {
        Set<String> testSpeakers = new TreeSet<>();
        Set<String> testUtterances = new TreeSet<>();
        for (Member m : members) {
            if ("test".equals(m.split())) {
                testSpeakers.add(m.speaker());
                testUtterances.add(m.uttId());
            }
        }
        Set<String> speakers = new TreeSet<>(innerSpeakers);
        speakers.retainAll(testSpeakers);
        Set<String> utterances = new TreeSet<>(innerUtterances);
        utterances.retainAll(testUtterances);
        if (!speakers.isEmpty() || !utterances.isEmpty()) {
            StringBuilder sb = new StringBuilder("model selection's inner folds reach the test split:");
            if (!speakers.isEmpty()) {
                sb.append(" test speakers ").append(speakers.stream().limit(20).toList()).append(" in inner folds;");
            }
            if (!utterances.isEmpty()) {
                sb.append(" ").append(utterances.size()).append(" test utterances in inner folds, e.g. ")
                        .append(utterances.stream().limit(5).toList()).append(";");
            }
            throw new LeakageException(sb.append(" inner folds may only hold training speakers (train and dev splits)")
                    .toString());
        }
    }

    /** Keys whose splits include test together with train or dev. */
    private static Map<String, Set<String>> leaking(Map<String, Set<String>> splitsByKey) {
        Map<String, Set<String>> out = new TreeMap<>();
        splitsByKey.forEach((k, splits) -> {
            if (splits.contains("test") && (splits.contains("train") || splits.contains("dev"))) {
                out.put(k, splits);
            }
        });
        return out;
    }

    private static void describe(StringBuilder sb, String what, Map<String, Set<String>> leaks) {
        if (leaks.isEmpty()) {
            return;
        }
        List<String> shown = leaks.entrySet().stream().limit(20).map(e -> e.getKey() + " " + e.getValue()).toList();
        sb.append(" ").append(leaks.size()).append(" ").append(what).append(leaks.size() == 1 ? "" : "s")
                .append(" in several splits: ").append(String.join(", ", shown))
                .append(leaks.size() > shown.size() ? ", …" : "").append(";");
    }
}
