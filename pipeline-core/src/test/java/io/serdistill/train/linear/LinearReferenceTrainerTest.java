package io.serdistill.train.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LinearReferenceTrainerTest {

    private static String[] speakers(int n, int count) {
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
            s[i] = "spk" + (i / 4) % count; // 4 consecutive utterances (one per class) per speaker turn
        }
        return s;
    }

    @Test
    void tiesGoToTheSmallestC() {
        int[] y = new int[96];
        float[][] x = LogisticRegressionTrainerTest.blobs(96, 4, 4, 30.0, 11, y); // far apart: every C scores 1
        LinearReferenceOptions options = new LinearReferenceOptions(List.of(0.01, 0.1, 1.0), 3,
                Lbfgs.Options.defaults());
        LinearReference ref = LinearReferenceTrainer.train(x, y, speakers(96, 6), 4, options);
        for (LinearReference.GridScore g : ref.grid()) {
            assertEquals(1.0, g.meanUa(), "C=" + g.c());
        }
        assertEquals(0.01, ref.c());
    }

    @Test
    void scoresAreFoldMeansAndTheRefitUsesEveryExampleWithTheChosenC() {
        int[] y = new int[160];
        float[][] x = LogisticRegressionTrainerTest.blobs(160, 6, 4, 0.5, 12, y);
        String[] spk = speakers(160, 8);
        LinearReferenceOptions options = new LinearReferenceOptions(LinearReferenceOptions.logspace(-3, 1, 5), 4,
                Lbfgs.Options.defaults());
        LinearReference ref = LinearReferenceTrainer.train(x, y, spk, 4, options);
        assertEquals(5, ref.grid().size());
        assertEquals(4, ref.folds());
        int[] fold = SpeakerFolds.assign(spk, 4);
        double best = Double.NEGATIVE_INFINITY;
        for (LinearReference.GridScore g : ref.grid()) {
            assertEquals(4, g.foldUa().size());
            assertEquals(g.foldUa().stream().mapToDouble(Double::doubleValue).sum() / 4, g.meanUa(), 1e-15);
            for (int f = 0; f < 4; f++) {
                assertEquals(LinearReferenceTrainer.heldOutUa(x, y, fold, f, 4, g.c(), options.solver()),
                        g.foldUa().get(f));
            }
            best = Math.max(best, g.meanUa());
        }
        double bestC = best;
        assertEquals(ref.grid().stream().filter(g -> g.meanUa() >= bestC - LinearReferenceTrainer.TIE)
                .findFirst().orElseThrow().c(), ref.c());
        LogisticRegressionTrainer.Fit refit = LogisticRegressionTrainer.fit(x, y, 4, ref.c(), options.solver());
        assertArrayEquals(refit.model().weights(), ref.model().weights());
        assertArrayEquals(refit.model().bias(), ref.model().bias());
    }

    @Test
    void optionsValidateThemselves() {
        Lbfgs.Options s = Lbfgs.Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> new LinearReferenceOptions(List.of(), 5, s));
        assertThrows(IllegalArgumentException.class, () -> new LinearReferenceOptions(List.of(1.0, 0.1), 5, s));
        assertThrows(IllegalArgumentException.class, () -> new LinearReferenceOptions(List.of(1.0, 1.0), 5, s));
        assertThrows(IllegalArgumentException.class, () -> new LinearReferenceOptions(List.of(-1.0), 5, s));
        assertThrows(IllegalArgumentException.class, () -> new LinearReferenceOptions(List.of(1.0), 1, s));
        List<Double> grid = LinearReferenceOptions.defaults().cGrid();
        assertEquals(13, grid.size());
        assertEquals(1e-4, grid.get(0), 1e-18);
        assertEquals(1.0, grid.get(8), 1e-15);
        assertEquals(100.0, grid.get(12), 1e-12);
    }

    @Test
    void rejectsMismatchedInputsAndTooFewSpeakers() {
        int[] y = new int[40];
        float[][] x = LogisticRegressionTrainerTest.blobs(40, 3, 4, 1.0, 13, y);
        LinearReferenceOptions options = LinearReferenceOptions.defaults();
        assertThrows(IllegalArgumentException.class,
                () -> LinearReferenceTrainer.train(x, y, speakers(39, 5), 4, options));
        assertThrows(IllegalArgumentException.class,
                () -> LinearReferenceTrainer.train(x, y, speakers(40, 4), 4, options)); // 4 speakers, 5 folds
    }
}
