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
        sb.append(crossLanguage(matrices, roster, languages, split));
        return sb.toString();
    }

    /**
     * Every per-language model (teachers, linear references) on every language, with its loss off its own
     * language: how much the languages differ, which is what a language-aware student has to bridge. Empty with
     * fewer than two languages.
     */
    static String crossLanguage(Map<MetricKey, ConfusionMatrix> matrices, Roster roster, List<String> languages,
                                String split) {
        if (languages.size() < 2) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\nUA (%) of each per-language model on every language (")
                .append(split).append(" split); loss = own language minus the mean of the others\n");
        sb.append(String.format("%-34s", "model"));
        for (String l : languages) {
            sb.append(String.format("  %6s", l));
        }
        sb.append(String.format("  %6s%n", "loss"));
        for (Roster.Role role : List.of(Roster.Role.TEACHER, Roster.Role.REFERENCE)) {
            double lossSum = 0;
            int lossCount = 0;
            for (Roster.Model m : role == Roster.Role.TEACHER ? roster.teachers() : roster.references()) {
                if (m.language() == null || !languages.contains(m.language())) {
                    continue;
                }
                StringBuilder line = new StringBuilder(String.format("%-34s", m.name()));
                double own = Double.NaN;
                double others = 0;
                int otherCount = 0;
                for (String l : languages) {
                    ConfusionMatrix cm = matrices.get(new MetricKey(m.name(), m.method(), l, split));
                    if (cm == null || cm.total() == 0) {
                        line.append(String.format("  %6s", "-"));
                        continue;
                    }
                    double ua = 100 * cm.unweightedRecall();
                    line.append(String.format("  %6.1f", ua));
                    if (l.equals(m.language())) {
                        own = ua;
                    } else {
                        others += ua;
                        otherCount++;
                    }
                }
                if (Double.isNaN(own) || otherCount == 0) {
                    line.append(String.format("  %6s", "-"));
                } else {
                    double loss = own - others / otherCount;
                    line.append(String.format("  %6.1f", loss));
                    lossSum += loss;
                    lossCount++;
                }
                sb.append(line).append('\n');
            }
            if (lossCount > 0) {
                sb.append(String.format("%-34s  mean loss off the own language: %.1f UA points%n",
                        role == Roster.Role.TEACHER ? "  teachers" : "  linear references", lossSum / lossCount));
            }
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
