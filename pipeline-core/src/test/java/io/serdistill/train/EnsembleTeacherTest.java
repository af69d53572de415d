package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.serdistill.config.SerConfig;
import io.serdistill.distill.TeacherEnsemble;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The ensemble teacher of ser.distill.teacher-ensemble = mean-logits on real trained models: two languages' teachers,
 * each trained with two seeds (tiny MLPs), and the targets a student gets from them.
 */
class EnsembleTeacherTest {
    private static List<TrainingExample> examples(String language, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 4;
            float[] x = new float[6];
            for (int d = 0; d < x.length; d++) {
                x[d] = (float) (r.nextGaussian() + (d == label ? 1.5 : 0));
            }
            out.add(new TrainingExample(language + i, language, "s" + (i % 3), label, x, null));
        }
        return out;
    }

    private static float[][] trainAndScore(List<TrainingExample> train, long seed, List<float[]> inputs) throws IOException {
        PooledClassifierKind kind = new PooledClassifierKind(List.of(8), 1);
        TrainingOptions opts = SerConfig.load(List.of(), Map.of("ser.teachers.epochs", "8")).teachers()
                .fineTuning(seed);
        TrainedModel<?> trained = kind.train(train, List.of(), opts, CheckpointStore.NONE, e -> {});
        return kind.load(trained.model().toSafeTensors(Map.of()), "t").logits(inputs);
    }

    @Test
    void ensembleTargetsAreTheMeanOfEachLanguagesTeacherSeedsLogits() throws IOException {
        List<TrainingExample> en = examples("en", 40, 1);
        List<TrainingExample> fi = examples("fi", 40, 2);
        List<float[]> utterances = examples("x", 5, 3).stream().map(TrainingExample::input).toList();
        long base = 42;
        // Teacher list in roster order: en seed 1, en seed 2, fi seed 1, fi seed 2.
        List<float[][]> byTeacher = List.of(
                trainAndScore(en, SerConfig.Run.replicateSeed(base + 1000, 1), utterances),
                trainAndScore(en, SerConfig.Run.replicateSeed(base + 1000, 2), utterances),
                trainAndScore(fi, SerConfig.Run.replicateSeed(base + 2000, 1), utterances),
                trainAndScore(fi, SerConfig.Run.replicateSeed(base + 2000, 2), utterances));
        assertFalse(Arrays.equals(byTeacher.get(0)[0], byTeacher.get(1)[0]), "two seeds train two different teachers");
        List<int[]> seeds = List.of(new int[] {0, 1}, new int[] {2, 3});
        for (int u = 0; u < utterances.size(); u++) {
            float[][] all = new float[4][];
            for (int t = 0; t < 4; t++) {
                all[t] = byTeacher.get(t)[u];
            }
            for (int studentSeed = 1; studentSeed <= 2; studentSeed++) {
                float[][] mean = TeacherEnsemble.targets(all, TeacherEnsemble.MEAN_LOGITS.members(seeds, studentSeed));
                assertEquals(2, mean.length, "one target row per teacher language");
                for (int l = 0; l < 2; l++) {
                    for (int c = 0; c < 4; c++) {
                        double expected = ((double) all[2 * l][c] + all[2 * l + 1][c]) / 2;
                        assertEquals(expected, mean[l][c], 1e-6, "utterance " + u + " language " + l + " class " + c);
                    }
                }
                float[][] single = TeacherEnsemble.targets(all, TeacherEnsemble.SINGLE.members(seeds, studentSeed));
                // Student seed s distils from the teachers of seed s, their logits untouched.
                assertSame(all[studentSeed - 1], single[0]);
                assertSame(all[2 + studentSeed - 1], single[1]);
            }
        }
    }

    @Test
    void oneSeedEnsembleIsTheTeacherAndSeedsCountFromOne() {
        float[][] all = {{1f, 2f}, {3f, 4f}};
        List<int[]> oneSeed = List.of(new int[] {0}, new int[] {1});
        for (TeacherEnsemble e : TeacherEnsemble.values()) {
            float[][] t = TeacherEnsemble.targets(all, e.members(oneSeed, 1));
            assertSame(all[0], t[0]);
            assertArrayEquals(all[1], t[1]);
        }
        assertThrows(IllegalArgumentException.class, () -> TeacherEnsemble.SINGLE.members(oneSeed, 2));
        assertThrows(IllegalArgumentException.class, () -> SerConfig.Run.replicateSeed(42, 0));
        assertEquals(42, SerConfig.Run.replicateSeed(42, 1), "seed 1 keeps the single-seed run's seed");
        assertEquals("mean-logits", TeacherEnsemble.MEAN_LOGITS.label());
    }
}
