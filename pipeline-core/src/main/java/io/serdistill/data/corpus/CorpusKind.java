package io.serdistill.data.corpus;

import java.util.Locale;

/**
 * Where a run's utterances come from: auto (a manifest CSV when one is configured, else the demo corpus), a manifest
 * CSV, the generated demo corpus, or a corpus directory scanned by its adapter.
 */
public enum CorpusKind {
    AUTO, CSV, DEMO, IEMOCAP, CAFE, FESC;

    /** The config spelling. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when an adapter scans a corpus directory (rather than a manifest CSV being read). */
    public boolean scansFiles() {
        return this == IEMOCAP || this == CAFE || this == FESC;
    }
}
