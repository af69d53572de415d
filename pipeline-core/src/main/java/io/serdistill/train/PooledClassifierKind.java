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

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        MlpClassifier model = MlpClassifier.fromSafeTensors(safetensors, source);
        return (ids, inputs) -> model.logits(inputs);
    }
}
