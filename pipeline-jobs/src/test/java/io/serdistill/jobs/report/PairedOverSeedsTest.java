package io.serdistill.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.FoldSummary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Verdicts over seeds: seed s of one model against seed s of the other, a Student-t interval over the differences. */
class PairedOverSeedsTest {
    @Test
    void runVerdictPairsSeedWithSeed() {
        // Differences 0.1, 0.3, 0.2 (seed 4 of a has no partner): mean 0.2, sd 0.1, t(0.975, 2) = 4.302653.
        ConfidenceInterval.Interval d = RunReport.pairedOverSeeds(Map.of(1, 0.8, 2, 0.9, 3, 0.7, 4, 0.1),
                Map.of(1, 0.7, 2, 0.6, 3, 0.5));
        assertEquals(0.2, d.mean(), 1e-12);
        assertEquals(3, d.n());
        assertEquals(4.302653 * 0.1 / Math.sqrt(3), d.halfWidth(), 1e-6);
        assertNull(RunReport.pairedOverSeeds(Map.of(1, 0.8), Map.of(1, 0.7)), "one seed has no spread to judge by");
    }

    @Test
    void foldVerdictPairsEveryFoldAndSeed() {
        List<FoldSummary.FoldValue> ua = List.of(
                new FoldSummary.FoldValue("a", "en", "ua", 0, 1, 0.8), new FoldSummary.FoldValue("b", "en", "ua", 0, 1, 0.7),
                new FoldSummary.FoldValue("a", "en", "ua", 0, 2, 0.9), new FoldSummary.FoldValue("b", "en", "ua", 0, 2, 0.6),
                new FoldSummary.FoldValue("a", "en", "ua", 1, 1, 0.7), new FoldSummary.FoldValue("b", "en", "ua", 1, 1, 0.5),
                new FoldSummary.FoldValue("a", "fi", "ua", 1, 2, 0.1));
        ConfidenceInterval.Interval d = FoldsReport.pairedOverFolds(ua, "a", "b", "en");
        assertEquals(3, d.n(), "two folds, the first with two seeds");
        assertEquals(0.2, d.mean(), 1e-12);
        assertEquals(4.302653 * 0.1 / Math.sqrt(3), d.halfWidth(), 1e-6);
    }

    @Test
    void againstAReferenceAModelsSeedsAreAveragedPerFoldAndPairedWithThatFold() {
        List<FoldSummary.FoldValue> ua = List.of(
                new FoldSummary.FoldValue("m", "en", "ua", 0, 1, 0.8), new FoldSummary.FoldValue("m", "en", "ua", 0, 2, 0.6),
                new FoldSummary.FoldValue("ref", "en", "ua", 0, 1, 0.6),
                new FoldSummary.FoldValue("m", "en", "ua", 1, 1, 0.9), new FoldSummary.FoldValue("m", "en", "ua", 1, 2, 0.9),
                new FoldSummary.FoldValue("ref", "en", "ua", 1, 1, 0.6),
                new FoldSummary.FoldValue("m", "en", "ua", 2, 1, 0.5), // no reference in fold 2
                new FoldSummary.FoldValue("ref", "fi", "ua", 0, 1, 0.1));
        ConfidenceInterval.Interval d = FoldsReport.againstReference(ua, "m", "ref", "en");
        // Fold differences 0.1 and 0.3: mean 0.2, sd sqrt(0.02), t(0.975, 1) = 12.7062.
        assertEquals(2, d.n(), "folds, not (fold, seed) pairs");
        assertEquals(0.2, d.mean(), 1e-12);
        assertEquals(12.7062 * Math.sqrt(0.02) / Math.sqrt(2), d.halfWidth(), 1e-3);
        assertNull(FoldsReport.againstReference(ua, "m", "ref", "fi"), "no model value on fi");
    }
}
