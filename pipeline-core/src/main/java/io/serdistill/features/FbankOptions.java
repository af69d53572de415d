package io.serdistill.features;

import java.io.Serializable;
import java.util.Objects;

/**
 * Options of the Kaldi-compatible log-mel filterbank ({@link KaldiFbank}). Names and semantics follow Kaldi's
 * {@code compute-fbank-feats} and {@code torchaudio.compliance.kaldi.fbank}; {@link #defaults()} equals
 * torchaudio's defaults except {@code numMelBins} = 80 (torchaudio's is 23). Validated on construction; a
 * rejected value names its field.
 *
 * @param sampleRate         sampling rate of the input, Hz
 * @param frameLengthMs      analysis window length, milliseconds (25 → 400 samples at 16 kHz)
 * @param frameShiftMs       hop between frame starts, milliseconds (10 → 160 samples at 16 kHz)
 * @param numMelBins         number of triangular mel filters, output columns (plus one with {@code useEnergy}); &gt; 3
 * @param preemphasis        pre-emphasis coefficient p in x[i] -= p·x[i-1] (x[-1] = x[0]); 0 disables it
 * @param windowType         analysis window
 * @param removeDcOffset     subtract each frame's mean before anything else
 * @param dither             standard deviation of Gaussian dither added to each frame sample, in input units
 *                           (PCM16 scale); 0 disables it
 * @param ditherSeed         seed of the dither generator; every {@code compute} call restarts from it, so an
 *                           utterance's features do not depend on which utterances a task processed before it
 * @param snipEdges          true: only frames that fit entirely in the signal; false: Kaldi's reflected edges,
 *                           frame count depends only on the shift
 * @param lowFreq            lower edge of the first mel filter, Hz
 * @param highFreq           upper edge of the last mel filter, Hz; 0 means Nyquist, negative is an offset below Nyquist
 * @param useEnergy          prepend a log-energy column (column 0), as Kaldi does without htk-compat
 * @param rawEnergy          compute that energy before pre-emphasis and windowing (after DC removal)
 * @param energyFloor        floor of the energy column, linear units; 0 means only the float-epsilon floor.
 *                           torchaudio's default is 1.0 (Kaldi's binary uses 0)
 * @param useLogFbank        natural log of the mel energies, floored at float epsilon (1.1920929e-7)
 * @param usePower           power spectrum (true) or magnitude spectrum (false)
 * @param roundToPowerOfTwo  zero-pad each frame to the next power of two before the FFT (400 → 512)
 */
