package io.serdistill.train.linear;

/**
 * Limited-memory BFGS for smooth unconstrained minimisation in double precision (Nocedal and Wright,
 * <i>Numerical Optimization</i>, 2nd ed.: two-loop recursion, Algorithm 7.4, with the strong-Wolfe line search
 * of Algorithms 3.5 and 3.6 and safeguarded cubic interpolation in the zoom phase). Single-threaded and free
 * of randomness, so the same objective and start give the same iterates bit for bit.
 *
 * <p>Stops when the largest gradient component falls to {@code gradientTolerance · max(1, |g(x₀)|∞)}
 * ({@link Stop#GRADIENT}), when an iteration lowers the value by no more than
 * {@code functionTolerance · max(|f|, |f_prev|, 1)} ({@link Stop#FUNCTION}, the criterion of L-BFGS-B's
 * {@code factr}), when no step along the search direction or along steepest descent satisfies the line
 * search ({@link Stop#LINE_SEARCH}, typically at the limit of floating-point resolution), or after
 * {@code maxIterations} ({@link Stop#MAX_ITERATIONS}).
 */
public final class Lbfgs {
    private Lbfgs() {}

    /** A smooth function of {@link #dimension()} variables. */
    public interface Objective {
        int dimension();

        /** Returns f(x) and writes ∇f(x) into {@code gradient} (length {@link #dimension()}); must not keep x. */
        double valueAndGradient(double[] x, double[] gradient);
    }

    /**
     * @param memory                 correction pairs kept (≥ 1; 10 as in L-BFGS-B's default)
     * @param gradientTolerance      relative bound on the gradient's largest component, ≥ 0
     * @param functionTolerance      relative bound on one iteration's decrease, ≥ 0
     * @param maxIterations          ≥ 1
     * @param maxLineSearchEvaluations function evaluations per line search, ≥ 1
     */
    public record Options(int memory, double gradientTolerance, double functionTolerance, int maxIterations,
                          int maxLineSearchEvaluations) {
        public Options {
            if (memory < 1) {
                throw new IllegalArgumentException("memory = " + memory + ": must be >= 1");
            }
            if (!(gradientTolerance >= 0) || !(functionTolerance >= 0)) {
                throw new IllegalArgumentException("tolerances " + gradientTolerance + ", " + functionTolerance
                        + ": must be >= 0");
            }
            if (maxIterations < 1 || maxLineSearchEvaluations < 1) {
                throw new IllegalArgumentException("maxIterations = " + maxIterations + ", maxLineSearchEvaluations = "
                        + maxLineSearchEvaluations + ": must be >= 1");
            }
        }

        /** Tight convergence: gradient 1e-8 relative, decrease 64 ulp(1) (L-BFGS-B's ftol as scikit-learn sets it). */
        public static Options defaults() {
            return new Options(10, 1e-8, 64 * Math.ulp(1.0), 10_000, 50);
        }
    }

    public enum Stop { GRADIENT, FUNCTION, LINE_SEARCH, MAX_ITERATIONS }

    /**
     * @param x            the last accepted point
     * @param value        f(x)
     * @param gradientNorm largest absolute component of ∇f(x)
     * @param iterations   accepted steps
     * @param evaluations  calls of {@link Objective#valueAndGradient}
     * @param stop         why it stopped
     */
    public record Result(double[] x, double value, double gradientNorm, int iterations, int evaluations, Stop stop) {}

    /** Sufficient-decrease and curvature constants of the strong Wolfe conditions (Nocedal and Wright, p. 142). */
    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;

    /** Told of every accepted step. */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param iteration accepted steps so far (from 1)
         * @param x         the new point (the minimiser's array: read it, do not keep or modify it)
         * @param value     f(x)
         */
        void accepted(int iteration, double[] x, double value);
    }

    /** Minimises {@code f} from {@code start} (not modified). */
    public static Result minimise(Objective f, double[] start, Options options) {
        return minimise(f, start, options, (i, x, v) -> { });
    }

