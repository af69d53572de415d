package io.serdistill.train.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SpeakerFoldsTest {

    @Test
    void largestSpeakersGoFirstToTheLightestFold() {
        // a:5, b:3, c:3, d:1 → a to fold 0 (5, 0); b to fold 1 (5, 3); c to fold 1 (5, 6); d to fold 0 (6, 6).
        String[] speakers = {"c", "a", "b", "a", "d", "c", "a", "b", "a", "c", "b", "a"};
        assertEquals(Map.of("a", 0, "b", 1, "c", 1, "d", 0), SpeakerFolds.foldOfSpeaker(speakers, 2));
        assertArrayEquals(new int[] {1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0}, SpeakerFolds.assign(speakers, 2));
    }

    @Test
    void equalSizedSpeakersAreDealtRoundRobinInIdOrder() {
        String[] speakers = {"s5", "s3", "s1", "s4", "s2", "s0", "s6"};
        assertEquals(Map.of("s0", 0, "s1", 1, "s2", 2, "s3", 0, "s4", 1, "s5", 2, "s6", 0),
                SpeakerFolds.foldOfSpeaker(speakers, 3));
    }

    @Test
    void rejectsMoreFoldsThanSpeakersAndMissingIds() {
        assertThrows(IllegalArgumentException.class, () -> SpeakerFolds.assign(new String[] {"a", "b", "a"}, 3));
        assertThrows(IllegalArgumentException.class, () -> SpeakerFolds.assign(new String[] {"a", "b"}, 1));
        assertThrows(IllegalArgumentException.class, () -> SpeakerFolds.assign(new String[] {"a", null, "b"}, 2));
    }
}