public record FbankOptions(
        int sampleRate,
        double frameLengthMs,
        double frameShiftMs,
        int numMelBins,
        double preemphasis,
        WindowType windowType,
        boolean removeDcOffset,
        double dither,
        long ditherSeed,
        boolean snipEdges,
        double lowFreq,
        double highFreq,
        boolean useEnergy,
        boolean rawEnergy,
        double energyFloor,
        boolean useLogFbank,
        boolean usePower,
        boolean roundToPowerOfTwo) implements Serializable {

    /** Analysis windows, with Kaldi's definitions over n = 0..L-1. */
    public enum WindowType {
        /** Hann window raised to 0.85: Kaldi's default; zero at both ends. */
        POVEY,
        /** 0.54 − 0.46·cos(2πn/(L−1)). */
        HAMMING,
        /** 0.5 − 0.5·cos(2πn/(L−1)). */
        HANNING,
        /** All ones. */
        RECTANGULAR,
        /** Blackman with Kaldi's default coefficient 0.42. */
        BLACKMAN
    }

    public FbankOptions {
        Objects.requireNonNull(windowType, "windowType");
        require(sampleRate > 0, "sampleRate", sampleRate, "must be > 0");
        require(frameLengthMs > 0, "frameLengthMs", frameLengthMs, "must be > 0");
        require(frameShiftMs > 0, "frameShiftMs", frameShiftMs, "must be > 0");
        require(numMelBins > 3, "numMelBins", numMelBins, "must be > 3");
        require(preemphasis >= 0 && preemphasis <= 1, "preemphasis", preemphasis, "must be in [0, 1]");
        require(dither >= 0, "dither", dither, "must be >= 0");
        require(energyFloor >= 0, "energyFloor", energyFloor, "must be >= 0");
        int size = windowSizeOf(sampleRate, frameLengthMs);
        require(size >= 2, "frameLengthMs", frameLengthMs, "gives fewer than 2 samples per frame");
        require(windowSizeOf(sampleRate, frameShiftMs) >= 1, "frameShiftMs", frameShiftMs, "gives a 0-sample shift");
        require(roundToPowerOfTwo || size % 2 == 0, "frameLengthMs", frameLengthMs,
                "gives an odd frame length (" + size + " samples); the mel banks need an even FFT size"
                        + " (or set roundToPowerOfTwo)");
        double nyquist = 0.5 * sampleRate;
        double high = highFreq <= 0 ? highFreq + nyquist : highFreq;
        require(lowFreq >= 0 && lowFreq < nyquist, "lowFreq", lowFreq, "must be in [0, Nyquist " + nyquist + ")");
        require(high > 0 && high <= nyquist, "highFreq", highFreq, "resolves to " + high + " Hz, outside (0, Nyquist]");
        require(lowFreq < high, "lowFreq", lowFreq, "must be below the resolved highFreq " + high);
    }

    /** torchaudio.compliance.kaldi.fbank defaults, with 80 mel bins. */
    public static FbankOptions defaults() {
        return new FbankOptions(16000, 25.0, 10.0, 80, 0.97, WindowType.POVEY, true, 0.0, 0L, true,
                20.0, 0.0, false, true, 1.0, true, true, true);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Samples per analysis window, computed as torchaudio does: int(sampleRate · frameLengthMs · 0.001). */
    public int windowSize() {
        return windowSizeOf(sampleRate, frameLengthMs);
    }

    /** Samples between frame starts. */
    public int windowShift() {
        return windowSizeOf(sampleRate, frameShiftMs);
    }

    /** FFT length: the window size, or its next power of two with {@code roundToPowerOfTwo}. */
    public int paddedWindowSize() {
        int size = windowSize();
        return roundToPowerOfTwo ? Integer.highestOneBit(size - 1) << 1 : size;
    }

    /** {@code highFreq} with 0 and negative values resolved against Nyquist, Hz. */
    public double resolvedHighFreq() {
        return highFreq <= 0 ? highFreq + 0.5 * sampleRate : highFreq;
    }

    /** Columns per output frame: the mel bins plus the energy column when {@code useEnergy}. */
    public int featureDim() {
        return numMelBins + (useEnergy ? 1 : 0);
    }

    private static int windowSizeOf(int sampleRate, double ms) {
        // Same expression and evaluation order as torchaudio, so window sizes agree to the sample.
        return (int) (sampleRate * ms * 0.001);
    }

    private static void require(boolean ok, String field, Object value, String why) {
        if (!ok) {
            throw new IllegalArgumentException("fbank option " + field + " = " + value + ": " + why);
        }
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private int sampleRate;
        private double frameLengthMs;
        private double frameShiftMs;
        private int numMelBins;
        private double preemphasis;
        private WindowType windowType;
        private boolean removeDcOffset;
        private double dither;
        private long ditherSeed;
        private boolean snipEdges;
        private double lowFreq;
        private double highFreq;
        private boolean useEnergy;
        private boolean rawEnergy;
        private double energyFloor;
        private boolean useLogFbank;
        private boolean usePower;
        private boolean roundToPowerOfTwo;

        private Builder(FbankOptions o) {
            sampleRate = o.sampleRate;
            frameLengthMs = o.frameLengthMs;
            frameShiftMs = o.frameShiftMs;
            numMelBins = o.numMelBins;
            preemphasis = o.preemphasis;
            windowType = o.windowType;
            removeDcOffset = o.removeDcOffset;
            dither = o.dither;
            ditherSeed = o.ditherSeed;
            snipEdges = o.snipEdges;
            lowFreq = o.lowFreq;
            highFreq = o.highFreq;
            useEnergy = o.useEnergy;
            rawEnergy = o.rawEnergy;
            energyFloor = o.energyFloor;
            useLogFbank = o.useLogFbank;
            usePower = o.usePower;
            roundToPowerOfTwo = o.roundToPowerOfTwo;
        }

        public Builder sampleRate(int v) { sampleRate = v; return this; }
        public Builder frameLengthMs(double v) { frameLengthMs = v; return this; }
        public Builder frameShiftMs(double v) { frameShiftMs = v; return this; }
        public Builder numMelBins(int v) { numMelBins = v; return this; }
        public Builder preemphasis(double v) { preemphasis = v; return this; }
        public Builder windowType(WindowType v) { windowType = v; return this; }
        public Builder removeDcOffset(boolean v) { removeDcOffset = v; return this; }
        public Builder dither(double v) { dither = v; return this; }
        public Builder ditherSeed(long v) { ditherSeed = v; return this; }
        public Builder snipEdges(boolean v) { snipEdges = v; return this; }
        public Builder lowFreq(double v) { lowFreq = v; return this; }
        public Builder highFreq(double v) { highFreq = v; return this; }
        public Builder useEnergy(boolean v) { useEnergy = v; return this; }
        public Builder rawEnergy(boolean v) { rawEnergy = v; return this; }
        public Builder energyFloor(double v) { energyFloor = v; return this; }
        public Builder useLogFbank(boolean v) { useLogFbank = v; return this; }
        public Builder usePower(boolean v) { usePower = v; return this; }
        public Builder roundToPowerOfTwo(boolean v) { roundToPowerOfTwo = v; return this; }

        public FbankOptions build() {
            return new FbankOptions(sampleRate, frameLengthMs, frameShiftMs, numMelBins, preemphasis, windowType,
                    removeDcOffset, dither, ditherSeed, snipEdges, lowFreq, highFreq, useEnergy, rawEnergy,
                    energyFloor, useLogFbank, usePower, roundToPowerOfTwo);
        }
    }
}
