package io.serdistill.distill;

import java.util.List;
import java.util.Locale;

/**
 * Which teacher logits a student learns from when every teacher trained with several seeds
 * ({@code ser.distill.teacher-ensemble}). {@link #SINGLE}: student seed s distils from the teachers of seed s;
 * {@link #MEAN_LOGITS}: every student seed from the ensemble teacher of each language, the element-wise mean of that
 * language's teacher seeds' logits (softened at the distillation temperature as one teacher's logits are).
 */
public enum TeacherEnsemble {
    SINGLE,
    MEAN_LOGITS;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * For a student of replicate {@code seed} (1-based), per teacher language the indices into the run's teacher
     * list whose logits make that language's target.
     *
     * @param teacherSeeds per teacher language, the index in the teacher list of each of its seeds (seed 1 first)
     */
    public int[][] members(List<int[]> teacherSeeds, int seed) {
        int[][] out = new int[teacherSeeds.size()][];
        for (int l = 0; l < out.length; l++) {
            int[] seeds = teacherSeeds.get(l);
            if (this == MEAN_LOGITS) {
                out[l] = seeds.clone();
            } else {
                if (seed > seeds.length) {
                    throw new IllegalArgumentException("student seed " + seed + " but teacher language " + l
                            + " has " + seeds.length + " seed(s)");
                }
                out[l] = new int[] {seeds[seed - 1]};
            }
        }
        return out;
    }

    /**
     * A student's teacher logits, one row per teacher language: row l the mean of {@code logits[members[l][k]]} over
     * k, accumulated in double and in member order; a single member's row is that teacher's logits, unchanged.
     *
     * @param logits every teacher's logits for one utterance, in teacher-list order
     */
    public static float[][] targets(float[][] logits, int[][] members) {
        float[][] out = new float[members.length][];
        for (int l = 0; l < members.length; l++) {
            int[] m = members[l];
            if (m.length == 1) {
                out[l] = logits[m[0]];
                continue;
            }
            int classes = logits[m[0]].length;
            double[] sum = new double[classes];
            for (int k : m) {
                if (logits[k].length != classes) {
                    throw new IllegalArgumentException("teacher " + k + " has " + logits[k].length + " logits, not "
                            + classes);
                }
                for (int c = 0; c < classes; c++) {
                    sum[c] += logits[k][c];
                }
            }
            float[] mean = new float[classes];
            for (int c = 0; c < classes; c++) {
                mean[c] = (float) (sum[c] / m.length);
            }
            out[l] = mean;
        }
        return out;
    }
}
