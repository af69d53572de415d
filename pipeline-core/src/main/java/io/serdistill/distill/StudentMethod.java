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
    /**
     * As ft-multi, its input the pooled features followed by a one-hot of the utterance's language (in
     * ser.input.languages order): the simplest rival of language-aware distillation.
     */
    FT_MULTI_LANG,
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
    /**
     * One student, teachers weighted by the batch's mean cosine between the student's and each teacher's logits
     * (one weight vector per batch, the paper's code).
     */
    MTKD_SIMILARITY,
    /** One student, the language and per-utterance similarity weights combined. */
    MTKD_LANGUAGE_SIMILARITY,
    /** One student, the similarity rule per utterance: each utterance's own cosines, not the batch mean. */
    MTKD_SIMILARITY_UTTERANCE,
    /** One student, each teacher weighted by its probability of the utterance's true label, renormalised. */
    MTKD_GOLD;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether it trains one student per language (on that language's utterances only). */
    public boolean perLanguage() {
        return this == KD_MONO || this == MTKD_MONO;
    }

    /** Whether its model takes the utterance's language as an input besides the features. */
    public boolean languageInput() {
        return this == FT_MULTI_LANG;
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
