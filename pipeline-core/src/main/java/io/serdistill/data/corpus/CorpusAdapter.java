package io.serdistill.data.corpus;

import io.serdistill.data.Emotion;
import io.serdistill.data.ManifestValidator;
import java.io.IOException;
import java.util.Map;

/** Turns a corpus in its distribution layout into manifest rows (for the {@link ManifestValidator}) plus rejects. */
public interface CorpusAdapter {
    /** The corpus column value, e.g. iemocap. */
    String corpus();

    /** ISO 639-1 language of every utterance. */
    String language();

    CorpusScan scan(CorpusFiles files) throws IOException;

    /**
     * The adapter for {@code ser.input.corpus.kind}.
     *
     * @param labelMap   replaces the adapter's default label map when not empty (keys lower-case)
     * @param labelToken FESC only: file-name token index holding the label, -1 = any token in the map
     */
    static CorpusAdapter of(String kind, Map<String, Emotion> labelMap, int labelToken) {
        return switch (kind) {
            case "iemocap" -> new IemocapAdapter(labelMap.isEmpty() ? IemocapAdapter.DEFAULT_LABELS : labelMap);
            case "cafe" -> new CafeAdapter(labelMap.isEmpty() ? CafeAdapter.DEFAULT_LABELS : labelMap);
            case "fesc" -> new FescAdapter(labelMap.isEmpty() ? FescAdapter.DEFAULT_LABELS : labelMap, labelToken);
            default -> throw new IllegalArgumentException("no corpus adapter for kind '" + kind + "'");
        };
    }
}
