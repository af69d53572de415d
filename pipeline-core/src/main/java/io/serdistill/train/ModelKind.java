package io.serdistill.train;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.function.Consumer;

/**
 * What teachers and students are, chosen once from the config ({@code io.serdistill.config.SerConfig#modelKind()}):
 * the one place that knows whether a training task fits an {@link io.serdistill.model.MlpClassifier} on pooled
 * vectors ({@link PooledClassifierKind}), fine-tunes wav2vec2 on CNN frames ({@link Wav2Vec2FineTuneKind}) or trains
 * a pooling head on frozen hidden-state frames ({@link Wav2Vec2FrameHeadKind}), trains a TDNN on fbank frames
 * ({@link TdnnKind}, for either family, whatever the other's), and how a saved model file scores
 * utterances. All read
 * {@link TrainingExample#input()}: a pooled vector, or frames flattened frame by frame.
 * Instances are small serialisable values a Spark task receives; the models they make are per thread.
 */
public interface ModelKind extends Serializable {

    /** A loaded model: logits [n][classes] for n inputs. Not thread-safe. */
    @FunctionalInterface
    interface Scorer {
        /** {@code ids} (utterance ids, same order) name an input that cannot be scored in the error. */
        float[][] logits(List<String> ids, List<float[]> inputs);

        default float[][] logits(List<float[]> inputs) {
            return logits(java.util.stream.IntStream.range(0, inputs.size()).mapToObj(i -> "input " + i).toList(), inputs);
        }

        /**
         * With each input's language (same order), which models that take the language as an input read
         * ({@link LanguageInputKind}); the others ignore it. Callers that know the languages call this one.
         */
        default float[][] logits(List<String> ids, List<String> languages, List<float[]> inputs) {
            return logits(ids, inputs);
        }
    }

    /**
     * This kind with the utterance's language as an extra input: a one-hot in {@code languages} order after the
     * features ({@link LanguageInputKind}). Only pooled-vector kinds support it.
     *
     * @throws InvalidOption for a kind whose input cannot take it
     */
    default ModelKind withLanguageInput(List<String> languages) {
        throw new InvalidOption("language-input", "needs pooled-vector models; " + getClass().getSimpleName()
                + " reads frame sequences or fixed inputs");
    }

    /**
     * Trains a fresh model ({@link MlpTrainer} or {@link FrameModelTrainer} semantics); the result writes its file
     * with {@link io.serdistill.model.Classifier#toSafeTensors}.
     */
    TrainedModel<?> train(List<TrainingExample> train, List<TrainingExample> dev, TrainingOptions options,
                  CheckpointStore checkpoints, Consumer<EpochRecord> progress) throws IOException;

    /** Loads what a trained model's {@link io.serdistill.model.Classifier#toSafeTensors} wrote; {@code source} names it in errors. */
    Scorer load(byte[] safetensors, String source) throws IOException;
}
