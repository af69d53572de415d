package io.serdistill.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.Segmentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files scored together in one model call ({@link PackageScorer#predictAll}) get what scoring each alone gives. */
class PackageScorerBatchTest {
    @TempDir
    Path tmp;

    private static final Segmentation WINDOWS = new Segmentation.Windows(8, 4);

    @Test
    void aMixedBatchEqualsFileByFileScoringAndABadFileFailsAlone() throws Exception {
        Path pkg = tmp.resolve("pkg");
        TestPackages.write(pkg);
        PackageScorer scorer = ModelPackage.open(pkg).scorer(Optional.empty());
        assertTrue(scorer.batchesFiles(), "a pooled-input package");
        List<Path> wavs = List.of(TestPackages.wav(tmp.resolve("a.wav"), 220), TestPackages.wav(tmp.resolve("b.wav"), 330),
                TestPackages.longWav(tmp.resolve("long.wav"), 21, 0, 0), TestPackages.wav(tmp.resolve("c.wav"), 440));
        List<PackageScorer.Prepared> batch = new ArrayList<>();
        List<SegmentedPrediction> alone = new ArrayList<>();
        for (Path wav : wavs) {
            AudioClip clip = scorer.recordingPreparer(1800).prepare(Files.readAllBytes(wav));
            batch.add(scorer.prepare(wav.toString(), clip, WINDOWS, null).orElseThrow());
            alone.add(scorer.predict(wav.toString(), clip, WINDOWS, null).orElseThrow());
        }
        assertEquals(5, batch.get(2).segments().size(), "the long file is cut into 8 s windows");
        // A file whose input the model cannot take (a vector one value short), in the middle of the batch.
        PackageScorer.Prepared good = batch.get(1);
        float[] v = good.inputs().get(0).values();
        PackageScorer.Prepared bad = new PackageScorer.Prepared("bad", null, good.segments(),
                List.of(new PackageScorer.Input(java.util.Arrays.copyOf(v, v.length - 1), 1.0)));
        batch.add(2, bad);

        List<PackageScorer.Outcome> outcomes = scorer.predictAll(batch);
        assertEquals(5, outcomes.size());
        assertNull(outcomes.get(2).prediction());
        assertNotNull(outcomes.get(2).error(), "the bad file gets its own error");
        List<PackageScorer.Outcome> goodOnes = new ArrayList<>(outcomes);
        goodOnes.remove(2);
        for (int i = 0; i < alone.size(); i++) {
            assertNull(goodOnes.get(i).error(), wavs.get(i).toString());
            assertSame(alone.get(i), goodOnes.get(i).prediction());
        }

        // Without the bad file the batch goes through one joint call: the same predictions.
        batch.remove(2);
        List<PackageScorer.Outcome> joint = scorer.predictAll(batch);
        for (int i = 0; i < alone.size(); i++) {
            assertSame(alone.get(i), joint.get(i).prediction());
        }
    }

    private static void assertSame(SegmentedPrediction want, SegmentedPrediction got) {
        assertEquals(want.segments().size(), got.segments().size());
        for (int s = 0; s < want.segments().size(); s++) {
            assertEquals(want.segments().get(s).segment(), got.segments().get(s).segment());
            assertPrediction(want.segments().get(s).prediction(), got.segments().get(s).prediction());
        }
        assertPrediction(want.aggregate(), got.aggregate());
    }

    private static void assertPrediction(Prediction want, Prediction got) {
        assertEquals(want.classes(), got.classes());
        assertEquals(want.label(), got.label());
        assertEquals(want.seconds(), got.seconds(), 1e-12);
        for (int c = 0; c < want.classes().size(); c++) {
            assertEquals(want.probabilities()[c], got.probabilities()[c], 1e-5, want.classes().get(c));
        }
    }
}
