package io.serdistill.demo;

import io.serdistill.data.Emotion;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The demo corpus's "phonetics": per-language baseline prosody, how each language voices each emotion, and the
 * recording chain each language's part of the corpus went through.
 *
 * <p>Real multilingual SER corpora come from different studios and cultures, and a model trained on one language
 * loses much of its accuracy on another. The demo reproduces both causes on purpose. The emotion tables conflict
 * where real corpora do: English joy is high and wide, Finnish joy is calm (slower, quieter, lower) and Finnish
 * sadness a raised, tearful, unsteady voice, French anger is loud but flat and slow. Only "angry is louder and
 * brighter than sad" holds everywhere. Each language's recordings also differ in level, colouring and noise. A model
 * told the language (or one that infers it) can therefore do much better than one that pools the languages
 * blindly. The numbers are plausible rather than measured.
 */
final class DemoProsody {

    private DemoProsody() {
    }

    /** Where a language puts its pitch accents. */
    enum AccentPattern {
        /** Lexical stress on some syllables of a word, anywhere (English). */
        FREE_STRESS,
        /** Stress on the first syllable of every word (Finnish). */
        WORD_INITIAL,
        /** A rise on the last syllable of each phrase (French). */
        PHRASE_FINAL
    }

    /**
     * How one emotion shifts a language's prosody and voice quality, relative to neutral.
     *
     * @param pitchSemitones shift of the pitch level, semitones
     * @param rangeFactor    factor on the accent size (pitch range)
     * @param tempoFactor    factor on the syllable rate
     * @param energyDb       change of speech level, dB
     * @param tiltDb         change of the source spectral slope, dB per octave (positive = flatter, tenser)
     * @param breathiness    added aspiration noise, as a fraction of the voiced source amplitude
     * @param jitterFactor   factor on cycle-to-cycle period and amplitude perturbation
     */
    record EmotionEffect(double pitchSemitones, double rangeFactor, double tempoFactor, double energyDb,
                         double tiltDb, double breathiness, double jitterFactor) {
        static final EmotionEffect NONE = new EmotionEffect(0, 1, 1, 0, 0, 0, 1);
    }

    /**
     * A language's neutral speech and its emotion table.
     *
     * @param pitchShiftSemitones offset of the speaker's pitch level, semitones
     * @param accentSemitones     size of a full pitch accent, semitones
     * @param syllableRate        syllables per second
     * @param declinationSemitones pitch fall over an utterance, semitones
     * @param tiltDb              source spectral slope, dB per octave
     * @param pattern             where accents fall
     * @param vowelWeights        relative frequency of the vowels a, e, i, o, u (and Finnish-like front ä, y)
     * @param channel             the recording chain of this language's part of the corpus
     */
    record Language(String code, double pitchShiftSemitones, double accentSemitones, double syllableRate,
                    double declinationSemitones, double tiltDb, AccentPattern pattern, double[] vowelWeights,
                    Map<Emotion, EmotionEffect> effects, Channel channel) {

        EmotionEffect effect(Emotion emotion) {
            return effects.get(emotion);
        }
    }

    /**
     * A corpus's recording chain, applied to speech and background alike.
     *
     * @param gainDb      level offset, dB
     * @param lowpass     one-pole low-pass coefficient in [0, 1) (0 = none; larger = duller)
     * @param emphasis    first-difference pre-emphasis in [0, 1) (0 = none; larger = brighter, thinner)
     * @param snrMinDb    lowest background SNR, dB
     * @param snrSpanDb   SNRs are uniform in [snrMinDb, snrMinDb + snrSpanDb]
     */
    record Channel(double gainDb, double lowpass, double emphasis, double snrMinDb, double snrSpanDb) {
    }

    /** F1, F2, F3 in Hz of an adult male voice for a, e, i, o, u, ä, y. */
    static final double[][] VOWEL_FORMANTS = {
        {730, 1090, 2440}, {530, 1840, 2480}, {270, 2290, 3010}, {570, 840, 2410}, {300, 870, 2240},
        {660, 1720, 2410}, {280, 1650, 2200},
    };

    static final List<String> CODES = List.of("en", "fi", "fr");

