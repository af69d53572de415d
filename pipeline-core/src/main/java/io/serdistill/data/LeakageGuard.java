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
