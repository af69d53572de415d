package io.serdistill.representation;

import io.serdistill.features.FbankFeatures;
import io.serdistill.features.FbankOptions;
import io.serdistill.features.Normalization;
import io.serdistill.features.PoolingStat;
import io.serdistill.features.UtteranceFeatures;
import io.serdistill.features.Wav2Vec2CnnFrames;
import io.serdistill.features.Wav2Vec2Features;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import io.serdistill.train.ModelKind;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.Wav2Vec2FineTuneKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the pipeline feeds its models, as one value: each record answers every question a stage asks about it — how
 * extract turns a clip into a stored row ({@link #extractor()}), which features table that row goes to
 * ({@link #table()}), which column of it models read ({@link #inputColumn()}), and what the models are
 * ({@link #modelKind(List)}). Adding a variant means adding one record here. Values are small and serialisable: extract
 * tasks receive one and build their extractor from it.
 */
public sealed interface Representation extends Serializable {

    /** Features column holding one pooled vector per utterance. */
    String POOLED = "pooled";
    /** Features column holding the stored matrix (frames, or stacked per-layer vectors) of each utterance. */
    String FRAMES = "frames";

    /** The directory under features/ this representation's rows go to; variants with the same rows share one. */
    String table();

    /** The features column models take: {@link #POOLED} or {@link #FRAMES}. */
    String inputColumn();

    /** A fresh extractor for one task (it holds per-task state; a wav2vec2 encoder is loaded once per JVM). */
    UtteranceFeatures extractor();

    /**
     * What a model family (teachers, or students) is for this input; {@code mlpHidden} are the hidden widths of the
     * MLP that pooled representations train (frame models take their shape from their {@link FrameHead}).
     */
    ModelKind modelKind(List<Integer> mlpHidden);

    /** "fbank" or "wav2vec2": the front end, for logs and run records. */
    default String frontEnd() {
        return "wav2vec2";
    }

    /** How stored frames are normalised (fbank only; every other variant stores what its extractor computes). */
    default Normalization normalization() {
        return Normalization.NONE;
    }

    /** Whether models read variable-length frame sequences (rather than one fixed-size vector per utterance). */
    default boolean readsFrameSequences() {
        return false;
    }

    /** How many stacked vectors one model input holds (1 unless learned layer weights combine hidden states). */
    default int inputLayers() {
        return 1;
    }

    /** A local Hugging Face wav2vec2 directory (config.json + model.safetensors) and the waveform normalisation. */
    record Wav2Vec2Source(String modelDir, boolean normalizeWaveform) implements Serializable {
        public Wav2Vec2Source {
            Objects.requireNonNull(modelDir, "modelDir");
            if (modelDir.isBlank()) {
                throw new IllegalArgumentException("modelDir must name a wav2vec2 model directory");
            }
        }

        /** The checkpoint's config.json; an unreadable one fails naming the directory. */
        public Wav2Vec2Config config() {
            try {
                return Wav2Vec2Config.load(Path.of(modelDir).resolve("config.json"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the wav2vec2 config.json in " + modelDir + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** The utterance head over frames: pooling (mean or attentive statistics), its bottleneck and the projector. */
    record FrameHead(HeadSpec.Pooling pooling, int attentionDim, int projectorDim) implements Serializable {
        public FrameHead {
            Objects.requireNonNull(pooling, "pooling");
            if (attentionDim <= 0 || projectorDim <= 0) {
                throw new IllegalArgumentException("attentionDim and projectorDim must be > 0, got " + attentionDim
                        + ", " + projectorDim);
            }
        }
    }

    /**
     * Kaldi log-mel frames, stored (optionally normalised) with their pooled per-bin statistics ({@code pooling}, in
     * order); MLPs on the pooled vector.
     */
    record Fbank(FbankOptions options, Normalization normalization, boolean normalizeVariance,
                 List<PoolingStat> pooling) implements Representation {
        public Fbank {
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(normalization, "normalization");
            pooling = List.copyOf(pooling);
            if (pooling.isEmpty() || pooling.stream().distinct().count() != pooling.size()) {
                throw new IllegalArgumentException("pooling must list each statistic at most once and at least one,"
                        + " got " + pooling);
            }
        }

        /** Mean and standard deviation of every bin. */
        public Fbank(FbankOptions options, Normalization normalization, boolean normalizeVariance) {
            this(options, normalization, normalizeVariance, List.of(PoolingStat.MEAN, PoolingStat.STD));
        }

        @Override
        public String table() {
            return "fbank";
        }

        @Override
        public String inputColumn() {
            return POOLED;
        }

        @Override
        public UtteranceFeatures extractor() {
            return new FbankFeatures(options, pooling);
        }

        @Override
        public ModelKind modelKind(List<Integer> mlpHidden) {
            return new PooledClassifierKind(mlpHidden, inputLayers());
        }

        @Override
        public String frontEnd() {
            return "fbank";
        }
    }

    /**
     * Frozen wav2vec2: every hidden state's time-mean is stored; MLPs read the mean of hidden state {@code layer}
     * (-1: the average over all of them).
     */
    record LayerMeans(Wav2Vec2Source source, int layer) implements Representation {
        public LayerMeans {
            Objects.requireNonNull(source, "source");
            requireLayer(layer);
        }

        @Override
        public String table() {
            return "wav2vec2";
        }

        @Override
        public String inputColumn() {
            return POOLED;
        }

        @Override
        public UtteranceFeatures extractor() {
            return Wav2Vec2Features.load(source.modelDir(), source.normalizeWaveform(), layer);
        }

        @Override
        public ModelKind modelKind(List<Integer> mlpHidden) {
            return new PooledClassifierKind(mlpHidden, inputLayers());
        }

    }

    /**
     * Frozen wav2vec2, the same stored rows as {@link LayerMeans} (its {@code layer} picks the pooled column), but the
     * MLPs read every hidden state's mean and learn their softmax weighting (SUPERB style).
     */
    record LayerWeights(Wav2Vec2Source source, int layer) implements Representation {
        public LayerWeights {
            Objects.requireNonNull(source, "source");
            requireLayer(layer);
        }

        @Override
        public String table() {
            return "wav2vec2";
        }

        @Override
        public String inputColumn() {
            return FRAMES;
        }

        @Override
        public UtteranceFeatures extractor() {
            return Wav2Vec2Features.load(source.modelDir(), source.normalizeWaveform(), layer);
        }

        @Override
        public ModelKind modelKind(List<Integer> mlpHidden) {
            return new PooledClassifierKind(mlpHidden, inputLayers());
        }


        /** Every hidden state: the transformer layers' outputs and the input to the first. */
        @Override
        public int inputLayers() {
            return source.config().numHiddenLayers() + 1;
        }
    }

    /**
     * Frozen wav2vec2 hidden state {@code layer} (-1: the average of all) stored frame by frame; heads pool the real
     * frames and only the head trains.
     */
    record Frames(Wav2Vec2Source source, int layer, FrameHead head) implements Representation {
        public Frames {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(head, "head");
            requireLayer(layer);
        }

        @Override
        public String table() {
            return "wav2vec2-frames";
        }

        @Override
        public String inputColumn() {
            return FRAMES;
        }

        @Override
        public UtteranceFeatures extractor() {
            return Wav2Vec2Features.loadFrames(source.modelDir(), source.normalizeWaveform(), layer);
        }

        @Override
        public ModelKind modelKind(List<Integer> mlpHidden) {
            return new Wav2Vec2FrameHeadKind(source.modelDir(), head.pooling(), head.attentionDim(), head.projectorDim());
        }


        @Override
        public boolean readsFrameSequences() {
            return true;
        }
    }

    /**
     * The paper's recipe: the frozen CNN's frames are stored once, and every model fine-tunes the transformer with a
     * head over the last hidden state (or a learned weighting of all of them with {@code allLayers}).
     */
    record FineTune(Wav2Vec2Source source, boolean allLayers, FrameHead head) implements Representation {
        public FineTune {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(head, "head");
        }

        @Override
        public String table() {
            return "wav2vec2-cnn";
        }

        @Override
        public String inputColumn() {
            return FRAMES;
        }

        @Override
        public UtteranceFeatures extractor() {
            return Wav2Vec2CnnFrames.load(source.modelDir(), source.normalizeWaveform());
        }

        @Override
        public ModelKind modelKind(List<Integer> mlpHidden) {
            return new Wav2Vec2FineTuneKind(source.modelDir(), allLayers, head.projectorDim(), head.pooling(),
                    head.attentionDim());
        }


        @Override
        public boolean readsFrameSequences() {
            return true;
        }
    }

    private static void requireLayer(int layer) {
        if (layer < -1) {
            throw new IllegalArgumentException("layer must be -1 (average of all) or a hidden-state index, got " + layer);
        }
    }
}
