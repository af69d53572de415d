package io.serdistill.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The four emotion classes shared by IEMOCAP, FESC and CaFE in the paper. The ordinal is the class index
 * used by every model, soft-target vector and confusion matrix, so the order here is part of the data format.
 */
public enum Emotion {
    NEUTRAL, HAPPY, ANGRY, SAD;

    public static final int COUNT = values().length;

    /** Lower-case label as written in manifests and tables. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a canonical label (case-insensitive, surrounding blanks ignored); empty if it is not one. */
    public static Optional<Emotion> parse(String label) {
        if (label == null) {
            return Optional.empty();
        }
        String wanted = label.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(e -> e.label().equals(wanted)).findFirst();
    }

    public static List<String> labels() {
        return Arrays.stream(values()).map(Emotion::label).toList();
    }
}
