package io.serdistill.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class UtterancePoolingTest {
    @Test
    void poolsMeanThenStandardDeviationPerDimension() {
        // frames: [1, 10], [3, 10], [5, 10] -> mean [3, 10], population std [sqrt(8/3), 0]
        FeatureMatrix m = new FeatureMatrix(3, 2, new float[] {1, 10, 3, 10, 5, 10});
        assertArrayEquals(new float[] {3f, 10f, (float) Math.sqrt(8.0 / 3), 0f}, UtterancePooling.meanStd(m), 1e-6f);
    }

    @Test
    void refusesEmptyInput() {
        assertThrows(IllegalArgumentException.class, () -> UtterancePooling.meanStd(new FeatureMatrix(0, 2, new float[0])));
    }
}
