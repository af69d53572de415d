package io.serdistill.distill;

import java.util.Arrays;
import java.util.List;

/**
 * How much each teacher's soft targets count for one utterance. Weights are non-negative and sum to 1.
 * The language rule is the project's method; uniform is the multi-teacher KD baseline; batch similarity is the rule
 * of the paper's public code (one weight vector per batch), utterance similarity the same rule per utterance;
 * language+similarity multiplies the language and utterance-similarity weights and renormalises; gold weights each
 * teacher by its probability of the true label.
 *
 * <p>Gradients: the weights are constants of the loss. Rules that read the student's logits read them from a
 * forward pass before the training step, so no gradient flows through the weights, as in the paper's code (its
 * weights are rebuilt with {@code torch.tensor}, which detaches them).
 */
public sealed interface TeacherWeighting extends java.io.Serializable
        permits TeacherWeighting.Uniform, TeacherWeighting.Language, TeacherWeighting.Similarity,
        TeacherWeighting.BatchSimilarity, TeacherWeighting.LanguageSimilarity, TeacherWeighting.Gold {

    /**
     * Weights over {@code teacherLanguages} (same order) for one utterance.
     *
     * @param label         the utterance's class index (read by the gold rule only)
     * @param studentLogits the student's current logits for the utterance (used by similarity rules)
     * @param teacherLogits [teachers][classes] the teachers' logits for the utterance
     */
    double[] weights(String language, int label, List<String> teacherLanguages, float[] studentLogits,
                     float[][] teacherLogits);

    /**
     * Weights of every utterance of a batch ([utterances][teachers]); by default each utterance's own
     * {@link #weights}. Rules over the whole batch ({@link BatchSimilarity}) override this.
     *
     * @param studentLogits [utterances][classes], or null when {@link #needsStudentLogits()} is false
     * @param teacherLogits per utterance, [teachers][classes]
     */
    default double[][] batchWeights(List<String> languages, int[] labels, List<String> teacherLanguages,
                                    float[][] studentLogits, List<float[][]> teacherLogits) {
        double[][] out = new double[languages.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = weights(languages.get(i), labels[i], teacherLanguages,
                    studentLogits == null ? null : studentLogits[i], teacherLogits.get(i));
        }
        return out;
    }

    /** True when the weights depend on the student's current logits (recomputed every batch). */
    default boolean needsStudentLogits() {
        return false;
    }

    /**
     * Parses a name: uniform, language, similarity (per batch, the paper's code), similarity-utterance,
     * language+similarity (per utterance), gold.
     */
    static TeacherWeighting named(String name, double beta) {
        return switch (name) {
            case "uniform" -> new Uniform();
            case "language" -> new Language(beta);
            case "similarity" -> new BatchSimilarity(Similarity.PAPER_SCALE);
            case "similarity-utterance" -> new Similarity(Similarity.PAPER_SCALE);
            case "language+similarity" -> new LanguageSimilarity(new Language(beta), new Similarity(Similarity.PAPER_SCALE));
            case "gold" -> new Gold();
            default -> throw new IllegalArgumentException("unknown teacher weighting '" + name
                    + "'; expected uniform, language, similarity, similarity-utterance, language+similarity or gold");
        };
    }

    /** Every teacher counts the same. */
    record Uniform() implements TeacherWeighting {
        @Override
        public double[] weights(String language, int label, List<String> teachers, float[] student,
                                float[][] teacherLogits) {
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
        public double[] weights(String language, int label, List<String> teachers, float[] student,
                                float[][] teacherLogits) {
            int own = teachers.indexOf(language);
            int k = teachers.size();
            if (own < 0 || k == 1) {
                return new Uniform().weights(language, label, teachers, student, teacherLogits);
            }
            double[] w = new double[k];
            Arrays.fill(w, (1 - beta) / (k - 1));
            w[own] = beta;
            return w;
        }
    }

    /**
     * Per utterance: softmax over teachers of cos(student logits, teacher logits) / scale, the rule of the paper's
     * code ({@link BatchSimilarity}) applied to each utterance on its own, so each utterance leans on the teachers
     * its student output agrees with. Recomputed every batch from the student's current (detached) logits.
     */
    record Similarity(double scale) implements TeacherWeighting {
        public static final double PAPER_SCALE = 0.25;

        @Override
        public double[] weights(String language, int label, List<String> teachers, float[] student,
                                float[][] teacherLogits) {
            double[] s = new double[teacherLogits.length];
            for (int k = 0; k < s.length; k++) {
                s[k] = cosine(student, teacherLogits[k]);
            }
            return softmax(s, scale);
        }

        /** softmax(s / scale), stably. */
        static double[] softmax(double[] cosines, double scale) {
            double[] s = new double[cosines.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < s.length; k++) {
                s[k] = cosines[k] / scale;
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

    /**
     * The paper's code's rule: one weight vector for the whole batch, softmax over teachers of (the batch mean of
     * cos(student logits, teacher logits)) / scale, every utterance of the batch mixing its teachers with it. The
     * student's logits are its current ones, read before the step (detached, like the paper's {@code torch.tensor}
     * of the similarities). Per utterance, on its own, the batch is that one utterance.
     */
    record BatchSimilarity(double scale) implements TeacherWeighting {
        @Override
        public double[] weights(String language, int label, List<String> teachers, float[] student,
                                float[][] teacherLogits) {
            return new Similarity(scale).weights(language, label, teachers, student, teacherLogits);
        }

        @Override
        public double[][] batchWeights(List<String> languages, int[] labels, List<String> teachers,
                                       float[][] studentLogits, List<float[][]> teacherLogits) {
            int n = languages.size();
            int k = teachers.size();
            double[] meanCosine = new double[k];
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < k; t++) {
                    meanCosine[t] += Similarity.cosine(studentLogits[i], teacherLogits.get(i)[t]) / n;
                }
            }
            double[] w = Similarity.softmax(meanCosine, scale);
            double[][] out = new double[n][];
            for (int i = 0; i < n; i++) {
                out[i] = w.clone();
            }
            return out;
        }

        @Override
        public boolean needsStudentLogits() {
            return true;
        }
    }

    /**
     * Gold confidence: teacher k's weight is its probability of the utterance's true label, softmax(z_k)[label] at
     * temperature 1 (the teacher's own confidence; at the distillation temperature every probability tends to 1 /
     * classes and the weights to uniform), renormalised over the teachers. When every teacher gives the label
     * probability 0 (underflow) the weights are uniform. Static: computed once per utterance.
     */
    record Gold() implements TeacherWeighting {
        @Override
        public double[] weights(String language, int label, List<String> teachers, float[] student,
                                float[][] teacherLogits) {
            double[] w = new double[teacherLogits.length];
            double sum = 0;
            for (int k = 0; k < w.length; k++) {
                w[k] = SoftTargets.softmax(teacherLogits[k], 1.0)[label];
                sum += w[k];
            }
            if (!(sum > 0) || Double.isInfinite(sum)) {
                return new Uniform().weights(language, label, teachers, student, teacherLogits);
            }
            for (int k = 0; k < w.length; k++) {
                w[k] /= sum;
            }
            return w;
        }
    }

    /** Product of the language and (per-utterance) similarity weights, renormalised to sum to 1. */
    record LanguageSimilarity(Language language, Similarity similarity) implements TeacherWeighting {
        @Override
        public double[] weights(String lang, int label, List<String> teachers, float[] student,
                                float[][] teacherLogits) {
            double[] a = language.weights(lang, label, teachers, student, teacherLogits);
            double[] b = similarity.weights(lang, label, teachers, student, teacherLogits);
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
