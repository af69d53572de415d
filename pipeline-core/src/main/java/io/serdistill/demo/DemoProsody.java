package io.serdistill.demo;

import io.serdistill.data.Emotion;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The demo corpus's "phonetics": per-language baseline prosody and how each language voices each emotion.
 * The emotion tables differ on purpose (Finnish anger is loud but barely higher in pitch, French joy has the
 * widest pitch range and fastest tempo, ...) so that a model told the language can do better than one that is not.
 * The numbers are plausible rather than measured.
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
     */
    record Language(String code, double pitchShiftSemitones, double accentSemitones, double syllableRate,
                    double declinationSemitones, double tiltDb, AccentPattern pattern, double[] vowelWeights,
                    Map<Emotion, EmotionEffect> effects) {

        EmotionEffect effect(Emotion emotion) {
            return effects.get(emotion);
        }
    }

    /** F1, F2, F3 in Hz of an adult male voice for a, e, i, o, u, ä, y. */
    static final double[][] VOWEL_FORMANTS = {
        {730, 1090, 2440}, {530, 1840, 2480}, {270, 2290, 3010}, {570, 840, 2410}, {300, 870, 2240},
        {660, 1720, 2410}, {280, 1650, 2200},
    };

    static final List<String> CODES = List.of("en", "fi", "fr");

    static Language language(String code) {
        return switch (code) {
            case "en" -> new Language("en", 0, 3.0, 4.6, 2.5, -12, AccentPattern.FREE_STRESS,
                    new double[] {3, 3, 2, 2, 1, 1, 0},
                    effects(new EmotionEffect(3.0, 1.5, 1.08, 3, 2, 0.00, 1.2),
                            new EmotionEffect(4.0, 1.3, 1.12, 8, 5, -0.02, 1.6),
                            new EmotionEffect(-2.0, 0.6, 0.80, -5, -4, 0.08, 1.3)));
            case "fi" -> new Language("fi", -1.0, 2.2, 4.2, 1.5, -13, AccentPattern.WORD_INITIAL,
                    new double[] {3, 2, 2, 1, 2, 2, 1},
                    effects(new EmotionEffect(2.0, 1.25, 1.00, 2, 1.5, 0.00, 1.1),
                            new EmotionEffect(1.0, 1.10, 1.05, 10, 6, -0.02, 1.4),
                            new EmotionEffect(-1.5, 0.70, 0.85, -4, -3, 0.06, 1.2)));
            case "fr" -> new Language("fr", 0.5, 3.4, 5.1, 2.0, -11, AccentPattern.PHRASE_FINAL,
                    new double[] {3, 3, 2, 2, 2, 0, 1},
                    effects(new EmotionEffect(3.5, 1.9, 1.20, 3, 2, 0.00, 1.2),
                            new EmotionEffect(3.0, 1.2, 1.05, 6, 4, -0.01, 1.5),
                            new EmotionEffect(-3.0, 0.5, 0.75, -6, -5, 0.10, 1.3)));
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
     */
    record Speaker(boolean female, double f0Hz, double formantScale, double rateFactor, double gainDb,
                   double tiltDb, double breathiness) {

        static Speaker draw(boolean female, Random rnd) {
            double f0 = female ? 205 + 22 * rnd.nextGaussian() : 118 + 14 * rnd.nextGaussian();
            double formants = (female ? 1.15 : 1.0) * (1 + 0.04 * rnd.nextGaussian());
            return new Speaker(female, f0, formants, 1 + 0.08 * rnd.nextGaussian(), 2.5 * rnd.nextGaussian(),
                    1.5 * rnd.nextGaussian(), Math.max(0.01, 0.04 + 0.02 * rnd.nextGaussian()));
        }
    }
}
