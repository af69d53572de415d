package io.serdistill.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LeakageGuardTest {
    private static LeakageGuard.Member m(String utt, String speaker, String split) {
        return new LeakageGuard.Member(utt, speaker, "/a/" + utt + ".wav", split);
    }

    @Test
    void acceptsDisjointSpeakers() {
        assertDoesNotThrow(() -> LeakageGuard.check(List.of(m("1", "s1", "train"), m("2", "s2", "dev"),
                m("3", "s3", "test"), m("4", "s1", "train"))));
    }

    @Test
    void namesSpeakersSharedByTestAndTrainOrDev() {
        LeakageGuard.LeakageException e = assertThrows(LeakageGuard.LeakageException.class, () -> LeakageGuard.check(List.of(
                m("1", "s1", "train"), m("2", "s1", "test"), m("3", "s2", "dev"), m("4", "s2", "test"), m("5", "s3", "test"))));
        assertTrue(e.getMessage().contains("2 speakers") && e.getMessage().contains("s1 [test, train]")
                && e.getMessage().contains("s2 [dev, test]") && !e.getMessage().contains("s3"), e.getMessage());
    }

    @Test
    void catchesTheSameFileUnderTwoIds() {
        LeakageGuard.LeakageException e = assertThrows(LeakageGuard.LeakageException.class, () -> LeakageGuard.check(List.of(
                new LeakageGuard.Member("a", "s1", "/x.wav", "train"), new LeakageGuard.Member("b", "s9", "/x.wav", "test"))));
        assertTrue(e.getMessage().contains("audio file") && e.getMessage().contains("/x.wav"), e.getMessage());
    }

    @Test
    void trainAndDevMayShareSpeakersWhenTestIsClean() {
        // Dev carved from training speakers is a legitimate design (never from the test fold).
        assertDoesNotThrow(() -> LeakageGuard.check(List.of(m("1", "s1", "train"), m("2", "s1", "dev"), m("3", "s2", "test"))));
    }

    @Test
    void innerFoldsOfTrainingSpeakersPass() {
        List<LeakageGuard.Member> run = List.of(m("1", "s1", "train"), m("2", "s2", "dev"), m("3", "s3", "test"));
        assertDoesNotThrow(() -> LeakageGuard.checkInnerFolds(run, java.util.Set.of("s1", "s2"), java.util.Set.of("1", "2")));
    }

    @Test
    void innerFoldsNamingATestSpeakerOrUtteranceAreRefused() {
        List<LeakageGuard.Member> run = List.of(m("1", "s1", "train"), m("2", "s2", "dev"), m("3", "s3", "test"));
        LeakageGuard.LeakageException bySpeaker = assertThrows(LeakageGuard.LeakageException.class,
                () -> LeakageGuard.checkInnerFolds(run, java.util.Set.of("s1", "s3"), java.util.Set.of("1")));
        assertTrue(bySpeaker.getMessage().contains("test speakers [s3]"), bySpeaker.getMessage());
        LeakageGuard.LeakageException byUtterance = assertThrows(LeakageGuard.LeakageException.class,
                () -> LeakageGuard.checkInnerFolds(run, java.util.Set.of("s1"), java.util.Set.of("1", "3")));
        assertTrue(byUtterance.getMessage().contains("1 test utterances") && byUtterance.getMessage().contains("[3]"),
                byUtterance.getMessage());
    }
}
