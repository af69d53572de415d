package io.serdistill.train;

import io.serdistill.model.EmotionClassifier;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** MLP heads ({@link EmotionClassifier}) on pooled feature vectors: fbank statistics or frozen wav2vec2 features. */
public record PooledClassifierKind() implements ModelKind {

    @Override
    public Trained train(List<TrainingExample> train, List<TrainingExample> dev, TrainingOptions options,
                         CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        TrainedClassifier t = ClassifierTrainer.train(train, dev, options, checkpoints, progress);
        return new Trained(t.history(), t.bestEpoch(), t.model()::toSafeTensors);
    }

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        EmotionClassifier model = EmotionClassifier.fromSafeTensors(safetensors, source);
        return (ids, inputs) -> model.logits(inputs);
    }
}
