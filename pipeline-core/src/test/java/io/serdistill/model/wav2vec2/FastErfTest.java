package io.serdistill.model.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FastErfTest {
    /** erf by its Maclaurin series in double (accurate to ~1e-11 on |x| <= 4), 1 beyond: an independent reference. */
    static double erfReference(double x) {
        double a = Math.abs(x);
        if (a > 4.5) {
            return Math.signum(x);
        }
        double term = a;
        double sum = a;
        for (int n = 1; n < 200; n++) {
            term *= -a * a / n;
            double next = term / (2 * n + 1);
            sum += next;
            if (Math.abs(next) < 1e-17) {
                break;
            }
        }
        return Math.signum(x) * Math.min(1, 2 / Math.sqrt(Math.PI) * sum);
    }

    @Test
    void erfWithinFloatPrecisionEverywhere() {
        double worst = 0;
        double at = 0;
        for (int i = -80_000; i <= 80_000; i++) {
            float x = i * 1e-4f;
            double err = Math.abs(FastErf.erf(x) - erfReference(x));
            if (err > worst) {
                worst = err;
                at = x;
            }
        }
        assertTrue(worst < 1e-6, "max |erf error| " + worst + " at " + at);
        assertEquals(1, FastErf.erf(40f), 1e-6, "saturates");
        assertEquals(-1, FastErf.erf(-40f), 1e-6, "saturates");
        assertEquals(0f, FastErf.erf(0f));
    }

    @Test
    void geluAndDoubledGeluMatchTheExactFormula() {
        float[] x = new float[4001];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 2000) * 5e-3f;
        }
        float[] gelu = x.clone();
        float[] doubled = x.clone();
        FastErf.gelu(gelu, 0, gelu.length, 0.5f);
        FastErf.gelu(doubled, 1, doubled.length, 1f);
        for (int i = 0; i < x.length; i++) {
            double exact = 0.5 * x[i] * (1 + erfReference(x[i] / Math.sqrt(2)));
            assertEquals(exact, gelu[i], 1e-6 * Math.max(1, Math.abs(x[i])), "GELU(" + x[i] + ")");
            if (i > 0) {
                assertEquals(2 * exact, doubled[i], 2e-6 * Math.max(1, Math.abs(x[i])), "2 GELU(" + x[i] + ")");
            }
        }
        assertEquals(x[0], doubled[0], "elements outside [from, to) are left alone");
    }
}
