package io.serdistill.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FoldSummaryTest {
    @Test
    void meanAndTIntervalOverFolds() {
        List<FoldSummary.FoldValue> values = List.of(
                new FoldSummary.FoldValue("mtkd-language", "en", "ua", 0, 0.6),
                new FoldSummary.FoldValue("mtkd-language", "en", "ua", 1, 0.7),
                new FoldSummary.FoldValue("mtkd-language", "en", "ua", 2, 0.8),
                new FoldSummary.FoldValue("mtkd-language", "en", "wa", 0, 0.5),
                new FoldSummary.FoldValue("mtkd-language", "en", "wa", 1, 0.5),
                new FoldSummary.FoldValue("mtkd-language", "en", "wa", 2, 0.5));
        List<FoldSummary.Cell> cells = FoldSummary.summarise(values);
        assertEquals(2, cells.size());
        FoldSummary.Cell ua = cells.get(0);
        assertEquals("ua", ua.metric());
        assertEquals(0.7, ua.interval().mean(), 1e-12);
        // sd 0.1, t(0.975, 2) = 4.302653: half-width 0.248414
        assertEquals(0.248414, ua.interval().halfWidth(), 1e-6);
        assertEquals(3, ua.interval().n());
        String table = FoldSummary.render(cells, List.of("en", "fi"), "ua", "wa");
        assertTrue(table.contains("mean over 3 fold(s)"), table);
        assertTrue(table.contains("70.0±24.8 / 50.0±0.0"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("mtkd-language") && l.trim().endsWith("-")), table);
    }

    @Test
    void aFoldCountedTwiceIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> FoldSummary.summarise(List.of(
                new FoldSummary.FoldValue("m", "en", "ua", 0, 0.6), new FoldSummary.FoldValue("m", "en", "ua", 0, 0.7))));
    }

    @Test
    void withSeedsTheIntervalIsOverEveryFoldAndSeed() {
        List<FoldSummary.FoldValue> values = List.of(
                new FoldSummary.FoldValue("m", "en", "ua", 0, 1, 0.6), new FoldSummary.FoldValue("m", "en", "ua", 0, 2, 0.7),
                new FoldSummary.FoldValue("m", "en", "ua", 1, 1, 0.8), new FoldSummary.FoldValue("m", "en", "ua", 1, 2, 0.9),
                new FoldSummary.FoldValue("m", "en", "wa", 0, 1, 0.5), new FoldSummary.FoldValue("m", "en", "wa", 1, 1, 0.5));
        List<FoldSummary.Cell> cells = FoldSummary.summarise(values);
        FoldSummary.Cell ua = cells.stream().filter(c -> c.metric().equals("ua")).findFirst().orElseThrow();
        assertEquals(0.75, ua.interval().mean(), 1e-12);
        assertEquals(4, ua.interval().n(), "folds x seeds values");
        assertEquals(2, ua.folds());
        assertEquals(2, ua.seeds());
        // sd of 0.6..0.9 = 0.129099, t(0.975, 3) = 3.182446: half-width 0.205426
        assertEquals(0.205426, ua.interval().halfWidth(), 1e-6);
        FoldSummary.Cell wa = cells.stream().filter(c -> c.metric().equals("wa")).findFirst().orElseThrow();
        assertEquals(1, wa.seeds());
        String table = FoldSummary.render(cells, List.of("en"), "ua", "wa");
        assertTrue(table.contains("mean over 2 fold(s) × 2 seeds"), table);
        assertThrows(IllegalArgumentException.class, () -> FoldSummary.summarise(List.of(
                new FoldSummary.FoldValue("m", "en", "ua", 0, 2, 0.6), new FoldSummary.FoldValue("m", "en", "ua", 0, 2, 0.7))),
                "a (fold, seed) counted twice is an error");
    }
}
