package io.serdistill.features;

import java.util.SplittableRandom;

/**
 * Kaldi-compatible log-mel filterbank features, matching {@code torchaudio.compliance.kaldi.fbank} (checked
 * against its output within 1e-3 absolute on the log values, see KaldiFbankTest).
 *
 * <p><b>Sample scale.</b> {@link #compute(float[])} takes samples on the PCM16 scale, Kaldi's convention: a
 * 16-bit WAV sample s is the float s, so full scale is ±32768. Decoders that give [-1, 1] floats either
 * multiply by {@link #PCM16_SCALE} or call {@link #computeFromUnitRange(float[])}, which does it on the fly.
 * The scale matters: the log values shift by 2·ln(32768) ≈ 20.8 and the epsilon floor, energy floor and dither
 * are absolute.
 *
 * <p>Per frame: (dither) → DC removal → raw log energy → pre-emphasis (x[-1] = x[0]) → window → zero-pad to
 * the FFT length → power spectrum → mel filters → ln(max(e, float epsilon)).
 *
 * <p>Build one per options and reuse it across utterances (one per Spark task): the window, filters and FFT
 * tables are computed once and scratch buffers are reused. Not thread-safe.
 */
public final class KaldiFbank {
    /** Multiply [-1, 1] samples by this to get the PCM16 scale that {@link #compute(float[])} expects. */
    public static final float PCM16_SCALE = 32768f;
    /** torch.finfo(torch.float32).eps: the floor of every energy before its log, as in torchaudio. */
    static final double FLOAT_EPSILON = Math.ulp(1.0f);

    private final FbankOptions options;
    private final int windowSize;
    private final int windowShift;
    private final double[] window;
    private final MelFilterbank melBanks;
    private final RealSpectrum spectrum;
    private final double logEnergyFloor;
    // scratch, reused across frames and calls
    private final double[] frame;
    private final double[] padded;
    private final double[] power;

    public KaldiFbank(FbankOptions options) {
        this.options = options;
        this.windowSize = options.windowSize();
        this.windowShift = options.windowShift();
        this.window = window(options.windowType(), windowSize);
        this.melBanks = MelFilterbank.of(options);
        this.spectrum = new RealSpectrum(options.paddedWindowSize());
        this.logEnergyFloor = options.energyFloor() > 0 ? Math.log(options.energyFloor()) : Double.NEGATIVE_INFINITY;
        this.frame = new double[windowSize];
        this.padded = new double[options.paddedWindowSize()];
        this.power = new double[options.paddedWindowSize() / 2];
    }

    public FbankOptions options() {
        return options;
    }

    /** Columns per frame: numMelBins, plus the log-energy column 0 when useEnergy. */
    public int featureDim() {
        return options.featureDim();
    }

    /**
     * Frames produced for {@code numSamples} input samples. With snipEdges: 1 + (N − L) / shift (integer
     * division), 0 when N &lt; L; without: (N + shift/2) / shift, the frames centred at multiples of the shift.
     */
    public int numFrames(int numSamples) {
        if (options.snipEdges()) {
            return numSamples < windowSize ? 0 : 1 + (numSamples - windowSize) / windowShift;
        }
        return (numSamples + windowShift / 2) / windowShift;
    }

    /**
     * Features of one utterance.
     *
     * @param samples mono samples at {@code options.sampleRate()} Hz on the PCM16 scale (±32768 full scale)
     * @return [numFrames(samples.length)][featureDim()]
     */
    public FeatureMatrix compute(float[] samples) {
        return compute(samples, 1.0);
    }

    /**
     * Features of one utterance given as [-1, 1] floats; equal to {@code compute} on the samples times
     * {@link #PCM16_SCALE}, without the copy.
     */
    public FeatureMatrix computeFromUnitRange(float[] samples) {
        return compute(samples, PCM16_SCALE);
    }

