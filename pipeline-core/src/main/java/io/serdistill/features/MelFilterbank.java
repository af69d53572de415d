package io.serdistill.features;

import java.util.Arrays;

/**
 * Kaldi's triangular mel filters over FFT bins 0..n/2−1, stored sparsely: filter b covers bins
 * {@code [firstBin[b], firstBin[b] + weights[b].length)}. Mel scale 1127·ln(1 + f/700); filter b rises from
 * mel_low + b·Δ to its peak at mel_low + (b+1)·Δ and falls to zero at mel_low + (b+2)·Δ, Δ = (mel_high −
 * mel_low)/(numBins + 1); the weight of FFT bin k is read at the mel value of its frequency k·sampleRate/n.
 * Same formula as Kaldi's MelBanks and torchaudio's get_mel_banks (without VTLN warping).
 */
final class MelFilterbank {
    private final int numFftBins;
    private final int[] firstBin;
    private final double[][] weights;

    private MelFilterbank(int numFftBins, int[] firstBin, double[][] weights) {
        this.numFftBins = numFftBins;
        this.firstBin = firstBin;
        this.weights = weights;
    }

    /** Filters for the FFT length {@link FbankOptions#paddedWindowSize()} of {@code options}. */
    static MelFilterbank of(FbankOptions options) {
        int paddedSize = options.paddedWindowSize();
        int numFftBins = paddedSize / 2;
        int numBins = options.numMelBins();
        double binWidthHz = (double) options.sampleRate() / paddedSize;
        double melLow = mel(options.lowFreq());
        double melHigh = mel(options.resolvedHighFreq());
        double delta = (melHigh - melLow) / (numBins + 1);
        int[] first = new int[numBins];
        double[][] weights = new double[numBins][];
        double[] dense = new double[numFftBins];
        for (int b = 0; b < numBins; b++) {
            double left = melLow + b * delta;
            double center = melLow + (b + 1) * delta;
            double right = melLow + (b + 2) * delta;
            int lo = -1;
            int hi = -1;
            for (int k = 0; k < numFftBins; k++) {
                double m = mel(binWidthHz * k);
                double w = Math.max(0.0, Math.min((m - left) / (center - left), (right - m) / (right - center)));
                dense[k] = w;
                if (w > 0) {
                    if (lo < 0) {
                        lo = k;
                    }
                    hi = k + 1;
                }
            }
            if (lo < 0) {
                // A filter narrower than one FFT bin (many bins, short window): an empty range, so its output is
                // the epsilon floor, as in Kaldi and torchaudio.
                lo = 0;
                hi = 0;
            }
            first[b] = lo;
            weights[b] = Arrays.copyOfRange(dense, lo, hi);
        }
        return new MelFilterbank(numFftBins, first, weights);
    }

    /** Kaldi's mel scale of a frequency in Hz. */
    static double mel(double hz) {
        return 1127.0 * Math.log(1.0 + hz / 700.0);
    }

    int numBins() {
        return weights.length;
    }

    int numFftBins() {
        return numFftBins;
    }

    /** Weight of FFT bin {@code k} in filter {@code b}; 0 outside the filter's range. */
    double weight(int b, int k) {
        int i = k - firstBin[b];
        return i >= 0 && i < weights[b].length ? weights[b][i] : 0.0;
    }

    /** First FFT bin with non-zero weight in filter {@code b} (0 for an empty filter). */
    int firstBin(int b) {
        return firstBin[b];
    }

    /** Number of FFT bins with non-zero weight in filter {@code b}. */
    int width(int b) {
        return weights[b].length;
    }

    /** Energy of filter {@code b}: Σ_k w[b][k]·spectrum[k]. */
    double apply(int b, double[] spectrum) {
        double[] w = weights[b];
        int k0 = firstBin[b];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            sum += w[i] * spectrum[k0 + i];
        }
        return sum;
    }
}
