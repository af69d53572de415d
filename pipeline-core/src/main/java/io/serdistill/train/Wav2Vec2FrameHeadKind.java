package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.model.wav2vec2.FrameHeadClassifier;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Heads over stored frozen wav2vec2 hidden states, frame by frame (ser.features.wav2vec2.store = frames): only the
 * head trains, in {@link TrainingLoop} with AdamW like every model ({@link FrameModelTrainer}): masked pooling
 * over the real frames ({@code pooling}: mean, or attentive statistics with an attention bottleneck of
 * {@code attentionDim}), a projector of {@code projectorDim}, a linear classifier over {@link Emotion#COUNT}
 * classes. Inputs are the hidden-state frames [frames, hidden] flattened frame by frame; the hidden size is read
 * from {@code modelDir}'s config.json. Model files hold the head alone (KB to a few MB).
 */
public record Wav2Vec2FrameHeadKind(String modelDir, HeadSpec.Pooling pooling, int attentionDim, int projectorDim)
        implements ModelKind {

    @Override
    public TrainedModel<FrameHeadClassifier> train(List<TrainingExample> train, List<TrainingExample> dev,
                                                   TrainingOptions options, CheckpointStore checkpoints,
                                                   Consumer<EpochRecord> progress) throws IOException {
        Wav2Vec2Config config = Wav2Vec2Config.load(Path.of(modelDir).resolve("config.json"));
        int hidden = config.hiddenSize();
        FrameHeadClassifier model = FrameHeadClassifier.initialise(Wav2Vec2FineTuneModel.head(config, false, pooling,
                attentionDim, projectorDim, Emotion.COUNT), options.seed());
        return FrameModelTrainer.train(model, Wav2Vec2FineTuneKind.frameExamples(train, hidden),
                Wav2Vec2FineTuneKind.frameExamples(dev, hidden), options, checkpoints, progress);
    }

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        FrameHeadClassifier model = FrameHeadClassifier.fromSafeTensors(safetensors, source);
        return Wav2Vec2FineTuneKind.scorer(model, model.spec().hiddenSize(), source);
    }
}