    /** As above, telling {@code progress} of every accepted step (it may evaluate {@code f} elsewhere). */
    public static Result minimise(Objective f, double[] start, Options options, Progress progress) {
        int n = f.dimension();
        if (start.length != n) {
            throw new IllegalArgumentException("start has " + start.length + " values, objective has dimension " + n);
        }
        Search s = new Search(f, n, options);
        double[] x = start.clone();
        double[] g = new double[n];
        double fx = s.evaluate(x, g);
        if (!Double.isFinite(fx)) {
            throw new IllegalArgumentException("objective is " + fx + " at the start point");
        }
        double gTol = options.gradientTolerance() * Math.max(1.0, normInf(g));
        int m = options.memory();
        // Correction pairs in float: they only shape the search direction (the line search and every stop test use
        // the double gradient), and the two-loop recursion's passes over them bound an iteration's cost.
        float[][] sHist = new float[m][n];
        float[][] yHist = new float[m][n];
        double[] rho = new double[m];
        double[] yy = new double[m];
        double[] alphaBuf = new double[m];
        int stored = 0;
        int newest = -1;
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        int iter = 0;
        boolean steepest = true;
        while (true) {
            double gNorm = normInf(g);
            if (gNorm <= gTol) {
                return new Result(x, fx, gNorm, iter, s.evaluations, Stop.GRADIENT);
            }
            if (iter >= options.maxIterations()) {
                return new Result(x, fx, gNorm, iter, s.evaluations, Stop.MAX_ITERATIONS);
            }
            direction(g, d, sHist, yHist, rho, yy, alphaBuf, stored, newest);
            double slope = dot(g, d);
            if (!(slope < 0)) { // rounding can spoil the quasi-Newton direction; fall back to steepest descent
                stored = 0;
                steepest = true;
                direction(g, d, sHist, yHist, rho, yy, alphaBuf, 0, newest);
                slope = dot(g, d);
            }
            double step0 = steepest ? Math.min(1.0, 1.0 / Math.sqrt(-slope)) : 1.0;
            double accepted = s.lineSearch(x, fx, slope, d, step0, xNew, gNew);
            if (Double.isNaN(accepted)) {
                if (steepest) {
                    return new Result(x, fx, gNorm, iter, s.evaluations, Stop.LINE_SEARCH);
                }
                stored = 0; // retry once along steepest descent with a fresh memory
                steepest = true;
                continue;
            }
            double fPrev = fx;
            double fNew = s.lastValue;
            int slot = (newest + 1) % m;
            float[] sk = sHist[slot];
            float[] yk = yHist[slot];
            double sy = 0;
            double yk2 = 0;
            for (int i = 0; i < n; i++) {
                sk[i] = (float) (xNew[i] - x[i]);
                yk[i] = (float) (gNew[i] - g[i]);
                sy += (double) sk[i] * yk[i];
                yk2 += (double) yk[i] * yk[i];
            }
            // Skip pairs without positive curvature; keeping them would make the inverse Hessian indefinite.
            if (sy > 1e-12 * yk2) {
                rho[slot] = 1.0 / sy;
                yy[slot] = yk2;
                newest = slot;
                stored = Math.min(stored + 1, m);
            }
            System.arraycopy(xNew, 0, x, 0, n);
            System.arraycopy(gNew, 0, g, 0, n);
            fx = fNew;
            iter++;
            progress.accepted(iter, x, fx);
            steepest = stored == 0;
            if (normInf(g) > gTol && fPrev - fx
                    <= options.functionTolerance() * Math.max(Math.max(Math.abs(fPrev), Math.abs(fx)), 1.0)) {
                return new Result(x, fx, normInf(g), iter, s.evaluations, Stop.FUNCTION);
            }
        }
    }

