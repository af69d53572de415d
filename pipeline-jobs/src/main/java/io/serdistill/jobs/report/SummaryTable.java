package io.serdistill.jobs.report;

import io.serdistill.distill.StudentPlan;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.jobs.run.MetricKey;
import io.serdistill.jobs.run.Roster;
import java.util.List;
import java.util.Map;

/** The per-language UA/WA table a person reads at the end of a run. */
public final class SummaryTable {
    private SummaryTable() {}

    public static String render(Map<MetricKey, ConfusionMatrix> matrices, Roster roster, List<String> languages,
                         List<String> methods, String split) {
        StringBuilder sb = new StringBuilder();
        sb.append("UA / WA (%) on the ").append(split).append(" split, per language\n");
        sb.append(String.format("%-34s", "model"));
        for (String l : languages) {
            sb.append(String.format("  %-13s", l + " UA/WA"));
        }
        sb.append(String.format("  %-13s%n", "mean UA/WA"));
        // Teachers are shown on their own language only: that is the monolingual reference the student must match.
        sb.append(row("teachers (own language)", languages, split, matrices, roster, Roster.TEACHER_METHOD));
        for (String m : methods) {
            // Mono students are shown on their own language, like the teachers.
            sb.append(row(StudentPlan.modelName(m, null) + (roster.ownLanguageOnly(m) ? " (own language)" : ""),
                    languages, split, matrices, roster, m));
        }
        if (!roster.references().isEmpty()) {
            // The floor every neural model should clear: logistic regression on the same pooled features.
            sb.append(row("reference-linear (own language)", languages, split, matrices, roster,
                    Roster.REFERENCE_METHOD));
            sb.append(row(Roster.REFERENCE_MULTI_METHOD, languages, split, matrices, roster,
                    Roster.REFERENCE_MULTI_METHOD));
        }
        return sb.toString();
    }

    private static String row(String label, List<String> languages, String split,
                              Map<MetricKey, ConfusionMatrix> matrices, Roster roster, String method) {
        StringBuilder sb = new StringBuilder(String.format("%-34s", label));
        double uaSum = 0;
        double waSum = 0;
        int n = 0;
        for (String l : languages) {
            String model = roster.reportedOn(method, l).map(Roster.Model::name).orElse(null);
            ConfusionMatrix cm = model == null ? null : matrices.get(new MetricKey(model, method, l, split));
            if (cm == null || cm.total() == 0) {
                sb.append(String.format("  %-13s", "-"));
                continue;
            }
            sb.append(String.format("  %5.1f / %5.1f", 100 * cm.unweightedRecall(), 100 * cm.accuracy()));
            uaSum += cm.unweightedRecall();
            waSum += cm.accuracy();
            n++;
        }
        sb.append(n == 0 ? "  -" : String.format("  %5.1f / %5.1f", 100 * uaSum / n, 100 * waSum / n));
        return sb.append('\n').toString();
    }
}
