package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CheckpointPolicyTest {
    @Test
    void dueWhenEitherCriterionIsReached() {
        CheckpointPolicy p = new CheckpointPolicy(5, 60);
        assertFalse(p.due(4, 59.9));
        assertTrue(p.due(5, 0.1));
        assertTrue(p.due(1, 60));
    }

    @Test
    void zeroTurnsACriterionOff() {
        assertFalse(new CheckpointPolicy(0, 60).due(1000, 59));
        assertTrue(new CheckpointPolicy(0, 60).due(1, 61));
        assertFalse(new CheckpointPolicy(3, 0).due(2, 1e9));
        assertFalse(new CheckpointPolicy(0, 0).due(1000, 1e9));
        assertTrue(CheckpointPolicy.EVERY_EPOCH.due(1, 0));
    }

    @Test
    void rejectsNegativeAndInfiniteIntervals() {
        assertThrows(IllegalArgumentException.class, () -> new CheckpointPolicy(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointPolicy(1, -1));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointPolicy(1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new CheckpointPolicy(1, Double.POSITIVE_INFINITY));
    }
}
