package io.serdistill.train.linear;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LbfgsTest {

    /** f(x, y) = (1 − x)² + 100 (y − x²)², minimum 0 at (1, 1): a curved valley that defeats a poor line search. */
    private static final Lbfgs.Objective ROSENBROCK = new Lbfgs.Objective() {
        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public double valueAndGradient(double[] x, double[] g) {
            double a = 1 - x[0];
            double b = x[1] - x[0] * x[0];
            g[0] = -2 * a - 400 * x[0] * b;
            g[1] = 200 * b;
            return a * a + 100 * b * b;
        }
    };

    /** ½ Σ hᵢ (xᵢ − i)², curvatures hᵢ from 1 to 10⁴: condition number 10⁴. */
    private static Lbfgs.Objective illConditionedQuadratic(int n) {
        return new Lbfgs.Objective() {
            @Override
            public int dimension() {
                return n;
            }

            @Override
            public double valueAndGradient(double[] x, double[] g) {
                double f = 0;
                for (int i = 0; i < n; i++) {
                    double h = Math.pow(1e4, (double) i / (n - 1));
                    double d = x[i] - i;
                    g[i] = h * d;
                    f += 0.5 * h * d * d;
                }
                return f;
            }
        };
    }

    @Test
    void findsTheRosenbrockMinimum() {
        Lbfgs.Result r = Lbfgs.minimise(ROSENBROCK, new double[] {-1.2, 1}, Lbfgs.Options.defaults());
        assertEquals(Lbfgs.Stop.GRADIENT, r.stop(), r.toString());
        assertEquals(1.0, r.x()[0], 1e-7);
        assertEquals(1.0, r.x()[1], 1e-7);
        assertTrue(r.value() < 1e-14, "f = " + r.value());
        assertTrue(r.iterations() < 100, r.iterations() + " iterations");
    }

    @Test
    void solvesAnIllConditionedQuadraticToTheTolerance() {
        int n = 50;
        Lbfgs.Options tight = new Lbfgs.Options(10, 1e-12, 0, 10_000, 50);
        Lbfgs.Result r = Lbfgs.minimise(illConditionedQuadratic(n), new double[n], tight);
        assertEquals(Lbfgs.Stop.GRADIENT, r.stop(), r.toString());
        assertTrue(r.gradientNorm() <= 1e-12 * 1e4 * 49, r.toString());
        for (int i = 0; i < n; i++) {
            // |gᵢ| ≤ 1e-12 · |g₀|∞ with |g₀|∞ = 1e4 · 49 bounds each error by 4.9e-7 / hᵢ.
            assertEquals(i, r.x()[i], 4.9e-7 / Math.pow(1e4, (double) i / (n - 1)), "x[" + i + "]");
        }
    }

    @Test
    void sameStartGivesTheSameIteratesBitForBit() {
        double[] start = {-1.2, 1};
        Lbfgs.Result a = Lbfgs.minimise(ROSENBROCK, start, Lbfgs.Options.defaults());
        Lbfgs.Result b = Lbfgs.minimise(ROSENBROCK, start, Lbfgs.Options.defaults());
        assertArrayEquals(a.x(), b.x());
        assertEquals(a.evaluations(), b.evaluations());
        assertArrayEquals(new double[] {-1.2, 1}, start, "the start point is not modified");
    }

    @Test
    void stopsAtTheIterationLimit() {
        Lbfgs.Options few = new Lbfgs.Options(10, 0, 0, 3, 50);
        Lbfgs.Result r = Lbfgs.minimise(ROSENBROCK, new double[] {-1.2, 1}, few);
        assertEquals(Lbfgs.Stop.MAX_ITERATIONS, r.stop());
        assertEquals(3, r.iterations());
    }

    @Test
    void interpolationStaysInsideTheBracket() {
        // φ(a) = (a − 0.3)², bracket [0, 1]: the cubic through both ends is exact, minimiser 0.3.
        assertEquals(0.3, Lbfgs.interpolate(0, 0.09, -0.6, 1, 0.49, 1.4), 1e-12);
        // A minimiser outside the bracket is pulled a tenth of the width inside.
        double t = Lbfgs.interpolate(0, 0, -1, 1, -2, -1);
        assertTrue(t >= 0.1 && t <= 0.9, "t = " + t);
        assertEquals(0.5, Lbfgs.interpolate(0, Double.NaN, -1, 1, 1, 1));
    }

    @Test
    void rejectsAStartOfTheWrongLengthAndBadOptions() {
        assertThrows(IllegalArgumentException.class,
                () -> Lbfgs.minimise(ROSENBROCK, new double[3], Lbfgs.Options.defaults()));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs.Options(0, 1e-8, 0, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs.Options(5, Double.NaN, 0, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs.Options(5, 1e-8, 0, 0, 10));
    }
}
