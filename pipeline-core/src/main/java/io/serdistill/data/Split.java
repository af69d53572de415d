package io.serdistill.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The speaker-disjoint parts of a corpus: models train on train, are selected on dev and reported on test. */
public enum Split {
    TRAIN, DEV, TEST;

    /** The spelling in manifests, config and tables. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> labels() {
        return Arrays.stream(values()).map(Split::label).toList();
    }
}