    /**
     * d = −H·g by the two-loop recursion over the {@code stored} newest pairs; H₀ = (sᵀy / yᵀy)·I. Each pass over the
     * pairs updates d and takes the next pair's dot product with the updated d in the same sweep, so d is read once per
     * pair and loop.
     */
    private static void direction(double[] g, double[] d, float[][] sHist, float[][] yHist, double[] rho, double[] yy,
                                  double[] alpha, int stored, int newest) {
        int n = g.length;
        int m = sHist.length;
        for (int i = 0; i < n; i++) {
            d[i] = -g[i];
        }
        if (stored == 0) {
            return;
        }
        double gamma = 1.0 / (rho[newest] * yy[newest]);
        double acc = dot(sHist[newest], d);
        for (int k = 0; k < stored; k++) {
            int j = Math.floorMod(newest - k, m);
            alpha[j] = rho[j] * acc;
            if (k + 1 < stored) {
                acc = update(-alpha[j], yHist[j], d, 1.0, sHist[Math.floorMod(newest - k - 1, m)]);
            } else {
                // The oldest pair: scale by H₀ and take the first dot product of the second loop (the same pair).
                acc = update(-alpha[j], yHist[j], d, gamma, yHist[j]);
            }
        }
        for (int k = stored - 1; k >= 0; k--) {
            int j = Math.floorMod(newest - k, m);
            double beta = rho[j] * acc;
            acc = update(alpha[j] - beta, sHist[j], d, 1.0, k > 0 ? yHist[Math.floorMod(newest - k + 1, m)] : null);
        }
    }

