package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.model.Classifier;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Frozen-CNN fine-tuning of wav2vec2 ({@link FrameModelTrainer}): every model starts from the Hugging Face
 * checkpoint in {@code modelDir} (a local path present where the task runs) with a fresh head drawn from the
 * training seed: masked pooling ({@code pooling}: mean, or attentive statistics with an attention bottleneck of
 * {@code attentionDim}) of the last hidden state (or of a learned weighted sum of all of them with
 * {@code allLayers}), a projector of {@code projectorDim}, a linear classifier over {@link Emotion#COUNT} classes.
 * Inputs are the CNN frames [frames, conv_dim[-1]] flattened frame by frame. Steps run on
 * {@link TrainingOptions#engine()} ({@link Wav2Vec2FineTuneModel#setTrainingEngine}: auto is the fused CPU path for
 * mean pooling on the CPU backend, the SameDiff graph otherwise).
 */
public record Wav2Vec2FineTuneKind(String modelDir, boolean allLayers, int projectorDim, HeadSpec.Pooling pooling,
                                   int attentionDim) implements ModelKind {

    @Override
    public TrainedModel<Wav2Vec2FineTuneModel> train(List<TrainingExample> train, List<TrainingExample> dev,
                                                     TrainingOptions options, CheckpointStore checkpoints,
                                                     Consumer<EpochRecord> progress) throws IOException {
        Path dir = Path.of(modelDir);
        Wav2Vec2Config config = Wav2Vec2Config.load(dir.resolve("config.json"));
        HeadSpec head = Wav2Vec2FineTuneModel.head(config, allLayers, pooling, attentionDim, projectorDim, Emotion.COUNT);
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(dir, head, options.seed());
        model.setTrainingEngine(options.engine());
        int dim = config.featureDim();
        return FrameModelTrainer.train(model, frameExamples(train, dim), frameExamples(dev, dim), options, checkpoints,
                progress);
    }

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.fromSafeTensors(safetensors, source);
        return scorer(model, model.config().featureDim(), source);
    }

    /** Scores flattened frame sequences of width {@code dim} with {@code model}. */
    static Scorer scorer(Classifier<INDArray> model, int dim, String source) {
        // A view: the model scores in small batches, so only a batch's frames are ever ND4J arrays at once.
        return (ids, inputs) -> model.logits(new AbstractList<INDArray>() {
            @Override
            public INDArray get(int i) {
                return frames(inputs.get(i), dim, source + ": utterance " + ids.get(i));
            }

            @Override
            public int size() {
                return inputs.size();
            }
        });
    }

    static List<FrameExample> frameExamples(List<TrainingExample> examples, int dim) {
        List<FrameExample> out = new ArrayList<>(examples.size());
        for (TrainingExample e : examples) {
            checkFrames(e.input(), dim, e.uttId());
            out.add(new FrameExample(e.uttId(), e.language(), e.speaker(), e.label(), e.input(), dim, e.teacherLogits()));
        }
        return out;
    }

    /** [frames, dim] from frames flattened frame by frame; {@code what} names the input in errors. */
    static INDArray frames(float[] flat, int dim, String what) {
        checkFrames(flat, dim, what);
        return Nd4j.create(flat, new long[] {flat.length / dim, dim}, 'c');
    }

    private static void checkFrames(float[] flat, int dim, String what) {
        if (flat.length == 0 || flat.length % dim != 0) {
            throw new IllegalArgumentException(what + ": " + flat.length + " values are not whole frames of " + dim
                    + "; were the features extracted with the representation this model reads (tdnn: fbank frames of"
                    + " num-mel-bins; wav2vec2 mode finetune: CNN frames; store = frames: hidden states of this"
                    + " model-dir)?");
        }
    }
}
