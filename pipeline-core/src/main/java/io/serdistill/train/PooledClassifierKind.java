package io.serdistill.train;

import io.serdistill.model.MlpClassifier;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * MLP heads ({@link MlpClassifier}) on pooled feature vectors: fbank statistics or frozen wav2vec2 features.
 *
 * @param hidden      hidden layer widths (empty: a linear classifier)
 * @param inputLayers stacked input vectors combined by learned layer weights (1 = a plain pooled vector)
 */
public record PooledClassifierKind(List<Integer> hidden, int inputLayers) implements ModelKind {

    public PooledClassifierKind {
        hidden = List.copyOf(hidden);
        for (int h : hidden) {
            InvalidOption.require(h > 0, "hidden", "layer sizes must be > 0, got " + hidden);
        }
        if (inputLayers < 1) {
            throw new IllegalArgumentException("inputLayers must be >= 1, got " + inputLayers);
        }
    }

    @Override
    public TrainedModel<MlpClassifier> train(List<TrainingExample> train, List<TrainingExample> dev,
                                             TrainingOptions options, CheckpointStore checkpoints,
                                             Consumer<EpochRecord> progress) {
        return MlpTrainer.train(train, dev, hidden, inputLayers, options, checkpoints, progress);
    }

    /** Refuses a model that takes the language as an input: load that with {@link LanguageInputKind}. */
    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        List<String> languages = LanguageInputKind.recordedLanguages(safetensors, source);
        if (languages != null) {
            throw new IOException(source + ": takes the utterance's language as an input " + languages
                    + "; load it with its language input");
        }
        return loadAnyInput(safetensors, source);
    }

    /** Loads a model whatever its input (the language-input check left to the caller). */
    Scorer loadAnyInput(byte[] safetensors, String source) throws IOException {
        MlpClassifier model = MlpClassifier.fromSafeTensors(safetensors, source);
        return (ids, inputs) -> model.logits(inputs);
    }

    /** Layer-weighted inputs (inputLayers &gt; 1) split the vector into layers, so they take no language one-hot. */
    @Override
    public ModelKind withLanguageInput(List<String> languages) {
        InvalidOption.require(inputLayers == 1, "language-input",
                "needs a plain pooled vector, not " + inputLayers + " stacked layers");
        return new LanguageInputKind(this, languages);
    }
}
