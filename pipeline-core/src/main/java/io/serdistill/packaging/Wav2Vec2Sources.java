package io.serdistill.packaging;

import io.serdistill.representation.Representation;
import java.util.Optional;

/** The wav2vec2 checkpoint a representation reads, and the representation reading it from another directory. */
public final class Wav2Vec2Sources {
    private Wav2Vec2Sources() {}

    /** The checkpoint {@code r} reads; empty for fbank. */
    public static Optional<Representation.Wav2Vec2Source> of(Representation r) {
        if (r instanceof Representation.LayerMeans m) {
            return Optional.of(m.source());
        }
        if (r instanceof Representation.LayerWeights w) {
            return Optional.of(w.source());
        }
        if (r instanceof Representation.Frames f) {
            return Optional.of(f.source());
        }
        if (r instanceof Representation.FineTune t) {
            return Optional.of(t.source());
        }
        return Optional.empty();
    }

    /** {@code r} reading its checkpoint from {@code modelDir}; a representation without one is returned as it is. */
    public static Representation withModelDir(Representation r, String modelDir) {
        if (r instanceof Representation.LayerMeans m) {
            return new Representation.LayerMeans(moved(m.source(), modelDir), m.layer());
        }
        if (r instanceof Representation.LayerWeights w) {
            return new Representation.LayerWeights(moved(w.source(), modelDir), w.layer());
        }
        if (r instanceof Representation.Frames f) {
            return new Representation.Frames(moved(f.source(), modelDir), f.layer(), f.head());
        }
        if (r instanceof Representation.FineTune t) {
            return new Representation.FineTune(moved(t.source(), modelDir), t.allLayers(), t.head());
        }
        return r;
    }

    private static Representation.Wav2Vec2Source moved(Representation.Wav2Vec2Source s, String modelDir) {
        return new Representation.Wav2Vec2Source(modelDir, s.normalizeWaveform());
    }
}