    /**
     * y ← (y + a·x)·scale, then Σ z_i y_i over the new y (0 when z is null), with the partial sums of {@link #dot}.
     */
    private static double update(double a, float[] x, double[] y, double scale, float[] z) {
        int n = y.length;
        if (z == null) {
            for (int i = 0; i < n; i++) {
                y[i] = (y[i] + a * x[i]) * scale;
            }
            return 0;
        }
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double y0 = (y[i] + a * x[i]) * scale;
            double y1 = (y[i + 1] + a * x[i + 1]) * scale;
            double y2 = (y[i + 2] + a * x[i + 2]) * scale;
            double y3 = (y[i + 3] + a * x[i + 3]) * scale;
            y[i] = y0;
            y[i + 1] = y1;
            y[i + 2] = y2;
            y[i + 3] = y3;
            s0 += z[i] * y0;
            s1 += z[i + 1] * y1;
            s2 += z[i + 2] * y2;
            s3 += z[i + 3] * y3;
        }
        for (; i < n; i++) {
            y[i] = (y[i] + a * x[i]) * scale;
            s0 += z[i] * y[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@link #dot} of a float and a double vector. */
    private static double dot(float[] a, double[] b) {
        int n = a.length;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Evaluation state of one minimisation: counts calls and holds the line search's trial buffers. */
    private static final class Search {
        private final Objective f;
        private final Options options;
        private final double[] xTrial;
        private final double[] gTrial;
        private int evaluations;
        private double lastValue;

        Search(Objective f, int n, Options options) {
            this.f = f;
            this.options = options;
            this.xTrial = new double[n];
            this.gTrial = new double[n];
        }

        double evaluate(double[] x, double[] g) {
            evaluations++;
            return f.valueAndGradient(x, g);
        }

        /** φ(a) = f(x + a·d) and φ'(a); leaves the trial point in xTrial and its gradient in gTrial. */
        private double phi(double[] x, double[] d, double a) {
            for (int i = 0; i < x.length; i++) {
                xTrial[i] = x[i] + a * d[i];
            }
            return evaluate(xTrial, gTrial);
        }

        /**
         * Finds a step a satisfying the strong Wolfe conditions along d; writes x + a·d and its gradient into
         * xOut, gOut, its value into {@link #lastValue}, and returns a; NaN when none was found.
         */
        double lineSearch(double[] x, double f0, double slope0, double[] d, double a0, double[] xOut, double[] gOut) {
            double aPrev = 0;
            double fPrev = f0;
            double dPrev = slope0;
            double a = a0;
            int budget = options.maxLineSearchEvaluations();
            for (int i = 0; budget > 0; i++) {
                double fa = phi(x, d, a);
                budget--;
                double da = Double.isFinite(fa) ? dot(gTrial, d) : Double.NaN;
                if (!Double.isFinite(fa) || fa > f0 + C1 * a * slope0 || (i > 0 && fa >= fPrev)) {
                    return zoom(x, f0, slope0, d, aPrev, fPrev, dPrev, a, fa, da, budget, xOut, gOut);
                }
                if (Math.abs(da) <= -C2 * slope0) {
                    return accept(a, fa, xOut, gOut);
                }
                if (da >= 0) {
                    return zoom(x, f0, slope0, d, a, fa, da, aPrev, fPrev, dPrev, budget, xOut, gOut);
                }
                aPrev = a;
                fPrev = fa;
                dPrev = da;
                a *= 4;
            }
            return Double.NaN;
        }

        /** Algorithm 3.6: lo satisfies sufficient decrease and has the lowest value seen; [lo, hi] brackets a step. */
        private double zoom(double[] x, double f0, double slope0, double[] d, double lo, double fLo, double dLo,
                            double hi, double fHi, double dHi, int budget, double[] xOut, double[] gOut) {
            for (; budget > 0; budget--) {
                double width = Math.abs(hi - lo);
                if (width <= 1e-16 * Math.max(Math.abs(lo), Math.abs(hi))) {
                    break;
                }
                double a = interpolate(lo, fLo, dLo, hi, fHi, dHi);
                double fa = phi(x, d, a);
                double da = Double.isFinite(fa) ? dot(gTrial, d) : Double.NaN;
                if (!Double.isFinite(fa) || fa > f0 + C1 * a * slope0 || fa >= fLo) {
                    hi = a;
                    fHi = fa;
                    dHi = da;
                } else {
                    if (Math.abs(da) <= -C2 * slope0) {
                        return accept(a, fa, xOut, gOut);
                    }
                    if (da * (hi - lo) >= 0) {
                        hi = lo;
                        fHi = fLo;
                        dHi = dLo;
                    }
                    lo = a;
                    fLo = fa;
                    dLo = da;
                }
            }
            // No strong-Wolfe step within the budget: take the best decreasing step if there is one; the
            // curvature check on the update keeps the memory sound.
            if (lo > 0 && fLo < f0) {
                double fa = phi(x, d, lo);
                return accept(lo, fa, xOut, gOut);
            }
            return Double.NaN;
        }

        private double accept(double a, double fa, double[] xOut, double[] gOut) {
            System.arraycopy(xTrial, 0, xOut, 0, xTrial.length);
            System.arraycopy(gTrial, 0, gOut, 0, gTrial.length);
            lastValue = fa;
            return a;
        }
    }

    /**
     * Minimiser of the cubic matching φ and φ' at both ends, kept at least a tenth of the interval away from
     * either end; bisection when the cubic has no usable minimiser (or an end's value is not finite).
     */
    static double interpolate(double a, double fa, double da, double b, double fb, double db) {
        double lo = Math.min(a, b);
        double hi = Math.max(a, b);
        double margin = 0.1 * (hi - lo);
        double mid = 0.5 * (a + b);
        if (!Double.isFinite(fa) || !Double.isFinite(fb) || !Double.isFinite(da) || !Double.isFinite(db)) {
            return mid;
        }
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double disc = d1 * d1 - da * db;
        if (disc < 0) {
            return mid;
        }
        double d2 = Math.signum(b - a) * Math.sqrt(disc);
        double denom = db - da + 2 * d2;
        if (denom == 0) {
            return mid;
        }
        double t = b - (b - a) * (db + d2 - d1) / denom;
        if (!Double.isFinite(t) || t < lo + margin || t > hi - margin) {
            return Math.min(Math.max(Double.isFinite(t) ? t : mid, lo + margin), hi - margin);
        }
        return t;
    }

    /**
     * Σ a_i b_i with four interleaved partial sums (s_0 over i ≡ 0 mod 4, ...), added as (s_0 + s_1) + (s_2 + s_3):
     * a fixed order, so the same vectors give the same bits, and four independent chains of additions instead of one,
     * which the two-loop recursion's ~4m dot products over every parameter are bound by.
     */
    static double dot(double[] a, double[] b) {
        int n = a.length;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    static double normInf(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
