package io.serdistill.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FeatureNormalizerTest {

    // Two columns over three frames: column 0 = 1, 2, 3 (mean 2, variance 2/3); column 1 = 10, 10, 40 (mean 20,
    // variance 200).
    private static final FeatureMatrix UTTERANCE = new FeatureMatrix(3, 2, new float[] {1, 10, 2, 10, 3, 40});

    @Test
    void statsOfOneUtteranceAreItsColumnMomentsByHand() {
        GlobalStats stats = GlobalStats.of(UTTERANCE);

        assertEquals(3, stats.count());
        assertArrayEquals(new double[] {6, 60}, stats.sum());
        assertArrayEquals(new double[] {14, 1800}, stats.sumSq());
        assertArrayEquals(new double[] {2, 20}, stats.mean(), 1e-12);
        assertArrayEquals(new double[] {2.0 / 3, 200}, stats.variance(), 1e-12);
    }

    @Test
    void perUtteranceMeanNormalisationSubtractsEachColumnMean() {
        FeatureMatrix normalised = FeatureNormalizer.perUtterance(UTTERANCE, false);

        assertArrayEquals(new float[] {-1, -10, 0, -10, 1, 20}, normalised.data(), 1e-6f);
    }

    @Test
    void perUtteranceVarianceNormalisationGivesUnitDeviation() {
        FeatureMatrix normalised = FeatureNormalizer.perUtterance(UTTERANCE, true);

        double s0 = Math.sqrt(2.0 / 3);
        double s1 = Math.sqrt(200);
        float[] expected = {(float) (-1 / s0), (float) (-10 / s1), 0, (float) (-10 / s1), (float) (1 / s0),
                (float) (20 / s1)};
        assertArrayEquals(expected, normalised.data(), 1e-6f);
        GlobalStats after = GlobalStats.of(normalised);
        assertArrayEquals(new double[] {0, 0}, after.mean(), 1e-6);
        assertArrayEquals(new double[] {1, 1}, after.variance(), 1e-6);
    }

    @Test
    void constantColumnNormalisesToZeroNotNaN() {
        FeatureMatrix constant = new FeatureMatrix(2, 1, new float[] {-15.942385f, -15.942385f});

        assertArrayEquals(new float[] {0, 0}, FeatureNormalizer.perUtterance(constant, true).data());
    }

    @Test
    void mergingStatsOfTwoPartsEqualsStatsOverTheirUnion() {
        Random random = new Random(11);
        FeatureMatrix a = randomFeatures(random, 37, 5);
        FeatureMatrix b = randomFeatures(random, 53, 5);
        FeatureMatrix union = new FeatureMatrix(90, 5, concat(a.data(), b.data()));

        GlobalStats merged = GlobalStats.of(a).merge(GlobalStats.of(b));
        GlobalStats direct = GlobalStats.of(union);
        GlobalStats folded = GlobalStats.empty(5).plus(a).plus(b);

        assertEquals(90, merged.count());
        assertArrayEquals(direct.sum(), merged.sum(), 1e-9);
        assertArrayEquals(direct.sumSq(), merged.sumSq(), 1e-9);
        assertArrayEquals(direct.mean(), merged.mean(), 1e-12);
        assertArrayEquals(direct.variance(), merged.variance(), 1e-9);
        assertEquals(merged, folded);
    }

    @Test
    void globalNormalizerAppliesTrainingSetMomentsToOtherUtterances() {
        FeatureNormalizer normalizer = GlobalStats.of(UTTERANCE).toNormalizer(true);
        FeatureMatrix other = new FeatureMatrix(1, 2, new float[] {4, 20});

        float[] out = normalizer.apply(other).data();

        assertEquals((float) (2 / Math.sqrt(2.0 / 3)), out[0], 1e-6f);
        assertEquals(0f, out[1]);
    }

    @Test
    void mismatchedDimensionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GlobalStats.empty(3).merge(GlobalStats.empty(2)));
        assertThrows(IllegalArgumentException.class,
                () -> GlobalStats.of(UTTERANCE).toNormalizer(false).apply(new FeatureMatrix(1, 3, new float[3])));
        assertThrows(IllegalStateException.class, () -> GlobalStats.empty(2).mean());
    }

    @Test
    void statsAndNormalizerSurviveJavaSerialisationForSpark() throws Exception {
        GlobalStats stats = GlobalStats.of(UTTERANCE);
        FeatureNormalizer normalizer = stats.toNormalizer(true);

        assertEquals(stats, roundTrip(stats));
        assertEquals(normalizer, roundTrip(normalizer));
        assertEquals(UTTERANCE, roundTrip(UTTERANCE));
    }

    private static Object roundTrip(Object o) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return in.readObject();
        }
    }

    private static FeatureMatrix randomFeatures(Random random, int frames, int dim) {
        float[] data = new float[frames * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (5 + 3 * random.nextGaussian());
        }
        return new FeatureMatrix(frames, dim, data);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = new float[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
