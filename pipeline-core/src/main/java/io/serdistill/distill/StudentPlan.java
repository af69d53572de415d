package io.serdistill.distill;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** The students a run trains, from the configured {@link StudentMethod}s. */
public final class StudentPlan {
    private StudentPlan() {}

    /**
     * One student to train.
     *
     * @param language  the only language it trains on, or null for all
     * @param weighting null for plain fine-tuning
     * @param alpha     cross-entropy weight (1 for fine-tuning)
     */
    public record Student(String model, StudentMethod method, String language, double alpha, TeacherWeighting weighting)
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
    public static List<Student> plan(List<StudentMethod> methods, List<String> languages, double multiAlpha,
                                     double singleAlpha, double beta) {
        List<Student> out = new ArrayList<>();
        for (StudentMethod m : methods) {
            if (m.perLanguage()) {
                for (String l : languages) {
                    out.add(student(m, l, multiAlpha, singleAlpha, beta));
                }
            } else {
                out.add(student(m, null, multiAlpha, singleAlpha, beta));
            }
        }
        return out;
    }

    private static Student student(StudentMethod m, String language, double multiAlpha, double singleAlpha,
                                   double beta) {
        TeacherWeighting.Similarity similarity = new TeacherWeighting.Similarity(TeacherWeighting.Similarity.PAPER_SCALE);
        TeacherWeighting weighting = switch (m) {
            case FT_MULTI, FT_MULTI_LANG -> null;
            case KD_MONO, KD_MULTI -> new TeacherWeighting.Language(1.0);
            case MTKD_MONO, MTKD_LANGUAGE -> new TeacherWeighting.Language(beta);
            case MTKD_UNIFORM -> new TeacherWeighting.Uniform();
            case MTKD_SIMILARITY -> new TeacherWeighting.BatchSimilarity(TeacherWeighting.Similarity.PAPER_SCALE);
            case MTKD_LANGUAGE_SIMILARITY -> new TeacherWeighting.LanguageSimilarity(new TeacherWeighting.Language(beta),
                    similarity);
            case MTKD_SIMILARITY_UTTERANCE -> similarity;
            case MTKD_GOLD -> new TeacherWeighting.Gold();
        };
        double alpha = switch (m) {
            case FT_MULTI, FT_MULTI_LANG -> 1.0;
            case KD_MONO, KD_MULTI -> singleAlpha;
            default -> multiAlpha;
        };
        return new Student(modelName(m.label(), language), m, language, alpha, weighting);
    }

    /** student-{method} or, for a mono student, student-{method}-{language}. */
    public static String modelName(String method, String language) {
        return "student-" + method + (language == null ? "" : "-" + language);
    }
}
