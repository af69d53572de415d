package io.serdistill.train;

import io.serdistill.model.wav2vec2.FrameClassifier;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.util.AbstractList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frozen-CNN fine-tuning of a {@link Wav2Vec2FineTuneModel} on CNN frame sequences of any lengths, in the loop
 * {@link ClassifierTrainer} uses ({@link TrainingLoop}): each mini-batch is padded to its longest utterance and
 * masked; AdamW with warm-up and decay and global-norm clipping over every trainable tensor (encoder and head);
 * distillation targets mixed per utterance from teacher logits when {@link TrainingOptions#distills()}; early stopping
 * on dev UA with the best epoch's weights restored; end-of-epoch checkpoints resumed exactly like ClassifierTrainer's
 * (for wav2vec2-base a checkpoint holds parameters, both Adam moments and the best weights: ~1.5 GB).
 *
 * <p>Of {@link TrainingOptions} the MLP-specific {@code hidden} and {@code inputLayers} are ignored (the head is
 * the model's {@link io.serdistill.model.wav2vec2.HeadSpec}); class-weighted cross-entropy is not supported.
 */
public final class Wav2Vec2FineTuner {
    private Wav2Vec2FineTuner() {}

    /**
     * Trains {@code model} in place and returns it with its history.
     *
     * @param model       fresh from {@link Wav2Vec2FineTuneModel#load} or {@link Wav2Vec2FineTuneModel#fromSafeTensors}
     *                    ({@link Wav2Vec2FineTuneModel#prepareTraining} not yet called: this does it)
     * @param train       training utterances; when distilling each needs teacher logits
     * @param dev         model-selection utterances (may be empty: then the last epoch is kept)
     * @param checkpoints where end-of-epoch state goes and is resumed from ({@link CheckpointStore#NONE} for none)
     * @param progress    called after every epoch
     */
    public static TrainedWav2Vec2 train(Wav2Vec2FineTuneModel model, List<FrameExample> train, List<FrameExample> dev,
                                        TrainingOptions opts, CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        TrainingLoop.Result result = run(model, train, dev, opts, checkpoints, progress);
        return new TrainedWav2Vec2(model, result.history(), result.bestEpoch());
    }

    /**
     * Trains any {@link FrameClassifier} in place in this loop (the fine-tuned encoder, or a head over stored frozen
     * frames, {@link io.serdistill.model.wav2vec2.FrameHeadClassifier}); {@code model} must not be prepared yet.
     */
    static TrainingLoop.Result run(FrameClassifier model, List<FrameExample> train, List<FrameExample> dev,
                                   TrainingOptions opts, CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        if (opts.classWeighted()) {
            throw new IllegalArgumentException("class-weighted cross-entropy is not supported for wav2vec2 frame models");
        }
        model.prepareTraining(opts.alpha(), opts.temperature());
        TrainingLoop.Trainee<FrameExample> trainee = new TrainingLoop.Trainee<>() {
            @Override
            public float[][] logits(List<FrameExample> examples) {
                return model.logits(frames(examples));
            }

            @Override
            public TrainingLoop.Step step(List<FrameExample> batch, List<float[]> targets) {
                FrameClassifier.Step step = model.step(frames(batch), TrainingLoop.labels(batch), targets);
                return new TrainingLoop.Step(step.loss(), step.gradients());
            }

            @Override
            public Map<String, INDArray> parameters() {
                return model.parameters();
            }
        };
        return TrainingLoop.run(trainee, train, dev, opts, checkpoints, progress);
    }

    /** A view making each utterance's ND4J array when asked: the models batch, so a batch's frames exist at once. */
    private static List<INDArray> frames(List<FrameExample> examples) {
        return new AbstractList<>() {
            @Override
            public INDArray get(int i) {
                return examples.get(i).frames();
            }

            @Override
            public int size() {
                return examples.size();
            }
        };
    }
}
