package io.serdistill.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationReportTest {

    private static final double EPS = 1e-12;

    @Test
    void carriesHeadlineMetricsAndPerClassRowsOfTheMatrix() {
        ClassificationReport report = ClassificationReport.ofEmotions(ConfusionMatrixTest.example());
        assertEquals(7.0 / 12.0, report.wa(), EPS);
        assertEquals(4.0 / 9.0, report.ua(), EPS);
        assertEquals(3.0 / 7.0, report.macroF1(), EPS);
        assertEquals(4, report.classes().size());
        ClassificationReport.ClassRow neutral = report.classes().get(0);
        assertEquals("neutral", neutral.name());
        assertEquals(6, neutral.support());
        assertEquals(5.0 / 6.0, neutral.recall(), EPS);
        assertEquals(5.0 / 8.0, neutral.precision(), EPS);
        assertEquals(5.0 / 7.0, neutral.f1(), EPS);
        assertEquals(new ClassificationReport.ClassRow("angry", 0, 0.0, 0.0, 0.0), report.classes().get(2));
    }

    @Test
    void rendersAlignedTableWithDashesForClassesWithoutSupport() {
        List<String> lines = ClassificationReport.ofEmotions(ConfusionMatrixTest.example()).toString().lines()
                .toList();
        assertEquals(List.of(
                "WA 58.33%  UA 44.44%  macro-F1 42.86%  (n = 12)",
                "class     support  recall %  precision      f1 %",
                "neutral         6     83.33      62.50     71.43",
                "happy           4     50.00      66.67     57.14",
                "angry           0         -       0.00         -",
                "sad             2      0.00       0.00      0.00",
                "UA and macro-F1 average over classes with support only.",
                "confusion matrix (rows = true, columns = predicted):",
                "         neutral    happy    angry      sad",
                "neutral        5        1        0        0",
                "happy          2        2        0        0",
                "angry          0        0        0        0",
                "sad            1        0        1        0"), lines);
    }

    @Test
    void rejectsClassNamesThatDoNotMatchTheMatrix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassificationReport.of(ConfusionMatrix.empty(4), List.of("a", "b")));
        assertEquals("got 2 class names for a 4-class matrix", e.getMessage());
    }
}
