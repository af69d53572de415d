package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.SafeTensors;
import io.serdistill.train.linear.Lbfgs;
import io.serdistill.train.linear.LinearReference;
import io.serdistill.train.linear.LinearReferenceOptions;
import io.serdistill.train.linear.LinearReferenceTrainer;
import io.serdistill.train.linear.LogisticRegressionTrainerTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearReferenceKindTest {
    private static final List<Double> GRID = LinearReferenceOptions.logspace(-3, 1, 5);

    /** n examples over {@code speakers} speakers (4 consecutive per speaker turn), the first {@code dev} as dev. */
    private static List<List<TrainingExample>> examples(int n, int speakers, int dev) {
        int[] y = new int[n];
        float[][] x = LogisticRegressionTrainerTest.blobs(n, 6, 4, 0.6, 21, y);
        List<TrainingExample> train = new ArrayList<>();
        List<TrainingExample> devSet = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TrainingExample e = new TrainingExample("u" + i, "en", "spk" + (i / 4) % speakers, y[i], x[i], null);
            (i < dev ? devSet : train).add(e);
        }
        return List.of(train, devSet);
    }

    @Test
    void fitsTrainPlusDevWithSpeakerGroupedCvAndRecordsTheChoiceInTheFile() throws Exception {
        List<List<TrainingExample>> sets = examples(120, 6, 24);
        LinearReferenceKind kind = new LinearReferenceKind(GRID, 3);
        TrainedModel<LinearReferenceKind.Fitted> trained = kind.train(sets.get(0), sets.get(1), null,
                CheckpointStore.NONE, e -> {});
        assertEquals(List.of(), trained.history(), "no epochs");

        // The same fit by hand, on train + dev together.
        List<TrainingExample> all = new ArrayList<>(sets.get(0));
        all.addAll(sets.get(1));
        LinearReference direct = LinearReferenceTrainer.train(all.stream().map(TrainingExample::input)
                        .toArray(float[][]::new), all.stream().mapToInt(TrainingExample::label).toArray(),
                all.stream().map(TrainingExample::speaker).toArray(String[]::new), 4,
                new LinearReferenceOptions(GRID, 3, Lbfgs.Options.defaults()));
        LinearReference ref = trained.model().reference();
        assertEquals(direct.c(), ref.c());
        assertArrayEquals(direct.model().weights(), ref.model().weights());

        byte[] file = trained.model().toSafeTensors(java.util.Map.of("ser.model", "reference-linear-en"));
        SafeTensors st = SafeTensors.parse(file, "reference");
        assertEquals(Double.toString(ref.c()), st.metadata().get("ser.reference.c"));
        assertEquals("3", st.metadata().get("ser.reference.folds"));
        assertTrue(st.metadata().get("ser.reference.grid").contains("\"mean_ua\""), st.metadata().toString());
        assertEquals("reference-linear-en", st.metadata().get("ser.model"), "provenance kept");

        // Loaded from its file, it scores exactly as the fitted model.
        float[][] inputs = all.stream().limit(10).map(TrainingExample::input).toArray(float[][]::new);
        float[][] loaded = kind.load(file, "reference").logits(Arrays.asList(inputs));
        float[][] fitted = ref.model().logits(inputs);
        for (int i = 0; i < inputs.length; i++) {
            assertArrayEquals(fitted[i], loaded[i]);
        }
    }

    @Test
    void foldsShrinkToTheSpeakersThereAre() {
        List<List<TrainingExample>> sets = examples(48, 2, 0);
        LinearReference ref = new LinearReferenceKind(GRID, 5).train(sets.get(0), sets.get(1), null,
                CheckpointStore.NONE, e -> {}).model().reference();
        assertEquals(2, ref.folds(), "two speakers: two folds, not five");
        assertEquals(GRID.size(), ref.grid().size());

        List<List<TrainingExample>> one = examples(24, 1, 0);
        LinearReference single = new LinearReferenceKind(GRID, 5).train(one.get(0), one.get(1), null,
                CheckpointStore.NONE, e -> {}).model().reference();
        assertEquals(0, single.folds(), "one speaker: nothing to cross-validate over");
        assertEquals(GRID.get(2), single.c(), "the middle of the grid");
    }

    @Test
    void invalidSettingsNameTheOption() {
        InvalidOption e = assertThrows(InvalidOption.class, () -> new LinearReferenceKind(GRID, 1));
        assertEquals("folds", e.option());
        assertThrows(IllegalArgumentException.class, () -> new LinearReferenceKind(List.of(1.0, 0.1), 5));
    }
}
