package io.serdistill.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class UtterancePoolingTest {
    @Test
    void poolsMeanThenStandardDeviationPerDimension() {
        // frames: [1, 10], [3, 10], [5, 10] -> mean [3, 10], population std [sqrt(8/3), 0]
        FeatureMatrix m = new FeatureMatrix(3, 2, new float[] {1, 10, 3, 10, 5, 10});
        assertArrayEquals(new float[] {3f, 10f, (float) Math.sqrt(8.0 / 3), 0f}, UtterancePooling.meanStd(m), 1e-6f);
    }

    @Test
    void deltasRegressOverTwoFramesEachSideWithReplicatedEdges() {
        // One bin rising by 2 per frame: every interior delta is the slope; at the edges the replicated frames
        // flatten it: frame 0 sees c[-1] = c[-2] = c[0].
        float[] ramp = new float[8];
        for (int t = 0; t < ramp.length; t++) {
            ramp[t] = 2 * t;
        }
        float[] d = UtterancePooling.deltas(new FeatureMatrix(8, 1, ramp)).data();
        for (int t = 2; t < 6; t++) {
            assertEquals(2f, d[t], 1e-6f, "frame " + t);
        }
        // frame 0: (1 * (2 - 0) + 2 * (4 - 0)) / 10 = 1.0; frame 1: (1 * (4 - 0) + 2 * (6 - 0)) / 10 = 1.6
        assertEquals(1.0f, d[0], 1e-6f);
        assertEquals(1.6f, d[1], 1e-6f);
        assertEquals(1.6f, d[6], 1e-6f, "symmetric at the end");
        assertEquals(1.0f, d[7], 1e-6f);
        // Two bins are independent.
        float[] twoBins = {0, 5, 1, 5, 2, 5, 3, 5, 4, 5};
        float[] d2 = UtterancePooling.deltas(new FeatureMatrix(5, 2, twoBins)).data();
        assertEquals(1f, d2[2 * 2], 1e-6f);
        assertEquals(0f, d2[2 * 2 + 1], 1e-6f, "a constant bin has no delta");
    }

    @Test
    void poolsTheListedStatisticsInOrder() {
        float[] data = new float[20];
        for (int t = 0; t < 10; t++) {
            data[2 * t] = t * t; // accelerating: its delta varies, its delta-delta is nearly constant inside
            data[2 * t + 1] = t % 2;
        }
        FeatureMatrix m = new FeatureMatrix(10, 2, data);
        float[] all = UtterancePooling.pool(m, List.of(PoolingStat.STD, PoolingStat.MEAN, PoolingStat.DELTA_STD,
                PoolingStat.DELTA_DELTA_STD));
        assertEquals(8, all.length, "four blocks of two bins");
        float[] meanStd = UtterancePooling.meanStd(m);
        assertArrayEquals(new float[] {meanStd[2], meanStd[3]}, Arrays.copyOfRange(all, 0, 2), "std first");
        assertArrayEquals(new float[] {meanStd[0], meanStd[1]}, Arrays.copyOfRange(all, 2, 4), "then the mean");
        float[] deltaStats = UtterancePooling.meanStd(UtterancePooling.deltas(m));
        assertArrayEquals(new float[] {deltaStats[2], deltaStats[3]}, Arrays.copyOfRange(all, 4, 6), 1e-6f);
        float[] ddStats = UtterancePooling.meanStd(UtterancePooling.deltas(UtterancePooling.deltas(m)));
        assertArrayEquals(new float[] {ddStats[2], ddStats[3]}, Arrays.copyOfRange(all, 6, 8), 1e-6f);
        assertTrue(all[4] > 0 && all[6] < all[4], "the square's delta varies more than its delta-delta");
        assertThrows(IllegalArgumentException.class, () -> UtterancePooling.pool(m, List.of()));
    }

    @Test
    void refusesEmptyInput() {
        assertThrows(IllegalArgumentException.class, () -> UtterancePooling.meanStd(new FeatureMatrix(0, 2, new float[0])));
    }
}
