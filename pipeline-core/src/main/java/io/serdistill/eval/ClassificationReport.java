package io.serdistill.eval;

import io.serdistill.data.Emotion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Summary of one evaluation: WA, UA and macro-F1 (fractions in [0, 1]), one row per class, and the confusion
 * matrix they came from. {@link #toString()} renders an aligned text table (percentages) for logs and reports.
 *
 * @param wa weighted accuracy, {@link ConfusionMatrix#accuracy()}
 * @param ua unweighted accuracy over classes with support, {@link ConfusionMatrix#unweightedRecall()}
 * @param macroF1 macro-F1 over classes with support, {@link ConfusionMatrix#macroF1()}
 * @param classes one row per class, in class-index order
 * @param matrix the counts behind every number here
 */
public record ClassificationReport(double wa, double ua, double macroF1, List<ClassRow> classes,
        ConfusionMatrix matrix) {

    /**
     * Per-class figures (fractions in [0, 1]); the zero conventions of {@link ConfusionMatrix} apply.
     *
     * @param name class name
     * @param support number of utterances of this true class
     * @param recall recall, 0 when {@code support} is 0
     * @param precision precision, 0 when the class is never predicted
     * @param f1 F1 score
     */
    public record ClassRow(String name, long support, double recall, double precision, double f1) {
        public ClassRow {
            Objects.requireNonNull(name, "name");
        }
    }

    public ClassificationReport {
        Objects.requireNonNull(matrix, "matrix");
        classes = List.copyOf(classes);
        if (classes.size() != matrix.numClasses()) {
            throw new IllegalArgumentException("report has " + classes.size() + " class rows but the matrix has "
                    + matrix.numClasses() + " classes");
        }
    }

    /**
     * Computes the report for {@code matrix}.
     *
     * @param classNames one name per class index, as many as the matrix has classes
     */
    public static ClassificationReport of(ConfusionMatrix matrix, List<String> classNames) {
        Objects.requireNonNull(matrix, "matrix");
        Objects.requireNonNull(classNames, "classNames");
        if (classNames.size() != matrix.numClasses()) {
            throw new IllegalArgumentException("got " + classNames.size() + " class names for a "
                    + matrix.numClasses() + "-class matrix");
        }
        List<ClassRow> rows = new ArrayList<>(classNames.size());
        for (int c = 0; c < classNames.size(); c++) {
            rows.add(new ClassRow(classNames.get(c), matrix.support(c), matrix.recall(c), matrix.precision(c),
                    matrix.f1(c)));
        }
        return new ClassificationReport(matrix.accuracy(), matrix.unweightedRecall(), matrix.macroF1(), rows,
                matrix);
    }

    /** Report for the four {@link Emotion} classes, named by {@link Emotion#label()}. */
    public static ClassificationReport ofEmotions(ConfusionMatrix matrix) {
        return of(matrix, Emotion.labels());
    }

    /**
     * Aligned text: the headline metrics, the per-class table and the confusion matrix. Recall and F1 of a
     * class without support print as "-" because they take no part in UA or macro-F1.
     */
    @Override
    public String toString() {
        int nameWidth = "class".length();
        for (ClassRow row : classes) {
            nameWidth = Math.max(nameWidth, row.name().length());
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "WA %.2f%%  UA %.2f%%  macro-F1 %.2f%%  (n = %d)%n",
                100 * wa, 100 * ua, 100 * macroF1, matrix.total()));
        String rowFormat = "%-" + nameWidth + "s  %8s  %8s  %9s  %8s%n";
        out.append(String.format(Locale.ROOT, rowFormat, "class", "support", "recall %", "precision", "f1 %"));
        for (ClassRow row : classes) {
            boolean supported = row.support() > 0;
            out.append(String.format(Locale.ROOT, rowFormat, row.name(), row.support(),
                    supported ? percent(row.recall()) : "-", percent(row.precision()),
                    supported ? percent(row.f1()) : "-"));
        }
        out.append("UA and macro-F1 average over classes with support only.").append(System.lineSeparator());
        appendMatrix(out, nameWidth);
        return out.toString();
    }

    private void appendMatrix(StringBuilder out, int nameWidth) {
        long[][] counts = matrix.counts();
        int cellWidth = 1;
        for (ClassRow row : classes) {
            cellWidth = Math.max(cellWidth, row.name().length());
        }
        for (long[] countRow : counts) {
            for (long n : countRow) {
                cellWidth = Math.max(cellWidth, Long.toString(n).length());
            }
        }
        String cell = "  %" + cellWidth + "s";
        out.append("confusion matrix (rows = true, columns = predicted):").append(System.lineSeparator());
        out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", ""));
        for (ClassRow row : classes) {
            out.append(String.format(Locale.ROOT, cell, row.name()));
        }
        out.append(System.lineSeparator());
        for (int t = 0; t < counts.length; t++) {
            out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", classes.get(t).name()));
            for (long n : counts[t]) {
                out.append(String.format(Locale.ROOT, cell, n));
            }
            out.append(System.lineSeparator());
        }
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f", 100 * fraction);
    }
}
