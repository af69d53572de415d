package io.serdistill.data;

import io.serdistill.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Speaker-independent cross-validation folds: which speakers are test, dev and train in each fold. Test speakers
 * come from the scheme; dev speakers are drawn from the remaining (training) speakers of each language, seeded, so
 * the dev set never touches the test fold and every language keeps dev data for early stopping.
 *
 * <p>Schemes: {@code given} (one fold read off the manifest's split column), {@code leave-one-session-out}
 * (one fold per session value; IEMOCAP: 5), {@code leave-one-speaker-out} (one fold per speaker) and {@code k-fold}
 * (each language's speakers shuffled with the seed and dealt round-robin into k groups; fold i tests group i of
 * every language).
 */
public final class Folds {
    /** How test speakers are grouped into folds; {@link #label()} is the config spelling. */
    public enum Scheme {
        /** The manifest's own split column: one fold. */
        GIVEN,
        /** Each session's speakers are one fold's test speakers (IEMOCAP's five sessions). */
        LEAVE_ONE_SESSION_OUT,
        /** Each speaker is one fold's test speaker. */
        LEAVE_ONE_SPEAKER_OUT,
        /** Speakers dealt into k groups per language, seeded. */
        K_FOLD;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private Folds() {}

    /**
     * One fold's speakers, each list sorted. The three sets are disjoint (checked when built).
     *
     * @param index 0-based fold number
     */
    public record Fold(int index, List<String> testSpeakers, List<String> devSpeakers, List<String> trainSpeakers) {
        public Fold {
            testSpeakers = sorted(testSpeakers);
            devSpeakers = sorted(devSpeakers);
            trainSpeakers = sorted(trainSpeakers);
            requireDisjoint(index, "test", testSpeakers, "dev", devSpeakers);
            requireDisjoint(index, "test", testSpeakers, "train", trainSpeakers);
            requireDisjoint(index, "dev", devSpeakers, "train", trainSpeakers);
        }

        /** train, dev or test; a speaker the fold does not know is an error (it would otherwise leak silently). */
        public String splitOf(String speaker) {
            if (testSpeakers.contains(speaker)) {
                return "test";
            }
            if (devSpeakers.contains(speaker)) {
                return "dev";
            }
            if (trainSpeakers.contains(speaker)) {
                return "train";
            }
            throw new IllegalArgumentException("speaker '" + speaker + "' is in no split of fold " + index);
        }
    }

    /**
     * Every fold of a scheme and the one this run uses; stored with the run as folds.json.
     *
     * @param seed     seed the dev speakers (and k-fold groups) were drawn with
     * @param selected index into {@code folds} of the fold this run holds out
     */
    public record Definition(String scheme, long seed, int devSpeakersPerLanguage, int selected, List<Fold> folds) {
        public Definition {
            folds = List.copyOf(folds);
            if (selected < 0 || selected >= folds.size()) {
                throw new IllegalArgumentException("fold " + selected + " does not exist: scheme " + scheme + " gives "
                        + folds.size() + " fold(s), numbered from 0");
            }
        }

        public Fold selectedFold() {
            return folds.get(selected);
        }

        /** folds.json: indented, one speaker per line. */
        public String toJson() {
            return Json.pretty(this);
        }

        /** Reads what {@link #toJson} wrote; text that is no fold definition is an {@link IllegalArgumentException}. */
        public static Definition fromJson(String json) {
            try {
                return Json.read(json, Definition.class, "folds.json");
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }

    /**
     * Builds the folds of {@code scheme} over the speakers of {@code entries}.
     *
     * @param k              number of groups for k-fold (ignored otherwise)
     * @param devSpeakers    dev speakers per language per fold, drawn from that fold's training speakers
     * @param selected       the fold this run holds out
     * @throws IllegalArgumentException when the data cannot give disjoint folds (a speaker in two sessions or in two
     *                                  given splits, a language left without a training speaker, ...)
     */
    public static Definition define(List<ManifestEntry> entries, Scheme scheme, int k, int devSpeakers, int selected,
                                    long seed) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no manifest entries to build folds from");
        }
        Map<String, String> languageOf = new TreeMap<>();
        for (ManifestEntry e : entries) {
            languageOf.putIfAbsent(e.speaker(), e.language());
        }
        List<Set<String>> testGroups = switch (scheme) {
            case GIVEN -> List.of(givenTestSpeakers(entries));
            case LEAVE_ONE_SESSION_OUT -> sessionGroups(entries);
            case LEAVE_ONE_SPEAKER_OUT -> languageOf.keySet().stream().map(s -> (Set<String>) Set.of(s)).toList();
            case K_FOLD -> kFoldGroups(languageOf, k, seed);
        };
        List<Fold> folds = new ArrayList<>();
        for (int i = 0; i < testGroups.size(); i++) {
            Set<String> test = testGroups.get(i);
            Set<String> dev = scheme == Scheme.GIVEN ? givenSpeakers(entries, "dev")
                    : drawDev(languageOf, test, devSpeakers, seed, i);
            Set<String> train = new TreeSet<>(languageOf.keySet());
            train.removeAll(test);
            train.removeAll(dev);
            folds.add(new Fold(i, List.copyOf(test), List.copyOf(dev), List.copyOf(train)));
        }
        return new Definition(scheme.label(), seed, scheme == Scheme.GIVEN ? 0 : devSpeakers,
                scheme == Scheme.GIVEN ? 0 : selected, folds);
    }

    /** The entries with their split set from {@code fold} (row numbers and everything else unchanged). */
    public static List<ManifestEntry> assign(List<ManifestEntry> entries, Fold fold) {
        return entries.stream().map(e -> new ManifestEntry(e.row(), e.uttId(), e.path(), e.language(), e.emotion(),
                e.speaker(), fold.splitOf(e.speaker()), e.corpus(), e.session())).toList();
    }

    /** Given splits must already be speaker-disjoint: a speaker in train and test would inflate every score. */
    private static Set<String> givenTestSpeakers(List<ManifestEntry> entries) {
        Map<String, Set<String>> splitsOf = new TreeMap<>();
        for (ManifestEntry e : entries) {
            splitsOf.computeIfAbsent(e.speaker(), s -> new TreeSet<>()).add(e.split());
        }
        Map<String, Set<String>> mixed = splitsOf.entrySet().stream().filter(x -> x.getValue().size() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        if (!mixed.isEmpty()) {
            throw new IllegalArgumentException("the manifest's splits are not speaker-disjoint: " + mixed
                    + " (use a computed ser.folds.scheme, or fix the split column)");
        }
        return givenSpeakers(entries, "test");
    }

    private static Set<String> givenSpeakers(List<ManifestEntry> entries, String split) {
        return entries.stream().filter(e -> e.split().equals(split)).map(ManifestEntry::speaker)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<Set<String>> sessionGroups(List<ManifestEntry> entries) {
        Map<String, Set<String>> speakersBySession = new TreeMap<>();
        Map<String, Set<String>> sessionsBySpeaker = new TreeMap<>();
        for (ManifestEntry e : entries) {
            if (e.session().isBlank()) {
                throw new IllegalArgumentException("leave-one-session-out needs a session on every row; row "
                        + e.row() + " (" + e.uttId() + ") has none");
            }
            speakersBySession.computeIfAbsent(e.session(), s -> new TreeSet<>()).add(e.speaker());
            sessionsBySpeaker.computeIfAbsent(e.speaker(), s -> new TreeSet<>()).add(e.session());
        }
        sessionsBySpeaker.forEach((speaker, sessions) -> {
            if (sessions.size() > 1) {
                throw new IllegalArgumentException("speaker '" + speaker + "' appears in sessions " + sessions
                        + ": leave-one-session-out needs each speaker in one session");
            }
        });
        if (speakersBySession.size() < 2) {
            throw new IllegalArgumentException("leave-one-session-out needs at least 2 sessions, found "
                    + speakersBySession.keySet());
        }
        return List.copyOf(speakersBySession.values());
    }

    private static List<Set<String>> kFoldGroups(Map<String, String> languageOf, int k, long seed) {
        List<Set<String>> groups = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            groups.add(new TreeSet<>());
        }
        for (Map.Entry<String, List<String>> lang : byLanguage(languageOf.keySet(), languageOf).entrySet()) {
            List<String> speakers = new ArrayList<>(lang.getValue());
            if (speakers.size() < k) {
                throw new IllegalArgumentException("k-fold with k = " + k + " needs at least k speakers per language; "
                        + lang.getKey() + " has " + speakers.size());
            }
            Collections.shuffle(speakers, new Random(seed));
            for (int i = 0; i < speakers.size(); i++) {
                groups.get(i % k).add(speakers.get(i));
            }
        }
        return groups;
    }

    /** Per language, {@code count} of the speakers outside the test group, seeded by the seed and fold index. */
    private static Set<String> drawDev(Map<String, String> languageOf, Set<String> test, int count, long seed,
                                       int fold) {
        Set<String> dev = new TreeSet<>();
        if (count == 0) {
            return dev;
        }
        Set<String> candidates = new HashSet<>(languageOf.keySet());
        candidates.removeAll(test);
        for (Map.Entry<String, List<String>> lang : byLanguage(candidates, languageOf).entrySet()) {
            List<String> speakers = new ArrayList<>(lang.getValue());
            if (speakers.size() <= count) {
                throw new IllegalArgumentException("fold " + fold + ": language " + lang.getKey() + " has "
                        + speakers.size() + " training speaker(s) " + speakers + "; cannot carve " + count
                        + " dev speaker(s) and keep one to train on (lower ser.folds.dev-speakers)");
            }
            Collections.shuffle(speakers, new Random(seed * 1_000_003L + fold));
            dev.addAll(speakers.subList(0, count));
        }
        return dev;
    }

    /** Speakers grouped by language, both sorted, so shuffles start from the same order on every machine. */
    private static Map<String, List<String>> byLanguage(Set<String> speakers, Map<String, String> languageOf) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String s : new TreeSet<>(speakers)) {
            out.computeIfAbsent(languageOf.get(s), l -> new ArrayList<>()).add(s);
        }
        return out;
    }

    private static List<String> sorted(List<String> speakers) {
        return List.copyOf(new TreeSet<>(speakers));
    }

    private static void requireDisjoint(int fold, String nameA, List<String> a, String nameB, List<String> b) {
        Set<String> both = new TreeSet<>(a);
        both.retainAll(b);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException("fold " + fold + ": speakers " + both + " are in both " + nameA
                    + " and " + nameB);
        }
    }

    /** Utterances per split when {@code fold} is applied; for logs and checks. */
    public static Map<String, Long> countBySplit(List<ManifestEntry> entries, Fold fold) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String s : List.of("train", "dev", "test")) {
            out.put(s, 0L);
        }
        for (ManifestEntry e : entries) {
            out.merge(fold.splitOf(e.speaker()), 1L, Long::sum);
        }
        return out;
    }
}
