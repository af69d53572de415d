package io.serdistill.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.json.Json;
import io.serdistill.train.LanguageInputKind;
import io.serdistill.train.LinearReferenceKind;
import io.serdistill.train.ModelKind;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.TdnnKind;
import io.serdistill.train.Wav2Vec2FineTuneKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model families a package can hold, by the id its card names ({@link ModelCard.KindSpec#id()}): each id maps to
 * a {@link ModelKind} record, which the card stores as JSON and whose {@link ModelKind#load} turns the package's
 * weights into a scorer. A new model family adds one {@link #register} line here (its kind must be a record Jackson
 * can write and read back).
 */
public final class ModelLoaders {
    private static final Map<String, Class<? extends ModelKind>> KINDS = new LinkedHashMap<>();

    static {
        register("pooled-mlp", PooledClassifierKind.class);
        register("linear-reference", LinearReferenceKind.class);
        register("wav2vec2-finetune", Wav2Vec2FineTuneKind.class);
        register("wav2vec2-frame-head", Wav2Vec2FrameHeadKind.class);
        register("tdnn", TdnnKind.class);
        register("pooled-mlp-language-input", LanguageInputKind.class);
    }

    private ModelLoaders() {}

    /** Adds a family; an id or a kind class registered twice is a programming error. */
    public static synchronized void register(String id, Class<? extends ModelKind> kind) {
        if (KINDS.containsKey(id) || KINDS.containsValue(kind)) {
            throw new IllegalArgumentException("model kind " + id + " (" + kind.getName() + ") is registered already");
        }
        KINDS.put(id, kind);
    }

    /** The card's description of {@code kind}; a family nobody registered fails naming its class. */
    public static synchronized ModelCard.KindSpec spec(ModelKind kind) throws IOException {
        for (Map.Entry<String, Class<? extends ModelKind>> e : KINDS.entrySet()) {
            if (e.getValue() == kind.getClass()) {
                return new ModelCard.KindSpec(e.getKey(), Json.object(Json.compact(kind)));
            }
        }
        throw new IllegalArgumentException("model kind " + kind.getClass().getName() + " has no package loader; "
                + "register it in " + ModelLoaders.class.getName());
    }

    /** The kind a card describes; {@code source} names the package in errors. */
    public static synchronized ModelKind kind(ModelCard.KindSpec spec, String source) throws IOException {
        Class<? extends ModelKind> type = KINDS.get(spec.id());
        if (type == null) {
            throw new PackageError(source, "model kind '" + spec.id() + "' is not one this version loads "
                    + KINDS.keySet());
        }
        JsonNode options = spec.options() == null ? Json.newObject() : spec.options();
        try {
            return Json.read(Json.compact(options), type, source + " model kind " + spec.id());
        } catch (IOException | RuntimeException e) {
            throw new PackageError(source, "model kind '" + spec.id() + "' options do not load: " + e.getMessage(), e);
        }
    }
}
