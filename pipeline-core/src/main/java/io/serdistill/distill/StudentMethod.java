package io.serdistill.distill;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a student is trained: the paper's matrix FT / KD (single teacher) / MTKD (all teachers) × Mono (one student
 * per language) / Multi (one student for all), and the teacher weighting rules of the multi-teacher students. The
 * teachers themselves are ft-mono (trained by the teachers stage, not a student method). {@link #label()} is the
 * spelling in config and tables.
 */
public enum StudentMethod {
    /** One student on every language, labels only. */
    FT_MULTI,
    /** Per language, a student distilled from its own teacher. */
    KD_MONO,
    /** One student on every language, each utterance distilled from its own-language teacher only. */
    KD_MULTI,
    /** Per language, a student distilled from all teachers with language weights. */
    MTKD_MONO,
    /** One student, all teachers weighted equally. */
    MTKD_UNIFORM,
    /** One student, the own-language teacher weighted beta and the others sharing the rest. */
    MTKD_LANGUAGE,
    /** One student, teachers weighted by their agreement with the batch's labels. */
    MTKD_SIMILARITY,
    /** One student, the language and similarity weights combined. */
    MTKD_LANGUAGE_SIMILARITY;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether it trains one student per language (on that language's utterances only). */
    public boolean perLanguage() {
        return this == KD_MONO || this == MTKD_MONO;
    }

    /** Every label, in declaration order. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(StudentMethod::label).toList();
    }

    /** The method spelt {@code label}; an unknown one is named in the error with every valid label. */
    public static StudentMethod parse(String label) {
        for (StudentMethod m : values()) {
            if (m.label().equals(label)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown student method '" + label + "'; expected one of " + labels());
    }
}