    static Language language(String code) {
        return switch (code) {
            // Joy high and wide, anger loud and tense, sadness low, slow and breathy; a clean studio.
            case "en" -> new Language("en", 0, 3.0, 4.6, 2.5, -12, AccentPattern.FREE_STRESS,
                    new double[] {3, 3, 2, 2, 1, 1, 0},
                    effects(new EmotionEffect(3.5, 1.6, 1.10, 3, 2, 0.00, 1.2),
                            new EmotionEffect(3.0, 1.2, 1.05, 9, 6, -0.02, 1.6),
                            new EmotionEffect(-2.5, 0.55, 0.78, -6, -4, 0.08, 1.3)),
                    new Channel(0, 0, 0, 20, 12));
            // Joy calm (slower, quieter, lower), anger loud but low and slow, sadness raised, tearful and unsteady;
            // a dull, quieter, noisier chain.
            case "fi" -> new Language("fi", -1.0, 2.2, 4.2, 1.5, -13, AccentPattern.WORD_INITIAL,
                    new double[] {3, 2, 2, 1, 2, 2, 1},
                    effects(new EmotionEffect(-1.5, 0.8, 0.86, -3, -2, 0.05, 1.1),
                            new EmotionEffect(-1.5, 0.9, 0.90, 9, 7, -0.02, 1.5),
                            new EmotionEffect(3.0, 1.4, 1.08, 2, 1, 0.06, 1.8)),
                    new Channel(-5, 0.55, 0, 12, 10));
            // Joy the highest, widest and fastest, anger loud but flat and slow, sadness very low and breathy; a
            // bright, hotter chain.
            case "fr" -> new Language("fr", 0.5, 3.4, 5.1, 2.0, -11, AccentPattern.PHRASE_FINAL,
                    new double[] {3, 3, 2, 2, 2, 0, 1},
                    effects(new EmotionEffect(4.5, 2.0, 1.22, 1, 1, 0.00, 1.2),
                            new EmotionEffect(1.0, 0.6, 0.85, 6, 4, -0.01, 1.6),
                            new EmotionEffect(-3.0, 0.5, 0.75, -7, -6, 0.06, 1.3)),
                    new Channel(3, 0, 0.35, 22, 12));
            default -> throw new IllegalArgumentException(
                    "language '" + code + "' has no demo profile; known: " + String.join(", ", CODES));
        };
    }

    private static Map<Emotion, EmotionEffect> effects(EmotionEffect happy, EmotionEffect angry, EmotionEffect sad) {
        Map<Emotion, EmotionEffect> m = new EnumMap<>(Emotion.class);
        m.put(Emotion.NEUTRAL, EmotionEffect.NONE);
        m.put(Emotion.HAPPY, happy);
        m.put(Emotion.ANGRY, angry);
        m.put(Emotion.SAD, sad);
        return Map.copyOf(m);
    }

    /**
     * One demo speaker's voice.
     *
     * @param female        sets the pitch and formant ranges
     * @param f0Hz          mean fundamental frequency of neutral speech, Hz
     * @param formantScale  factor on the vowel formants (vocal-tract length)
     * @param rateFactor    factor on the language's syllable rate
     * @param gainDb        recording level offset, dB
     * @param tiltDb        offset of the source spectral slope, dB per octave
     * @param breathiness   baseline aspiration noise, fraction of the voiced source amplitude
     * @param expressiveness how strongly this speaker voices emotions: a factor on every emotion effect (on the
     *                       log scale for the factors), so some speakers are subdued and others theatrical
     */
    record Speaker(boolean female, double f0Hz, double formantScale, double rateFactor, double gainDb,
                   double tiltDb, double breathiness, double expressiveness) {

        static Speaker draw(boolean female, Random rnd) {
            double f0 = female ? 205 + 22 * rnd.nextGaussian() : 118 + 14 * rnd.nextGaussian();
            double formants = (female ? 1.15 : 1.0) * (1 + 0.04 * rnd.nextGaussian());
            double rate = 1 + 0.08 * rnd.nextGaussian();
            double gain = 2.0 * rnd.nextGaussian();
            double tilt = 1.5 * rnd.nextGaussian();
            double breath = Math.max(0.01, 0.04 + 0.02 * rnd.nextGaussian());
            double expressiveness = Math.max(0.65, Math.min(1.95, 1.3 + 0.3 * rnd.nextGaussian()));
            return new Speaker(female, f0, formants, rate, gain, tilt, breath, expressiveness);
        }

        /** The effect as this speaker voices it. */
        EmotionEffect voiced(EmotionEffect e) {
            double x = expressiveness;
            return new EmotionEffect(e.pitchSemitones() * x, StrictMath.pow(e.rangeFactor(), x),
                    StrictMath.pow(e.tempoFactor(), x), e.energyDb() * x, e.tiltDb() * x, e.breathiness() * x,
                    StrictMath.pow(e.jitterFactor(), x));
        }
    }
}
