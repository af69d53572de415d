package io.serdistill.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PredictionsTest {

    @Test
    void predictsTheLargestLogitAndTheLowestClassOnTies() {
        assertEquals(2, Predictions.argMax(new float[] {0.1f, -3f, 4f, 3.9f}));
        assertEquals(1, Predictions.argMax(new float[] {0f, 2f, 2f}));
        assertArrayEquals(new int[] {0, 3}, Predictions.argMax(new float[][] {{1f, 1f, 1f, 1f}, {-4f, -3f, -2f, -1f}}));
    }
}
