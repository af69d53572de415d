package io.serdistill.jobs.report;

import io.serdistill.distill.StudentPlan;
import io.serdistill.eval.ConfidenceInterval;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Metric;
import io.serdistill.jobs.run.MetricKey;
import io.serdistill.jobs.run.Roster;
import java.util.List;
import java.util.Map;

/** The per-language UA/WA table a person reads at the end of a run. */
public final class SummaryTable {
    private SummaryTable() {}

    /**
     * One seed: each cell the model's UA / WA. Several (ser.run.seeds): each cell the mean over seeds ± the half-width
     * of its 95% Student-t interval over seeds; the mean column averages each seed's languages first, then takes the
     * interval over seeds. Models with one seed (the linear references) show their value.
     */
    public static String render(Map<MetricKey, ConfusionMatrix> matrices, Roster roster, List<String> languages,
                         List<String> methods, String split) {
        boolean seeds = roster.seeds() > 1;
        int width = seeds ? 23 : 13;
        StringBuilder sb = new StringBuilder();
        sb.append("UA / WA (%) on the ").append(split).append(" split, per language");
        if (seeds) {
            sb.append(": mean over ").append(roster.seeds()).append(" seeds ± 95% interval half-width (Student t over seeds)");
        }
        sb.append('\n');
        sb.append(String.format("%-34s", "model"));
        for (String l : languages) {
            sb.append(String.format("  %-" + width + "s", l + " UA/WA"));
        }
        sb.append(String.format("  %-" + width + "s%n", "mean UA/WA"));
        // Teachers are shown on their own language only: that is the monolingual reference the student must match.
        sb.append(row("teachers (own language)", languages, split, matrices, roster, Roster.TEACHER_METHOD, width));
        for (String m : methods) {
            // Mono students are shown on their own language, like the teachers.
            sb.append(row(StudentPlan.modelName(m, null) + (roster.ownLanguageOnly(m) ? " (own language)" : ""),
                    languages, split, matrices, roster, m, width));
        }
        if (!roster.references().isEmpty()) {
            // The floor every neural model should clear: logistic regression on the same pooled features.
            sb.append(row("reference-linear (own language)", languages, split, matrices, roster,
                    Roster.REFERENCE_METHOD, width));
            sb.append(row(Roster.REFERENCE_MULTI_METHOD, languages, split, matrices, roster,
                    Roster.REFERENCE_MULTI_METHOD, width));
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
                              Map<MetricKey, ConfusionMatrix> matrices, Roster roster, String method, int width) {
        if (roster.seeds() > 1) {
            return rowOverSeeds(label, languages, split, matrices, roster, method, width);
        }
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

    private static String rowOverSeeds(String label, List<String> languages, String split,
                                       Map<MetricKey, ConfusionMatrix> matrices, Roster roster, String method, int width) {
        StringBuilder sb = new StringBuilder(String.format("%-34s", label));
        // seed → sum over its languages, and how many languages it was scored on
        Map<Integer, double[]> bySeed = new java.util.TreeMap<>();
        for (String l : languages) {
            Map<Integer, Double> ua = SeedSummary.perSeed(matrices, roster, method, l, split, Metric.UA);
            Map<Integer, Double> wa = SeedSummary.perSeed(matrices, roster, method, l, split, Metric.WA);
            if (ua.isEmpty()) {
                sb.append(String.format("  %-" + width + "s", "-"));
                continue;
            }
            sb.append("  ").append(cell(SeedSummary.interval(ua), SeedSummary.interval(wa)));
            ua.forEach((seed, v) -> {
                double[] acc = bySeed.computeIfAbsent(seed, s -> new double[3]);
                acc[0] += v;
                acc[1] += wa.get(seed);
                acc[2]++;
            });
        }
        if (bySeed.isEmpty()) {
            return sb.append("  -\n").toString();
        }
        Map<Integer, Double> meanUa = new java.util.TreeMap<>();
        Map<Integer, Double> meanWa = new java.util.TreeMap<>();
        bySeed.forEach((seed, acc) -> {
            meanUa.put(seed, acc[0] / acc[2]);
            meanWa.put(seed, acc[1] / acc[2]);
        });
        sb.append("  ").append(cell(SeedSummary.interval(meanUa), SeedSummary.interval(meanWa)));
        return sb.append('\n').toString();
    }

    /** "mean±h / mean±h" over seeds (23 characters), or the value alone, padded, for a model of one seed. */
    private static String cell(ConfidenceInterval.Interval ua, ConfidenceInterval.Interval wa) {
        if (ua.n() == 1) {
            return String.format("%5.1f      / %5.1f     ", 100 * ua.mean(), 100 * wa.mean());
        }
        return String.format("%5.1f±%4.1f / %5.1f±%4.1f", 100 * ua.mean(), 100 * ua.halfWidth(), 100 * wa.mean(),
                100 * wa.halfWidth());
    }
}
