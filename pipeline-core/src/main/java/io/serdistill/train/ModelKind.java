package io.serdistill.train;

import io.serdistill.config.SerConfig;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What teachers and students are, chosen once from the config: the one place that knows whether a training task
 * fits an {@link io.serdistill.model.EmotionClassifier} on pooled vectors ({@link PooledClassifierKind}),
 * fine-tunes wav2vec2 on CNN frames ({@link Wav2Vec2FineTuneKind}) or trains a pooling head on frozen hidden-state
 * frames ({@link Wav2Vec2FrameHeadKind}), and how a saved model file scores utterances. All read
 * {@link TrainingExample#input()}: a pooled vector, or frames flattened frame by frame.
 * Instances are small serialisable values a Spark task receives; the models they make are per thread.
 */
public interface ModelKind extends Serializable {

    /** The kind {@code cfg} asks for. */
    static ModelKind of(SerConfig cfg) {
        SerConfig.Features f = cfg.features();
        SerConfig.Wav2Vec2 w = f.wav2vec2();
        if (f.finetunesWav2Vec2()) {
            return new Wav2Vec2FineTuneKind(w.modelDir(), w.layerWeights(), w.projectorDim(), w.headPooling(),
                    w.attentionDim());
        }
        if (f.storesWav2Vec2Frames()) {
            return new Wav2Vec2FrameHeadKind(w.modelDir(), w.headPooling(), w.attentionDim(), w.projectorDim());
        }
        return new PooledClassifierKind();
    }

    /** A trained model: its history, the epoch whose weights it holds (1-based), and how to write its file. */
    record Trained(List<EpochRecord> history, int bestEpoch, ModelFile file) {}

    /** Writes a trained model as one self-contained safetensors file with {@code provenance} in its metadata. */
    @FunctionalInterface
    interface ModelFile {
        byte[] toSafeTensors(Map<String, String> provenance);
    }

    /** A loaded model: logits [n][classes] for n inputs. Not thread-safe. */
    @FunctionalInterface
    interface Scorer {
        /** {@code ids} (utterance ids, same order) name an input that cannot be scored in the error. */
        float[][] logits(List<String> ids, List<float[]> inputs);

        default float[][] logits(List<float[]> inputs) {
            return logits(java.util.stream.IntStream.range(0, inputs.size()).mapToObj(i -> "input " + i).toList(), inputs);
        }
    }

    /** Trains a fresh model ({@link ClassifierTrainer} or {@link Wav2Vec2FineTuner} semantics). */
    Trained train(List<TrainingExample> train, List<TrainingExample> dev, TrainingOptions options,
                  CheckpointStore checkpoints, Consumer<EpochRecord> progress) throws IOException;

    /** Loads what {@link ModelFile#toSafeTensors} wrote; {@code source} names it in errors. */
    Scorer load(byte[] safetensors, String source) throws IOException;

    /**
     * Whether model files are small enough to load on the driver and broadcast to every task (MLP heads: KB to MB);
     * otherwise each task reads them from the run's FileSystem (a fine-tuned wav2vec2-base is ~380 MB).
     */
    boolean broadcastsModels();
}
