package io.serdistill.train;

import io.serdistill.model.MlpClassifier;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** MLP heads ({@link MlpClassifier}) on pooled feature vectors: fbank statistics or frozen wav2vec2 features. */
public record PooledClassifierKind() implements ModelKind {

    @Override
    public TrainedModel<MlpClassifier> train(List<TrainingExample> train, List<TrainingExample> dev,
                                             TrainingOptions options, CheckpointStore checkpoints,
                                             Consumer<EpochRecord> progress) {
        return MlpTrainer.train(train, dev, options, checkpoints, progress);
    }

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        MlpClassifier model = MlpClassifier.fromSafeTensors(safetensors, source);
        return (ids, inputs) -> model.logits(inputs);
    }
}