    private FeatureMatrix compute(float[] samples, double scale) {
        int numSamples = samples.length;
        int frames = numFrames(numSamples);
        int dim = featureDim();
        float[] out = new float[frames * dim];
        // Restarted per call so that features depend only on the utterance, not on what the task did before.
        SplittableRandom rng = options.dither() > 0 ? new SplittableRandom(options.ditherSeed()) : null;
        int melOffset = options.useEnergy() ? 1 : 0;
        for (int t = 0; t < frames; t++) {
            double logEnergy = processFrame(samples, scale, t, rng);
            int row = t * dim;
            if (options.useEnergy()) {
                out[row] = (float) logEnergy;
            }
            for (int b = 0; b < melBanks.numBins(); b++) {
                double e = melBanks.apply(b, power);
                out[row + melOffset + b] = (float) (options.useLogFbank() ? Math.log(Math.max(e, FLOAT_EPSILON)) : e);
            }
        }
        return new FeatureMatrix(frames, dim, out);
    }

    /** Fills {@link #power} with frame t's spectrum; returns its log energy (NaN when useEnergy is off). */
    private double processFrame(float[] samples, double scale, int t, SplittableRandom rng) {
        final int len = windowSize;
        final double[] x = frame;
        int start = options.snipEdges() ? t * windowShift : t * windowShift + windowShift / 2 - windowSize / 2;
        double sum = 0;
        if (start >= 0 && start + len <= samples.length) {
            for (int i = 0; i < len; i++) {
                double v = samples[start + i] * scale;
                x[i] = v;
                sum += v;
            }
        } else {
            for (int i = 0; i < len; i++) {
                double v = samples[reflect(start + i, samples.length)] * scale;
                x[i] = v;
                sum += v;
            }
        }
        if (rng != null) {
            double dither = options.dither();
            sum = 0;
            for (int i = 0; i < len; i++) {
                x[i] += dither * rng.nextGaussian();
                sum += x[i];
            }
        }
        double mean = options.removeDcOffset() ? sum / len : 0.0;
        double p = options.preemphasis();
        double energy = 0;
        // One fused pass: DC removal, raw energy, pre-emphasis on the DC-free signal, window.
        double prev = x[0] - mean;
        for (int i = 0; i < len; i++) {
            double cur = x[i] - mean;
            energy += cur * cur;
            padded[i] = (cur - p * prev) * window[i];
            prev = cur;
        }
        double logEnergy = Double.NaN;
        if (options.useEnergy()) {
            if (!options.rawEnergy()) {
                energy = 0;
                for (int i = 0; i < len; i++) {
                    energy += padded[i] * padded[i];
                }
            }
            logEnergy = Math.max(Math.log(Math.max(energy, FLOAT_EPSILON)), logEnergyFloor);
        }
        // padded[len..] stays zero: it is never written.
        spectrum.compute(padded, power, options.usePower());
        return logEnergy;
    }

    /** Kaldi's edge reflection for snipEdges = false: index −1 reads sample 0, index N reads sample N−1. */
    private static int reflect(int i, int n) {
        while (i < 0 || i >= n) {
            i = i < 0 ? -i - 1 : 2 * n - 1 - i;
        }
        return i;
    }

    /** Kaldi's window of length {@code size} (symmetric, n = 0..size−1). */
    static double[] window(FbankOptions.WindowType type, int size) {
        double[] w = new double[size];
        double a = 2 * Math.PI / (size - 1);
        for (int n = 0; n < size; n++) {
            double hann = 0.5 - 0.5 * Math.cos(a * n);
            w[n] = switch (type) {
                case POVEY -> Math.pow(hann, 0.85);
                case HAMMING -> 0.54 - 0.46 * Math.cos(a * n);
                case HANNING -> hann;
                case RECTANGULAR -> 1.0;
                case BLACKMAN -> 0.42 - 0.5 * Math.cos(a * n) + 0.08 * Math.cos(2 * a * n);
            };
        }
        return w;
    }
}
