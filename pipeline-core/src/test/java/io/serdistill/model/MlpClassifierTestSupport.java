package io.serdistill.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A small {@link MlpClassifier} and random inputs for it, for tests here and in packages above. */
public final class MlpClassifierTestSupport {
    /** 6 inputs, one hidden layer of 8, 4 classes. */
    public static final ClassifierSpec SPEC = new ClassifierSpec(6, List.of(8), 4);

    private MlpClassifierTestSupport() {
    }

    /** A fresh model of {@link #SPEC} with fixed input normalisation. */
    public static MlpClassifier model(long seed) {
        return MlpClassifier.initialise(SPEC, new float[] {0, 1, 0, 0, 0, 0.5f}, new float[] {1, 2, 1, 1, 1, 0.5f}, seed);
    }

    /** {@code n} standard-normal input rows. */
    public static List<float[]> rows(int n, long seed) {
        Random r = new Random(seed);
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[6];
            for (int j = 0; j < 6; j++) {
                x[j] = (float) r.nextGaussian();
            }
            out.add(x);
        }
        return out;
    }
}
