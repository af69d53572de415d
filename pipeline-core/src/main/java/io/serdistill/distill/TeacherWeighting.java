package io.serdistill.distill;

import java.util.List;

/**
 * How much each teacher's soft targets count for one utterance. Weights are non-negative and sum to 1.
 * The language rule is the project's method; uniform is the multi-teacher KD baseline.
 */
public sealed interface TeacherWeighting extends java.io.Serializable
        permits TeacherWeighting.Uniform, TeacherWeighting.Language {

    /** Weights over {@code teacherLanguages} (same order) for an utterance in {@code language}. */
    double[] weights(String language, List<String> teacherLanguages);

    /** Every teacher counts the same. */
    record Uniform() implements TeacherWeighting {
        @Override
        public double[] weights(String language, List<String> teacherLanguages) {
            double[] w = new double[teacherLanguages.size()];
            java.util.Arrays.fill(w, 1.0 / w.length);
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
        public double[] weights(String language, List<String> teacherLanguages) {
            int own = teacherLanguages.indexOf(language);
            int k = teacherLanguages.size();
            if (own < 0 || k == 1) {
                return new Uniform().weights(language, teacherLanguages);
            }
            double[] w = new double[k];
            java.util.Arrays.fill(w, (1 - beta) / (k - 1));
            w[own] = beta;
            return w;
        }
    }
}
