package io.serdistill.train;

import io.serdistill.model.Classifier;
import io.serdistill.model.tdnn.TdnnClassifier;
import io.serdistill.model.wav2vec2.FrameHeadClassifier;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Trains models over frame sequences of any lengths in the loop every model trains in ({@link TrainingLoop}):
 * frozen-CNN fine-tuning of a {@link Wav2Vec2FineTuneModel} on CNN frames, a {@link FrameHeadClassifier} over
 * stored frozen hidden-state frames, or a {@link io.serdistill.model.tdnn.TdnnClassifier} over fbank frames. Each mini-batch is padded to its longest utterance and masked; AdamW with
 * warm-up and decay and global-norm clipping over every trainable tensor; optional class-weighted cross-entropy;
 * distillation targets mixed per utterance from teacher logits when {@link TrainingOptions#distills()}; early
 * stopping on dev UA with the best epoch's weights restored; end-of-epoch checkpoints resumed exactly (for
 * wav2vec2-base a checkpoint holds parameters, both Adam moments and the best weights: ~1.5 GB). The model's shape
 * is its {@link io.serdistill.model.wav2vec2.HeadSpec} (a TDNN's, its {@link io.serdistill.model.tdnn.TdnnSpec}).
 */
public final class FrameModelTrainer {
    private FrameModelTrainer() {}

    /**
     * Trains {@code model} in place and returns it with its history.
     *
     * @param model       fresh, e.g. from {@link Wav2Vec2FineTuneModel#load} or {@link FrameHeadClassifier#initialise}
     *                    ({@link Classifier#prepareTraining} not yet called: this does it)
     * @param train       training utterances; when distilling each needs teacher logits
     * @param dev         model-selection utterances (may be empty: then the last epoch is kept)
     * @param checkpoints where end-of-epoch state goes and is resumed from ({@link CheckpointStore#NONE} for none)
     * @param progress    called after every epoch
     */
    public static <M extends Classifier<INDArray>> TrainedModel<M> train(M model, List<FrameExample> train,
                                                                         List<FrameExample> dev, TrainingOptions opts,
                                                                         CheckpointStore checkpoints,
                                                                         Consumer<EpochRecord> progress) {
        InvalidOption.require(opts.optimisation().optimiser() == Optimisation.Optimiser.ADAMW, "optimiser",
                "lbfgs trains pooled MLPs only; frame models (TDNN, wav2vec2) train with adamw");
        if (model instanceof TdnnClassifier tdnn) {
            // The TDNN reads the examples' heap values as they are, with no ND4J array per utterance and pass.
            int dim = tdnn.spec().inputDim();
            for (List<FrameExample> set : List.of(train, dev)) {
                for (FrameExample e : set) {
                    if (e.dim() != dim) {
                        throw new IllegalArgumentException("utterance " + e.uttId() + " has frames of " + e.dim()
                                + " values, the TDNN reads " + dim);
                    }
                }
            }
            TrainedModel<Classifier<float[]>> t = TrainingLoop.run(tdnn.flattened(), train, dev, FrameExample::values,
                    opts, checkpoints, progress);
            return new TrainedModel<>(model, t.history(), t.bestEpoch());
        }
        return TrainingLoop.run(model, train, dev, FrameExample::frames, opts, checkpoints, progress);
    }
}
