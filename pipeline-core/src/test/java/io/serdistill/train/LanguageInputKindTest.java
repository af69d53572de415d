package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.eval.Predictions;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.wav2vec2.HeadSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** ft-multi-lang's model family: pooled features plus a language one-hot, in training, in the file and in scoring. */
class LanguageInputKindTest {
    private static final List<String> LANGUAGES = List.of("en", "fi", "fr");

    /** Features are noise; the label is the language's index: only the language input can predict it. */
    private static List<TrainingExample> byLanguage(int perLanguage, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int l = 0; l < LANGUAGES.size(); l++) {
            for (int i = 0; i < perLanguage; i++) {
                float[] x = {(float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian(), (float) r.nextGaussian()};
                out.add(new TrainingExample(LANGUAGES.get(l) + i + "_" + seed, LANGUAGES.get(l), "s" + i, l, x, null));
            }
        }
        return out;
    }

    @Test
    void oneHotFollowsTheFeaturesInTheRunsLanguageOrder() {
        LanguageInputKind kind = new LanguageInputKind(new PooledClassifierKind(List.of(4), 1), LANGUAGES);
        assertArrayEquals(new float[] {0.5f, -1f, 0f, 1f, 0f}, kind.input(new float[] {0.5f, -1f}, "fi", "u"));
        assertArrayEquals(new float[] {2f, 0f, 0f, 1f}, kind.input(new float[] {2f}, "fr", "u"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kind.input(new float[] {1f}, "sv", "utt-7"));
        assertTrue(e.getMessage().contains("utt-7") && e.getMessage().contains("sv"), e.getMessage());
        assertThrows(InvalidOption.class, () -> new LanguageInputKind(new PooledClassifierKind(List.of(), 1),
                List.of("en", "en")));
    }

    @Test
    void trainedModelTakesFeaturesPlusLanguagesRecordsThemAndScoresByTheOneHot() throws IOException {
        ModelKind kind = new PooledClassifierKind(List.of(16), 1).withLanguageInput(LANGUAGES);
        TrainingOptions opts = SerConfig.load(List.of(), Map.of("ser.student.epochs", "40", "ser.student.learning-rate", "0.01")).student().fineTuning(5);
        // No dev split: the last epoch is kept (the dev UA saturates within a few epochs, long before training ends).
        TrainedModel<?> trained = kind.train(byLanguage(20, 1), List.of(), opts, CheckpointStore.NONE, e -> {});
        byte[] file = trained.model().toSafeTensors(Map.of("ser.model", "student-ft-multi-lang"));

        SafeTensors st = SafeTensors.parse(file, "test");
        assertEquals("[\"en\",\"fi\",\"fr\"]", st.metadata().get(LanguageInputKind.METADATA));
        assertEquals("student-ft-multi-lang", st.metadata().get("ser.model"), "provenance kept");
        assertEquals(4 + LANGUAGES.size(), MlpClassifier.fromSafeTensors(file, "test").spec().inputDim(),
                "input width = features + languages");

        ModelKind.Scorer scorer = kind.load(file, "test");
        float[] x = {0.1f, -0.3f, 0.2f, 0.0f};
        List<float[]> same = List.of(x, x, x);
        float[][] logits = scorer.logits(List.of("a", "b", "c"), LANGUAGES, same);
        assertFalse(Arrays.equals(logits[0], logits[1]), "changing the one-hot changes the logits");
        assertFalse(Arrays.equals(logits[1], logits[2]));
        // The label is the language: scored with each language's one-hot, the same features give that language's class.
        assertArrayEquals(new int[] {0, 1, 2}, Predictions.argMax(logits));
        List<TrainingExample> test = byLanguage(10, 3);
        int[] predicted = Predictions.argMax(scorer.logits(test.stream().map(TrainingExample::uttId).toList(),
                test.stream().map(TrainingExample::language).toList(), test.stream().map(TrainingExample::input).toList()));
        assertArrayEquals(test.stream().mapToInt(TrainingExample::label).toArray(), predicted);

        // Scoring without languages, loading as a plain pooled model, or with other languages: refused.
        assertThrows(IllegalArgumentException.class, () -> scorer.logits(List.of("a"), List.of(x)));
        IOException plain = assertThrows(IOException.class, () -> new PooledClassifierKind(List.of(16), 1).load(file, "m"));
        assertTrue(plain.getMessage().contains("language"), plain.getMessage());
        assertThrows(IOException.class, () -> new PooledClassifierKind(List.of(16), 1)
                .withLanguageInput(List.of("en", "fi")).load(file, "m"));
    }

    @Test
    void onlyPlainPooledKindsTakeALanguageInput() {
        assertThrows(InvalidOption.class, () -> new PooledClassifierKind(List.of(8), 13).withLanguageInput(LANGUAGES));
        assertThrows(InvalidOption.class, () -> new Wav2Vec2FrameHeadKind("/m", HeadSpec.Pooling.MEAN, 16, 64)
                .withLanguageInput(LANGUAGES));
    }
}
