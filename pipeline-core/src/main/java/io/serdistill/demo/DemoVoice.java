package io.serdistill.demo;

import io.serdistill.data.Emotion;
import io.serdistill.demo.DemoProsody.EmotionEffect;
import io.serdistill.demo.DemoProsody.Language;
import io.serdistill.demo.DemoProsody.Speaker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Source-filter synthesis of one demo utterance: syllables of a harmonic glottal source with spectral tilt,
 * jitter, shimmer and aspiration, shaped by three vowel formants, with noise-burst onsets, an F0 contour of
 * declination plus language-placed accents, and a background noise floor at a random SNR.
 *
 * <p>Everything is driven by one {@link Random} (whose algorithm the JDK specifies) and {@link StrictMath}, so an
 * utterance's samples are identical on every JVM for the same seed.
 */
final class DemoVoice {

    /** Single-period wavetable length; a power of two so harmonic indices wrap with a mask. */
    private static final int TABLE = 2048;
    private static final float[] SINE = new float[TABLE];

    static {
        for (int i = 0; i < TABLE; i++) {
            SINE[i] = (float) StrictMath.sin(2 * StrictMath.PI * i / TABLE);
        }
    }

    /** Formant bandwidths in Hz for F1..F3. */
    private static final double[] BANDWIDTHS = {70, 100, 140};
    /** Speech level of neutral speech before speaker, emotion and take offsets, dBFS RMS over syllables. */
    private static final double BASE_LEVEL_DB = -26;

    private DemoVoice() {
    }

    /** One syllable: times in samples; accent in [0, ~1.3]. */
    private record Syllable(int start, int consonantEnd, int end, int vowel, double accent, boolean phraseFinal) {
    }

    /**
     * @param seconds    utterance length, seconds
     * @param sampleRate Hz
     * @return mono samples, shape [round(seconds · sampleRate)], peak below 0.95
     */
    static float[] synthesize(Language lang, Emotion emotion, Speaker speaker, double seconds, int sampleRate,
                              Random rnd) {
        EmotionEffect eff = speaker.voiced(lang.effect(emotion));
        DemoProsody.Channel channel = lang.channel();
        int n = (int) Math.round(seconds * sampleRate);
        double fs = sampleRate;

        // Per-take variation on top of language, emotion and speaker keeps the classes overlapping.
        double pitchLevel = lang.pitchShiftSemitones() + eff.pitchSemitones() + 1.0 * rnd.nextGaussian();
        double f0Base = speaker.f0Hz() * pow2(pitchLevel / 12);
        double accentSize = Math.max(0.3, lang.accentSemitones() * eff.rangeFactor() * (1 + 0.15 * rnd.nextGaussian()));
        double rate = lang.syllableRate() * speaker.rateFactor() * eff.tempoFactor() * (1 + 0.07 * rnd.nextGaussian());
        double tilt = Math.min(-3, lang.tiltDb() + speaker.tiltDb() + eff.tiltDb() + 1.0 * rnd.nextGaussian());
        double breath = clamp(speaker.breathiness() + eff.breathiness() + 0.01 * rnd.nextGaussian(), 0.005, 0.3);
        double jitter = 0.006 * eff.jitterFactor();
        double shimmer = 0.05 * eff.jitterFactor();
        double levelDb = BASE_LEVEL_DB + channel.gainDb() + eff.energyDb() + speaker.gainDb()
                + 1.5 * rnd.nextGaussian();
        double snrDb = channel.snrMinDb() + channel.snrSpanDb() * rnd.nextDouble();

        List<Syllable> syllables = planSyllables(lang, rate, n, fs, rnd);
        double[] semitones = pitchContour(lang, syllables, accentSize, n, fs, rnd);
        double maxF0 = 0;
        for (Syllable s : syllables) {
            for (int i = s.consonantEnd(); i < s.end(); i++) {
                maxF0 = Math.max(maxF0, f0Base * pow2(semitones[i] / 12));
            }
        }
        // As many harmonics as fit under 0.45·fs at the highest pitch (with jitter headroom): no aliasing.
        int harmonics = Math.max(1, (int) (0.45 * fs / (maxF0 * 1.05)));
        float[] wave = glottalWave(harmonics, tilt);

        double[] speech = new double[n];
        boolean[] active = new boolean[n];
        Resonator[] tract = {new Resonator(), new Resonator(), new Resonator()};
        double phase = 0;
        double periodJitter = 0;
        double cycleGain = 1;
        for (Syllable s : syllables) {
            double[] formants = DemoProsody.VOWEL_FORMANTS[s.vowel()];
            for (int k = 0; k < 3; k++) {
                tract[k].tune(formants[k] * speaker.formantScale() * (1 + 0.03 * rnd.nextGaussian()),
                        BANDWIDTHS[k], fs);
            }
            // Accented syllables are louder as well as higher.
            double gain = StrictMath.pow(10, 3.0 * s.accent() / 20);
            int attack = (int) (0.02 * fs);
            int release = (int) (0.045 * fs);
            int voiced = s.end() - s.consonantEnd();
            double burst = 0;
            for (int i = s.start(); i < s.end(); i++) {
                active[i] = true;
                if (i < s.consonantEnd()) {
                    // Fricative-like onset: high-passed noise that bypasses the vocal tract filter.
                    double w = rnd.nextGaussian();
                    double env = envelope(i - s.start(), s.consonantEnd() - s.start(), 0.005 * fs, 0.01 * fs);
                    speech[i] = 0.12 * env * (w - burst);
                    burst = w;
                    continue;
                }
                phase += f0Base * pow2(semitones[i] / 12) * (1 + periodJitter) / fs;
                if (phase >= 1) {
                    phase -= Math.floor(phase);
                    periodJitter = jitter * rnd.nextGaussian();
                    cycleGain = 1 + shimmer * rnd.nextGaussian();
                }
                double env = gain * envelope(i - s.consonantEnd(), voiced, attack, release);
                double source = table(wave, phase) * cycleGain + breath * rnd.nextGaussian();
                double y = env * source;
                for (Resonator r : tract) {
                    y = r.step(y);
                }
                speech[i] += y;
            }
        }

        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (active[i]) {
                sum += speech[i] * speech[i];
                count++;
            }
        }
        double speechRms = StrictMath.pow(10, levelDb / 20);
        double scale = count == 0 || sum == 0 ? 0 : speechRms / Math.sqrt(sum / count);

