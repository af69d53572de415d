package io.serdistill.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.serdistill.audio.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentedPredictionTest {
    static final List<String> CLASSES = List.of("neutral", "happy", "angry", "sad");

    static SegmentedPrediction.Scored scored(double start, double end, double speech, double... p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            best = p[i] > p[best] ? i : best;
        }
        return new SegmentedPrediction.Scored(new Segment((int) (start * 100), (int) (end * 100), 100, speech),
                new Prediction(CLASSES, best, p, end - start));
    }

    @Test
    void theAggregateIsTheMeanWeightedBySpeechSeconds() {
        SegmentedPrediction p = SegmentedPrediction.of(List.of(
                scored(0, 8, 6, 0.7, 0.1, 0.1, 0.1),
                scored(4, 12, 2, 0.1, 0.1, 0.7, 0.1)));
        // (6 * 0.7 + 2 * 0.1) / 8 = 0.55; (6 * 0.1 + 2 * 0.7) / 8 = 0.25.
        assertArrayEquals(new double[] {0.55, 0.1, 0.25, 0.1}, p.aggregate().probabilities(), 1e-12);
        assertEquals("neutral", p.aggregate().label());
        assertEquals(8, p.aggregate().seconds(), 1e-12);
        assertEquals(2, p.segments().size());
    }

    @Test
    void weightsDecideTheLabel() {
        SegmentedPrediction p = SegmentedPrediction.of(List.of(
                scored(0, 8, 1, 0.7, 0.1, 0.1, 0.1),
                scored(4, 12, 7, 0.1, 0.1, 0.7, 0.1)));
        assertEquals("angry", p.aggregate().label());
        assertEquals((1 * 0.7 + 7 * 0.1) / 8, p.aggregate().probabilities()[0], 1e-12);
    }

    @Test
    void oneSegmentIsItsOwnAggregate() {
        SegmentedPrediction.Scored only = scored(0, 3, 3, 0.2, 0.3, 0.4, 0.1);
        assertSame(only.prediction(), SegmentedPrediction.of(List.of(only)).aggregate());
    }

    @Test
    void tiesGoToTheLowestClass() {
        SegmentedPrediction p = SegmentedPrediction.of(List.of(
                scored(0, 8, 4, 0.5, 0.0, 0.5, 0.0), scored(4, 12, 4, 0.5, 0.0, 0.5, 0.0)));
        assertEquals(0, p.aggregate().predicted());
    }
}
