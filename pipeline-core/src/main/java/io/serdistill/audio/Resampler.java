package io.serdistill.audio;

/**
 * Band-limited sample-rate conversion between two fixed rates by a polyphase windowed-sinc filter.
 *
 * <p>The ratio to/from is reduced by their gcd to L/M. Output frame n sits at input time t = n·M/L (in input
 * frames) and is the sum over nearby input frames k of x[k]·h(t − k), where h is a sinc low-pass with cutoff
 * {@value #CUTOFF} × the lower of the two Nyquist frequencies, Kaiser-windowed (β = {@value #KAISER_BETA}) to
 * {@value #ZERO_CROSSINGS} zero crossings each side. Because t − k takes only L distinct fractional parts, the
 * filter is tabulated once per phase at construction; each phase is normalised to unit DC gain. Samples outside
 * the input count as zero. Content above the new Nyquist frequency does not alias back audibly (ResamplerTest:
 * more than 60 dB down; the measured response is in docs/benchmarks.md).
 *
 * <p>Output length is ceil(frames · to / from). Equal rates are the identity (a copy). The table has
 * L × taps floats (for 44.1 kHz → 16 kHz, 160 × 186); rates with a large reduced L (e.g. 44 101 Hz → 16 kHz,
 * L = 16 000) cost megabytes, so build one Resampler per rate pair and reuse it. Immutable, hence safe to share
 * between threads.
 */
public final class Resampler {

    /** Cutoff (the −6 dB point) as a fraction of the lower Nyquist frequency: leaves room for the transition band. */
    static final double CUTOFF = 0.95;
    /** Kaiser β: about 85 dB of sidelobe rejection. */
    static final double KAISER_BETA = 8.6;
    /** Half-length of the sinc in zero crossings; sets the transition width (about 1.2 kHz at 16 kHz out). */
    static final int ZERO_CROSSINGS = 32;

    private final int fromRate;
    private final int toRate;
    private final int up;
    private final int down;
    private final int taps;
    /** Input frames before t's floor that the filter reaches: frame k0 − offset is tap 0. */
    private final int offset;
    /** Shape [up][taps], flattened row-major: phase p's weight for input frame k0 − offset + j at p·taps + j. */
    private final float[] table;

    /**
     * @param fromRate input sample rate in Hz, positive
     * @param toRate   output sample rate in Hz, positive
     */
    public Resampler(int fromRate, int toRate) {
        if (fromRate <= 0 || toRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + fromRate + " -> " + toRate);
        }
        this.fromRate = fromRate;
        this.toRate = toRate;
        int g = gcd(fromRate, toRate);
        this.up = toRate / g;
        this.down = fromRate / g;
        if (up == down) {
            this.taps = 0;
            this.offset = 0;
            this.table = new float[0];
            return;
        }
        // rho: cutoff in cycles per input frame relative to the input Nyquist; below 1 when decimating.
        double rho = CUTOFF * Math.min(1.0, (double) up / down);
        double halfWidth = ZERO_CROSSINGS / rho; // in input frames
        this.offset = (int) Math.ceil(halfWidth) - 1;
        this.taps = 2 * (offset + 1);
        this.table = new float[up * taps];
        double i0Beta = besselI0(KAISER_BETA);
        for (int p = 0; p < up; p++) {
            double frac = (double) p / up;
            double sum = 0;
            for (int j = 0; j < taps; j++) {
                double tau = frac + offset - j; // t − k for k = k0 − offset + j
                double w = 0;
                if (Math.abs(tau) < halfWidth) {
                    double r = tau / halfWidth;
                    w = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta * rho * sinc(rho * tau);
                }
                table[p * taps + j] = (float) w;
                sum += w;
            }
            for (int j = 0; j < taps; j++) {
                table[p * taps + j] = (float) (table[p * taps + j] / sum);
            }
        }
    }

    /** Size of the filter table in floats: what this resampler costs in memory, beyond its fields. */
    long tableFloats() {
        return table.length;
    }

    public int fromRate() {
        return fromRate;
    }

    public int toRate() {
        return toRate;
    }

    /** Number of output frames for an input of this many frames: ceil(frames · to / from). */
    public int outputLength(int frames) {
        return (int) ((frames * (long) up + down - 1) / down);
    }

    /** Resamples a clip recorded at {@link #fromRate()}; the result is at {@link #toRate()}. */
    public AudioClip resample(AudioClip clip) {
        if (clip.sampleRate() != fromRate) {
            throw new IllegalArgumentException("clip is at " + clip.sampleRate() + " Hz, this resampler converts "
                    + fromRate + " Hz -> " + toRate + " Hz");
        }
        return new AudioClip(resample(clip.samples()), toRate);
    }

    /**
     * Resamples samples at {@link #fromRate()}, shape [frames], to shape [{@link #outputLength(int)}] at
     * {@link #toRate()}.
     */
    public float[] resample(float[] in) {
        if (up == down) {
            return in.clone();
        }
        int n = in.length;
        float[] out = new float[outputLength(n)];
        for (int i = 0; i < out.length; i++) {
            long num = (long) i * down;
            int k0 = (int) (num / up);
            int row = (int) (num % up) * taps;
            int start = k0 - offset;
            double acc = 0;
            if (start >= 0 && start + taps <= n) {
                for (int j = 0; j < taps; j++) {
                    acc += in[start + j] * table[row + j];
                }
            } else {
                int lo = Math.max(0, -start);
                int hi = Math.min(taps, n - start);
                for (int j = lo; j < hi; j++) {
                    acc += in[start + j] * table[row + j];
                }
            }
            out[i] = (float) acc;
        }
        return out;
    }

    private static double sinc(double x) {
        if (x == 0) {
            return 1;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series (converges fast for x ≤ 20). */
    static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double half = x / 2;
        for (int k = 1; k < 200; k++) {
            term *= (half / k) * (half / k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
