package io.serdistill.train;

import io.serdistill.features.FeatureMatrix;
import io.serdistill.features.GlobalStats;
import io.serdistill.model.tdnn.TdnnClassifier;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * TDNNs over stored fbank frames ({@link TdnnClassifier}), trained in {@link TrainingLoop} like every model
 * ({@link FrameModelTrainer}: padded, masked batches; AdamW; the KD loss; checkpoints; early stopping on dev UA).
 * Inputs are the frames [frames, inputDim] flattened frame by frame (the fbank table's "frames" column); the model
 * standardises them with the training frames' per-bin mean and standard deviation, which its file keeps. Steps run on
 * {@link TrainingOptions#engine()} ({@link TdnnClassifier#setTrainingEngine}: auto is the fused CPU path on the CPU
 * backend, the SameDiff graph otherwise).
 *
 * @param inputDim values per frame (ser.features.fbank.num-mel-bins)
 */
public record TdnnKind(int inputDim, TdnnOptions options) implements ModelKind {
    /** Floor of the per-bin standard deviation (log-mel units), so a constant bin does not blow up. */
    private static final double STD_FLOOR = 1e-3;

    public TdnnKind {
        if (inputDim < 1) {
            throw new IllegalArgumentException("inputDim must be >= 1, got " + inputDim);
        }
        java.util.Objects.requireNonNull(options, "options");
    }

    @Override
    public TrainedModel<TdnnClassifier> train(List<TrainingExample> train, List<TrainingExample> dev,
                                              TrainingOptions opts, CheckpointStore checkpoints,
                                              Consumer<EpochRecord> progress) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        List<FrameExample> trainFrames = Wav2Vec2FineTuneKind.frameExamples(train, inputDim);
        GlobalStats stats = GlobalStats.empty(inputDim);
        for (FrameExample e : trainFrames) {
            stats = stats.plus(new FeatureMatrix(e.numFrames(), inputDim, e.values()));
        }
        double[] mean = stats.mean();
        double[] variance = stats.variance();
        float[] m = new float[inputDim];
        float[] s = new float[inputDim];
        for (int j = 0; j < inputDim; j++) {
            m[j] = (float) mean[j];
            s[j] = (float) Math.max(Math.sqrt(variance[j]), STD_FLOOR);
        }
        TdnnClassifier model = TdnnClassifier.initialise(options.spec(inputDim), m, s, options.specAugment(), opts.seed());
        model.setTrainingEngine(opts.engine());
        return FrameModelTrainer.train(model, trainFrames, Wav2Vec2FineTuneKind.frameExamples(dev, inputDim), opts,
                checkpoints, progress);
    }

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        TdnnClassifier model = TdnnClassifier.fromSafeTensors(safetensors, source);
        return Wav2Vec2FineTuneKind.scorer(model, model.spec().inputDim(), source);
    }
}
