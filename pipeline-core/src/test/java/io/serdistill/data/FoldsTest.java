package io.serdistill.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FoldsTest {

    /** IEMOCAP-shaped: 5 sessions x 2 speakers, 3 utterances each. */
    private static List<ManifestEntry> iemocapLike() {
        List<ManifestEntry> out = new ArrayList<>();
        long row = 2;
        for (int s = 1; s <= 5; s++) {
            for (String g : List.of("F", "M")) {
                for (int u = 0; u < 3; u++) {
                    String session = "Ses0" + s;
                    out.add(new ManifestEntry(row++, session + g + "_" + u, "file:/x/" + row + ".wav", "en",
                            Emotion.values()[u % 4], session + "_" + g, "", "iemocap", session));
                }
            }
        }
        return out;
    }

    private static List<ManifestEntry> speakers(String language, int count, String split) {
        List<ManifestEntry> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(new ManifestEntry(i + 2, language + i, "file:/" + language + i + ".wav", language, Emotion.SAD,
                    language + "_spk" + i, split, "c", ""));
        }
        return out;
    }

    @Test
    void leaveOneSessionOutGivesFiveFoldsWithDevFromTrainingSessions() {
        Folds.Definition d = Folds.define(iemocapLike(), Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 1, 2, 42);
        assertEquals(5, d.folds().size());
        assertEquals(2, d.selected());
        for (Folds.Fold f : d.folds()) {
            String held = "Ses0" + (f.index() + 1);
            assertEquals(List.of(held + "_F", held + "_M"), f.testSpeakers());
            assertEquals(1, f.devSpeakers().size());
            assertTrue(!f.devSpeakers().get(0).startsWith(held), "dev never from the test session: " + f);
            assertEquals(7, f.trainSpeakers().size());
        }
        Map<String, Long> counts = Folds.countBySplit(iemocapLike(), d.selectedFold());
        assertEquals(Map.of("train", 21L, "dev", 3L, "test", 6L), counts);
    }

    @Test
    void devSpeakersAreDeterministicFromTheSeed() {
        Folds.Definition a = Folds.define(iemocapLike(), Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 2, 0, 7);
        Folds.Definition b = Folds.define(iemocapLike(), Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 2, 0, 7);
        assertEquals(a, b);
        Set<List<String>> devSets = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            devSets.add(Folds.define(iemocapLike(), Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 2, 0, seed).selectedFold().devSpeakers());
        }
        assertTrue(devSets.size() > 1, "the seed changes the draw");
    }

    @Test
    void leaveOneSpeakerOutHoldsOutEachSpeakerOnce() {
        List<ManifestEntry> entries = speakers("fi", 4, "");
        Folds.Definition d = Folds.define(entries, Folds.Scheme.LEAVE_ONE_SPEAKER_OUT, 5, 1, 3, 1);
        assertEquals(4, d.folds().size());
        Set<String> tested = new HashSet<>();
        for (Folds.Fold f : d.folds()) {
            assertEquals(1, f.testSpeakers().size());
            tested.addAll(f.testSpeakers());
            assertEquals(1, f.devSpeakers().size());
            assertEquals(2, f.trainSpeakers().size());
        }
        assertEquals(4, tested.size());
    }

    @Test
    void kFoldDealsEachLanguageSpeakersIntoEveryFold() {
        List<ManifestEntry> entries = new ArrayList<>(speakers("en", 6, ""));
        entries.addAll(speakers("fr", 6, ""));
        Folds.Definition d = Folds.define(entries, Folds.Scheme.K_FOLD, 3, 1, 0, 5);
        assertEquals(3, d.folds().size());
        Set<String> tested = new HashSet<>();
        for (Folds.Fold f : d.folds()) {
            assertEquals(4, f.testSpeakers().size());
            assertEquals(2, f.testSpeakers().stream().filter(s -> s.startsWith("en")).count());
            assertEquals(1, f.devSpeakers().stream().filter(s -> s.startsWith("en")).count(), "dev per language");
            assertEquals(1, f.devSpeakers().stream().filter(s -> s.startsWith("fr")).count(), "dev per language");
            tested.addAll(f.testSpeakers());
        }
        assertEquals(12, tested.size(), "every speaker is tested exactly once");
    }

    @Test
    void assignSetsSplitsFromTheFold() {
        List<ManifestEntry> entries = iemocapLike();
        Folds.Fold fold = Folds.define(entries, Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 1, 4, 42).selectedFold();
        List<ManifestEntry> assigned = Folds.assign(entries, fold);
        assertEquals(entries.size(), assigned.size());
        for (ManifestEntry e : assigned) {
            assertEquals(e.session().equals("Ses05") ? "test" : fold.devSpeakers().contains(e.speaker()) ? "dev" : "train",
                    e.split());
        }
    }

    @Test
    void givenSplitsMustBeSpeakerDisjoint() {
        List<ManifestEntry> ok = new ArrayList<>(speakers("en", 2, "train"));
        ok.add(new ManifestEntry(9, "d", "file:/d.wav", "en", Emotion.SAD, "dev_spk", "dev", "c", ""));
        ok.add(new ManifestEntry(10, "t", "file:/t.wav", "en", Emotion.SAD, "test_spk", "test", "c", ""));
        Folds.Fold f = Folds.define(ok, Folds.Scheme.GIVEN, 5, 1, 0, 1).selectedFold();
        assertEquals(List.of("test_spk"), f.testSpeakers());
        assertEquals(List.of("dev_spk"), f.devSpeakers());
        List<ManifestEntry> leaky = new ArrayList<>(ok);
        leaky.add(new ManifestEntry(11, "t2", "file:/t2.wav", "en", Emotion.SAD, "en_spk0", "test", "c", ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Folds.define(leaky, Folds.Scheme.GIVEN, 5, 1, 0, 1));
        assertTrue(e.getMessage().contains("en_spk0"), e.getMessage());
    }

    @Test
    void foldRejectsOverlappingSpeakerSets() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Folds.Fold(0, List.of("a"), List.of("b"), List.of("a", "c")));
        assertTrue(e.getMessage().contains("[a]") && e.getMessage().contains("test and train"), e.getMessage());
    }

    @Test
    void refusesFoldsThatCannotBeSpeakerIndependent() {
        List<ManifestEntry> twoSessions = new ArrayList<>(iemocapLike());
        ManifestEntry e = twoSessions.get(0);
        twoSessions.add(new ManifestEntry(99, "moved", e.path(), "en", Emotion.SAD, e.speaker(), "", "iemocap", "Ses02"));
        assertThrows(IllegalArgumentException.class, () -> Folds.define(twoSessions, Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 1, 0, 1));
        // Two speakers: holding one out leaves one, which cannot be both dev and train.
        assertThrows(IllegalArgumentException.class, () -> Folds.define(speakers("fi", 2, ""), Folds.Scheme.LEAVE_ONE_SPEAKER_OUT, 5, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Folds.define(iemocapLike(), Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 1, 5, 1));
    }

    @Test
    void definitionRoundTripsThroughJson() {
        Folds.Definition d = Folds.define(iemocapLike(), Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 1, 1, 42);
        String json = d.toJson();
        assertTrue(json.contains("\"scheme\": \"leave-one-session-out\""), json);
        assertTrue(json.contains("Ses02_F"), json);
        Folds.Definition back = Folds.Definition.fromJson(json);
        assertEquals(d, back);
        assertNotEquals(d.folds().get(0), back.folds().get(1));
    }
}
