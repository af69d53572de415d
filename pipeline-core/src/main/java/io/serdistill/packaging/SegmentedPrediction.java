package io.serdistill.packaging;

import io.serdistill.audio.Segment;
import java.util.List;

/**
 * One recording's result: a prediction per segment, in time order, and the file's aggregate, the mean of the
 * segments' probabilities weighted by their speech seconds, whose predicted class is its largest probability (the
 * lowest index on ties). A recording scored as one segment has that segment's prediction as its aggregate.
 */
public record SegmentedPrediction(List<Scored> segments, Prediction aggregate) {

    /** One segment and the model's prediction for it. */
    public record Scored(Segment segment, Prediction prediction) {}

    public SegmentedPrediction {
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a recording's prediction needs at least one segment");
        }
        segments = List.copyOf(segments);
    }

    /** The aggregate of {@code segments}' predictions (see the class comment). */
    public static SegmentedPrediction of(List<Scored> segments) {
        if (segments.size() == 1) {
            return new SegmentedPrediction(segments, segments.get(0).prediction());
        }
        List<String> classes = segments.get(0).prediction().classes();
        double[] mean = new double[classes.size()];
        double weight = 0;
        for (Scored s : segments) {
            double w = s.segment().speechSeconds();
            double[] p = s.prediction().probabilities();
            for (int c = 0; c < mean.length; c++) {
                mean[c] += w * p[c];
            }
            weight += w;
        }
        for (int c = 0; c < mean.length; c++) {
            mean[c] = weight > 0 ? mean[c] / weight : 1.0 / mean.length;
        }
        return new SegmentedPrediction(segments, new Prediction(classes, argMax(mean), mean, weight));
    }

    /** The index of the largest value, the lowest on ties (as {@code Predictions.argMax} picks a logit). */
    private static int argMax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }
}