        // Background: brownish-pink noise (one-pole low-pass of white) at the drawn SNR below the speech level.
        double[] noise = new double[n];
        double state = 0;
        double noiseSum = 0;
        for (int i = 0; i < n; i++) {
            state = 0.95 * state + rnd.nextGaussian();
            noise[i] = state;
            noiseSum += state * state;
        }
        double noiseScale = speechRms * StrictMath.pow(10, -snrDb / 20) / Math.sqrt(noiseSum / n + 1e-30);

        // The recording chain colours speech and background alike; its gain is the channel's.
        float[] out = new float[n];
        double peak = 0;
        double low = 0;
        double previous = 0;
        for (int i = 0; i < n; i++) {
            double v = speech[i] * scale + noise[i] * noiseScale;
            if (channel.emphasis() > 0) {
                double x = v;
                v = x - channel.emphasis() * previous;
                previous = x;
            }
            if (channel.lowpass() > 0) {
                low = channel.lowpass() * low + (1 - channel.lowpass()) * v;
                v = low;
            }
            out[i] = (float) v;
            peak = Math.max(peak, Math.abs(v));
        }
        if (peak > 0.95) {
            // A limiter would change the voice quality; a plain gain keeps the waveform and the emotion's energy order.
            float g = (float) (0.95 / peak);
            for (int i = 0; i < n; i++) {
                out[i] *= g;
            }
        }
        return out;
    }

    /** Syllables with pauses between them and longer phrase pauses now and then, filling the utterance. */
    private static List<Syllable> planSyllables(Language lang, double rate, int n, double fs, Random rnd) {
        List<Syllable> out = new ArrayList<>();
        double t = (0.08 + 0.12 * rnd.nextDouble()) * fs;
        double end = n - (0.08 + 0.12 * rnd.nextDouble()) * fs;
        double period = fs / rate;
        int wordLeft = 0;
        while (t < end) {
            int length = (int) Math.min(period * 0.8 * (0.75 + 0.5 * rnd.nextDouble()), end - t);
            if (length < 0.06 * fs) {
                break;
            }
            int start = (int) t;
            boolean consonant = rnd.nextDouble() < 0.6;
            int consonantEnd = start + (consonant ? (int) ((0.03 + 0.04 * rnd.nextDouble()) * fs) : 0);
            boolean phrasePause = rnd.nextDouble() < 0.12;
            double gap = phrasePause ? (0.10 + 0.15 * rnd.nextDouble()) * fs : period * 0.2 * (0.5 + rnd.nextDouble());
            boolean last = t + length + gap + 0.06 * fs >= end;
            boolean wordStart = wordLeft == 0;
            if (wordStart) {
                wordLeft = 2 + rnd.nextInt(2);
            }
            wordLeft--;
            double accent = switch (lang.pattern()) {
                case FREE_STRESS -> rnd.nextDouble() < 0.35 ? 1.0 : 0.25;
                case WORD_INITIAL -> wordStart ? 1.0 : 0.15;
                case PHRASE_FINAL -> phrasePause || last ? 1.3 : 0.3;
            };
            out.add(new Syllable(start, consonantEnd, start + length, pickVowel(lang.vowelWeights(), rnd), accent,
                    phrasePause || last));
            t += length + gap;
        }
        return out;
    }

    /** Pitch in semitones relative to the take's level: declination, accents, and a slow random wander. */
    private static double[] pitchContour(Language lang, List<Syllable> syllables, double accentSize, int n, double fs,
                                         Random rnd) {
        double[] st = new double[n];
        double wanderPhase = 2 * Math.PI * rnd.nextDouble();
        double wanderHz = 0.7 + 0.8 * rnd.nextDouble();
        for (int i = 0; i < n; i++) {
            st[i] = lang.declinationSemitones() * (0.5 - (double) i / n)
                    + 0.4 * StrictMath.sin(2 * Math.PI * wanderHz * i / fs + wanderPhase);
        }
        for (Syllable s : syllables) {
            double size = accentSize * s.accent() * (0.7 + 0.6 * rnd.nextDouble());
            int len = s.end() - s.start();
            for (int i = s.start(); i < s.end(); i++) {
                double x = (double) (i - s.start()) / len;
                // French phrase-final accents rise through the syllable; the others peak early and fall.
                double shape = lang.pattern() == DemoProsody.AccentPattern.PHRASE_FINAL && s.phraseFinal()
                        ? x * x
                        : StrictMath.sin(Math.PI * Math.min(1, x / 0.8));
                st[i] += size * shape;
            }
        }
        return st;
    }

    /** One period of the source: harmonics k = 1..count with amplitude k^(tilt/6.02), i.e. tilt dB per octave. */
    private static float[] glottalWave(int count, double tiltDbPerOctave) {
        double[] w = new double[TABLE];
        double exponent = tiltDbPerOctave / (20 * StrictMath.log10(2));
        for (int k = 1; k <= count; k++) {
            double a = StrictMath.pow(k, exponent);
            for (int j = 0; j < TABLE; j++) {
                w[j] += a * SINE[(int) ((long) k * j % TABLE)];
            }
        }
        double peak = 0;
        for (double v : w) {
            peak = Math.max(peak, Math.abs(v));
        }
        float[] out = new float[TABLE];
        for (int j = 0; j < TABLE; j++) {
            out[j] = (float) (w[j] / peak);
        }
        return out;
    }

    private static double table(float[] wave, double phase) {
        double x = phase * TABLE;
        int i = (int) x;
        double f = x - i;
        return wave[i & (TABLE - 1)] * (1 - f) + wave[(i + 1) & (TABLE - 1)] * f;
    }

    /** Raised-cosine attack and release over a segment of {@code length} samples. */
    private static double envelope(int i, int length, double attack, double release) {
        double a = Math.min(attack, length / 2.0);
        double r = Math.min(release, length / 2.0);
        if (i < a) {
            return 0.5 - 0.5 * StrictMath.cos(Math.PI * i / a);
        }
        int fromEnd = length - 1 - i;
        if (fromEnd < r) {
            return 0.5 - 0.5 * StrictMath.cos(Math.PI * fromEnd / r);
        }
        return 1;
    }

    private static int pickVowel(double[] weights, Random rnd) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double u = rnd.nextDouble() * total;
        for (int v = 0; v < weights.length; v++) {
            u -= weights[v];
            if (u < 0) {
                return v;
            }
        }
        return weights.length - 1;
    }

    private static double pow2(double x) {
        return StrictMath.pow(2, x);
    }

    private static double clamp(double x, double lo, double hi) {
        return Math.max(lo, Math.min(hi, x));
    }

    /** Two-pole resonator with unit gain at 0 Hz (Klatt's formant filter). */
    private static final class Resonator {
        private double a;
        private double b;
        private double c;
        private double y1;
        private double y2;

        void tune(double hz, double bandwidthHz, double fs) {
            hz = Math.min(hz, 0.45 * fs); // female F3 at low sample rates would otherwise pass Nyquist
            c = -StrictMath.exp(-2 * Math.PI * bandwidthHz / fs);
            b = 2 * StrictMath.exp(-Math.PI * bandwidthHz / fs) * StrictMath.cos(2 * Math.PI * hz / fs);
            a = 1 - b - c;
        }

        double step(double x) {
            double y = a * x + b * y1 + c * y2;
            y2 = y1;
            y1 = y;
            return y;
        }
    }
}
