package io.serdistill.distill;

import java.util.Arrays;
import java.util.List;

/**
 * How much each teacher's soft targets count for one utterance. Weights are non-negative and sum to 1.
 * The language rule is the project's method; uniform is the multi-teacher KD baseline; similarity is the rule of
 * the paper's public code; language+similarity multiplies the two and renormalises.
 */
public sealed interface TeacherWeighting extends java.io.Serializable
        permits TeacherWeighting.Uniform, TeacherWeighting.Language, TeacherWeighting.Similarity,
        TeacherWeighting.LanguageSimilarity {

    /**
     * Weights over {@code teacherLanguages} (same order) for one utterance.
     *
     * @param studentLogits the student's current logits for the utterance (used by similarity rules)
     * @param teacherLogits [teachers][classes] the teachers' logits for the utterance
     */
    double[] weights(String language, List<String> teacherLanguages, float[] studentLogits, float[][] teacherLogits);

    /** True when the weights depend on the student's current logits (recomputed every batch). */
    default boolean needsStudentLogits() {
        return false;
    }

    /** Parses a config name: uniform, language, similarity, language+similarity. */
    static TeacherWeighting named(String name, double beta) {
        return switch (name) {
            case "uniform" -> new Uniform();
            case "language" -> new Language(beta);
            case "similarity" -> new Similarity(Similarity.PAPER_SCALE);
            case "language+similarity" -> new LanguageSimilarity(new Language(beta), new Similarity(Similarity.PAPER_SCALE));
            default -> throw new IllegalArgumentException("unknown teacher weighting '" + name
                    + "'; expected uniform, language, similarity or language+similarity");
        };
    }

    /** Every teacher counts the same. */
    record Uniform() implements TeacherWeighting {
        @Override
        public double[] weights(String language, List<String> teachers, float[] student, float[][] teacherLogits) {
            double[] w = new double[teachers.size()];
            Arrays.fill(w, 1.0 / w.length);
            return w;
        }
    }

    /**
     * The utterance's own-language teacher gets {@code beta}; the others share {@code 1 - beta} equally.
     * beta = 1 is hard routing. An utterance whose language has no teacher falls back to uniform weights,
     * and a single teacher always gets weight 1.
     */
    record Language(double beta) implements TeacherWeighting {
        public Language {
            if (beta < 0 || beta > 1) {
                throw new IllegalArgumentException("beta must be within [0, 1], got " + beta);
            }
        }

        @Override
        public double[] weights(String language, List<String> teachers, float[] student, float[][] teacherLogits) {
            int own = teachers.indexOf(language);
            int k = teachers.size();
            if (own < 0 || k == 1) {
                return new Uniform().weights(language, teachers, student, teacherLogits);
            }
            double[] w = new double[k];
            Arrays.fill(w, (1 - beta) / (k - 1));
            w[own] = beta;
            return w;
        }
    }

    /**
     * softmax over teachers of cos(student logits, teacher logits) / scale. The paper's code uses scale 0.25 and
     * recomputes the weights every batch from the student's current logits.
     */
    record Similarity(double scale) implements TeacherWeighting {
        public static final double PAPER_SCALE = 0.25;

        @Override
        public double[] weights(String language, List<String> teachers, float[] student, float[][] teacherLogits) {
            double[] s = new double[teacherLogits.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < s.length; k++) {
                s[k] = cosine(student, teacherLogits[k]) / scale;
                max = Math.max(max, s[k]);
            }
            double sum = 0;
            for (int k = 0; k < s.length; k++) {
                s[k] = Math.exp(s[k] - max);
                sum += s[k];
            }
            for (int k = 0; k < s.length; k++) {
                s[k] /= sum;
            }
            return s;
        }

        @Override
        public boolean needsStudentLogits() {
            return true;
        }

        static double cosine(float[] a, float[] b) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int i = 0; i < a.length; i++) {
                dot += a[i] * b[i];
                na += a[i] * a[i];
                nb += b[i] * b[i];
            }
            // Small floor like torch's cosine_similarity eps, so all-zero logits give 0 instead of NaN.
            return dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-8);
        }
    }

    /** Product of the language and similarity weights, renormalised to sum to 1. */
    record LanguageSimilarity(Language language, Similarity similarity) implements TeacherWeighting {
        @Override
        public double[] weights(String lang, List<String> teachers, float[] student, float[][] teacherLogits) {
            double[] a = language.weights(lang, teachers, student, teacherLogits);
            double[] b = similarity.weights(lang, teachers, student, teacherLogits);
            double sum = 0;
            for (int k = 0; k < a.length; k++) {
                a[k] *= b[k];
                sum += a[k];
            }
            if (sum <= 0) {
                return b;
            }
            for (int k = 0; k < a.length; k++) {
                a[k] /= sum;
            }
            return a;
        }

        @Override
        public boolean needsStudentLogits() {
            return true;
        }
    }
}
