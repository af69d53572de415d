package io.serdistill.model.wav2vec2;

/**
 * The exact (erf-based) GELU on float arrays without a call per element: erf(z) = z P(z^2) / Q(z^2) on |z| <= 3.92
 * and ±1 beyond (erf(3.92) = 1 - 6e-9), a rational fit of degree 5 / 5 in z^2 made by {@code tools/fit_erf.py}
 * (weighted least squares on Chebyshev nodes; 1.6e-8 max error in double, ~5e-7 when evaluated in float). Plain
 * multiply-adds, one division and two clamps: loops over it vectorise, where Math.exp or a table would not.
 * Q has only positive coefficients, so Q(z^2) >= 1 and the division is safe.
 */
final class FastErf {
    private static final float LIMIT = 3.92f;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float P0 = 1.1283790226087362f;
    private static final float P1 = 1.9277872618494823e-01f;
    private static final float P2 = 5.3061969441490976e-02f;
    private static final float P3 = 3.8688283165747919e-03f;
    private static final float P4 = 2.8746833194775415e-04f;
    private static final float P5 = 2.0343321148914543e-06f;
    private static final float Q1 = 5.0417736607470998e-01f;
    private static final float Q2 = 1.1509026874886777e-01f;
    private static final float Q3 = 1.5173323845410874e-02f;
    private static final float Q4 = 1.1881945904423851e-03f;
    private static final float Q5 = 3.8065882397644789e-05f;

    private FastErf() {
    }

    static float erf(float x) {
        float z = Math.max(-LIMIT, Math.min(LIMIT, x));
        float z2 = z * z;
        float p = ((((P5 * z2 + P4) * z2 + P3) * z2 + P2) * z2 + P1) * z2 + P0;
        float q = ((((Q5 * z2 + Q4) * z2 + Q3) * z2 + Q2) * z2 + Q1) * z2 + 1f;
        return z * p / q;
    }

    /**
     * x[from, to) := scale * x (1 + erf(x / sqrt 2)): scale 0.5 is GELU, scale 1 is 2 GELU (for a layer whose
     * weights were halved at load, see {@link Gelu#applyDoubledInPlace}).
     */
    static void gelu(float[] x, int from, int to, float scale) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            x[i] = scale * (v + v * erf(v * INV_SQRT2)); // erf is inlined: the loop still vectorises
        }
    }
}
