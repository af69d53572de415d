package io.serdistill.jobs.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pieces of model selection that need no Spark: the refit epochs and the inner folds' bookkeeping. */
class ModelSelectionTest {

    @Test
    void refitEpochsAreTheMedianOfTheBestEpochs() {
        assertEquals(7, ModelSelection.median(List.of(7)));
        assertEquals(5, ModelSelection.median(List.of(9, 2, 5)), "unsorted input");
        assertEquals(4, ModelSelection.median(List.of(3, 4)), "3.5 rounds half up");
        assertEquals(6, ModelSelection.median(List.of(10, 2, 5, 7)), "5 and 7: 6");
        assertEquals(12, ModelSelection.median(List.of(12, 12, 40, 1, 12)));
    }

    @Test
    void innerFoldsCountAndListSpeakersPerLanguage() {
        ModelSelection.InnerFolds folds = new ModelSelection.InnerFolds(Map.of(
                ModelSelection.key("en", "a"), 0, ModelSelection.key("en", "b"), 1, ModelSelection.key("en", "c"), 2,
                ModelSelection.key("fi", "d"), 0, ModelSelection.key("fi", "e"), 1),
                Map.of("en", 3, "fi", 2));
        assertEquals(3, folds.folds("en"));
        assertEquals(2, folds.folds("fi"));
        assertEquals(3, folds.folds(null), "a multilingual model: the most any language has");
        assertEquals(0, folds.folds("fr"), "a language without training speakers");
        assertEquals(List.of("en/a", "fi/d"), folds.speakers(null, 0));
        assertEquals(List.of("en/c"), folds.speakers(null, 2), "fi has no third fold");
        assertEquals(List.of("fi/e"), folds.speakers("fi", 1));
    }
}
