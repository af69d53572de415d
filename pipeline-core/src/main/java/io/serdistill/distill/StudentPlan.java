package io.serdistill.distill;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The students a run trains, from the configured methods — the paper's experiment matrix
 * FT / KD (single teacher) / MTKD × Mono (target language only) / Multi (all languages):
 * <ul>
 *   <li>ft-mono: the teachers themselves (trained by the teachers stage, no student here);</li>
 *   <li>ft-multi: one student, labels only;</li>
 *   <li>kd-mono: per language, a student on that language distilled from its own teacher;</li>
 *   <li>kd-multi: one student on all languages, each utterance distilled from its own-language teacher only
 *       (language weighting with beta = 1);</li>
 *   <li>mtkd-mono: per language, a student on that language distilled from all teachers with language weights;</li>
 *   <li>mtkd-uniform, mtkd-language, mtkd-similarity, mtkd-language-similarity: one student on all languages, all
 *       teachers mixed by that rule.</li>
 * </ul>
 */
public final class StudentPlan {
    private StudentPlan() {}

    public static final List<String> METHODS = List.of("ft-multi", "kd-mono", "kd-multi", "mtkd-mono", "mtkd-uniform",
            "mtkd-language", "mtkd-similarity", "mtkd-language-similarity");

    /**
     * One student to train.
     *
     * @param language  the only language it trains on, or null for all
     * @param weighting null for plain fine-tuning
     * @param alpha     cross-entropy weight (1 for fine-tuning)
     */
    public record Student(String model, String method, String language, double alpha, TeacherWeighting weighting)
            implements Serializable {
        public boolean distills() {
            return weighting != null;
        }
    }

    /**
     * @param multiAlpha  alpha of multi-teacher students (the paper: 1 - 0.25)
     * @param singleAlpha alpha of single-teacher students (the paper: 1 - 0.75)
     * @param beta        own-language weight of the language rule
     */
    public static List<Student> plan(List<String> methods, List<String> languages, double multiAlpha,
                                     double singleAlpha, double beta) {
        List<Student> out = new ArrayList<>();
        for (String m : methods) {
            switch (m) {
                case "ft-multi" -> out.add(new Student(modelName(m, null), m, null, 1.0, null));
                case "kd-multi" -> out.add(new Student(modelName(m, null), m, null, singleAlpha, new TeacherWeighting.Language(1.0)));
                case "kd-mono" -> languages.forEach(l ->
                        out.add(new Student(modelName(m, l), m, l, singleAlpha, new TeacherWeighting.Language(1.0))));
                case "mtkd-mono" -> languages.forEach(l ->
                        out.add(new Student(modelName(m, l), m, l, multiAlpha, new TeacherWeighting.Language(beta))));
                case "mtkd-uniform", "mtkd-language", "mtkd-similarity", "mtkd-language-similarity" -> {
                    String rule = m.substring("mtkd-".length());
                    out.add(new Student(modelName(m, null), m, null, multiAlpha,
                            TeacherWeighting.named(rule.equals("language-similarity") ? "language+similarity" : rule, beta)));
                }
                default -> throw new IllegalArgumentException("unknown student method '" + m + "'; expected one of " + METHODS);
            }
        }
        return out;
    }

    /** student-{method} or, for a mono student, student-{method}-{language}. */
    public static String modelName(String method, String language) {
        return "student-" + method + (language == null ? "" : "-" + language);
    }
}
