package io.serdistill.features;

/**
 * Power (or magnitude) spectrum of a real frame of even length n, bins 0..n/2−1. The Nyquist bin n/2 is left
 * out because Kaldi's mel filters give it zero weight. Power-of-two lengths use a radix-2 complex FFT of n/2
 * points on the even/odd samples packed as real/imaginary parts, then the usual split into the real
 * transform; other even lengths (only with roundToPowerOfTwo = false) fall back to a direct DFT, O(n²).
 *
 * <p>Holds its scratch buffers: one instance per thread.
 */
final class RealSpectrum {
    private final int n;
    private final int half;
    private final boolean fast;
    // fast path: bit-reversal permutation and per-stage twiddles of the n/2-point complex FFT
    private final int[] bitReversed;
    private final double[] stageCos;
    private final double[] stageSin;
    // split step twiddles e^{-2πik/n}, k < n/2; in the direct path the DFT table cos/sin(2πkj/n), j < n
    private final double[] cos;
    private final double[] sin;
    private final double[] re;
    private final double[] im;

    RealSpectrum(int n) {
        if (n < 4 || n % 2 != 0) {
            throw new IllegalArgumentException("FFT length " + n + ": must be even and >= 4");
        }
        this.n = n;
        this.half = n / 2;
        this.fast = Integer.bitCount(n) == 1;
        if (fast) {
            int bits = Integer.numberOfTrailingZeros(half);
            bitReversed = new int[half];
            for (int i = 0; i < half; i++) {
                bitReversed[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
            }
            stageCos = new double[Math.max(1, half - 1)];
            stageSin = new double[Math.max(1, half - 1)];
            for (int h = 1, t = 0; h < half; t += h, h <<= 1) {
                for (int j = 0; j < h; j++) {
                    double angle = -Math.PI * j / h;
                    stageCos[t + j] = Math.cos(angle);
                    stageSin[t + j] = Math.sin(angle);
                }
            }
            cos = new double[half];
            sin = new double[half];
            for (int k = 0; k < half; k++) {
                cos[k] = Math.cos(2 * Math.PI * k / n);
                sin[k] = Math.sin(2 * Math.PI * k / n);
            }
            re = new double[half];
            im = new double[half];
        } else {
            bitReversed = null;
            stageCos = null;
            stageSin = null;
            cos = new double[n];
            sin = new double[n];
            for (int j = 0; j < n; j++) {
                cos[j] = Math.cos(2 * Math.PI * j / n);
                sin[j] = Math.sin(2 * Math.PI * j / n);
            }
            re = null;
            im = null;
        }
    }

    /** FFT length n. */
    int length() {
        return n;
    }

    /**
     * Writes |X[k]|² (or |X[k]| when {@code power} is false) for k = 0..n/2−1 into {@code out}.
     *
     * @param frame n real samples; not modified
     * @param out   at least n/2 values
     */
    void compute(double[] frame, double[] out, boolean power) {
        if (fast) {
            fftSplit(frame, out);
        } else {
            directDft(frame, out);
        }
        if (!power) {
            for (int k = 0; k < half; k++) {
                out[k] = Math.sqrt(out[k]);
            }
        }
    }

    private void fftSplit(double[] frame, double[] out) {
        final int m = half;
        final double[] re = this.re;
        final double[] im = this.im;
        for (int i = 0; i < m; i++) {
            int r = bitReversed[i];
            re[r] = frame[2 * i];
            im[r] = frame[2 * i + 1];
        }
        // Stage 1 (butterflies of span 1) has only unit twiddles: no multiplications.
        for (int a = 0; a < m; a += 2) {
            double br = re[a + 1];
            double bi = im[a + 1];
            re[a + 1] = re[a] - br;
            im[a + 1] = im[a] - bi;
            re[a] += br;
            im[a] += bi;
        }
        for (int h = 2, t = 1; h < m; t += h, h <<= 1) {
            for (int start = 0; start < m; start += 2 * h) {
                for (int j = 0; j < h; j++) {
                    double wr = stageCos[t + j];
                    double wi = stageSin[t + j];
                    int a = start + j;
                    int b = a + h;
                    double xr = re[b] * wr - im[b] * wi;
                    double xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
        // Z = FFT(x_even + i·x_odd). X[k] = E[k] + e^{-2πik/n}·O[k] with E = (Z[k] + conj Z[m−k]) / 2 and
        // O = (Z[k] − conj Z[m−k]) / 2i, Z[m] ≡ Z[0].
        for (int k = 0; k < m; k++) {
            int mk = k == 0 ? 0 : m - k;
            double er = 0.5 * (re[k] + re[mk]);
            double ei = 0.5 * (im[k] - im[mk]);
            double or = 0.5 * (im[k] + im[mk]);
            double oi = -0.5 * (re[k] - re[mk]);
            double c = cos[k];
            double s = sin[k];
            double xr = er + c * or + s * oi;
            double xi = ei + c * oi - s * or;
            out[k] = xr * xr + xi * xi;
        }
    }

    private void directDft(double[] frame, double[] out) {
        for (int k = 0; k < half; k++) {
            double sr = 0;
            double si = 0;
            int idx = 0;
            for (int j = 0; j < n; j++) {
                sr += frame[j] * cos[idx];
                si -= frame[j] * sin[idx];
                idx += k;
                if (idx >= n) {
                    idx -= n;
                }
            }
            out[k] = sr * sr + si * si;
        }
    }
}
