package io.serdistill.model.wav2vec2;

import io.serdistill.model.KlReduction;
import io.serdistill.model.Classifier;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link Wav2Vec2Head} over stored frozen hidden-state frames (one hidden state, or their frame-by-frame average):
 * each utterance is [frames, H]; batches go to the head as [B, 1, T, H] with a [B, T] mask, so pooling (mean or
 * attentive statistics) only sees real frames. The encoder never runs here: only the head trains.
 */
public final class FrameHeadClassifier implements Classifier<INDArray> {
    /** Utterances per forward pass when scoring. */
    private static final int SCORING_BATCH = 32;

    private final Wav2Vec2Head head;

    private FrameHeadClassifier(Wav2Vec2Head head) {
        HeadSpec spec = head.spec();
        if (spec.prePooled() || spec.numLayers() != 1) {
            throw new IllegalArgumentException("a frame head takes one hidden state frame by frame, not " + spec);
        }
        this.head = head;
    }

    /** A fresh head drawn from {@code seed}; {@code spec} must be frame-level with one layer. */
    public static FrameHeadClassifier initialise(HeadSpec spec, long seed) {
        return new FrameHeadClassifier(Wav2Vec2Head.initialise(spec, seed));
    }

    /** Loads what {@link #toSafeTensors} wrote ({@link Wav2Vec2Head#fromSafeTensors}); {@code source} names it in errors. */
    public static FrameHeadClassifier fromSafeTensors(byte[] bytes, String source) throws IOException {
        return new FrameHeadClassifier(Wav2Vec2Head.fromSafeTensors(bytes, source));
    }

    public HeadSpec spec() {
        return head.spec();
    }

    @Override
    public void prepareTraining(double alpha, double temperature) {
        head.prepareTraining(alpha, temperature);
    }

    @Override
    public void prepareTraining(double alpha, double temperature, KlReduction klReduction, double labelSmoothing) {
        head.prepareTraining(alpha, temperature, klReduction, labelSmoothing);
    }

    @Override
    public float[][] logits(List<INDArray> frames) {
        float[][] out = new float[frames.size()][];
        for (int from = 0; from < frames.size(); from += SCORING_BATCH) {
            Wav2Vec2FineTuneModel.Batch b = batch(frames.subList(from, Math.min(frames.size(), from + SCORING_BATCH)));
            float[][] z = head.logits(b.features(), b.mask()).toFloatMatrix();
            System.arraycopy(z, 0, out, from, z.length);
        }
        return out;
    }

    /** The pooled vectors fed to the projector, [n, H] (mean) or [n, 2H] (attentive statistics), for one padded batch. */
    public INDArray pooled(List<INDArray> frames) {
        Wav2Vec2FineTuneModel.Batch b = batch(frames);
        return head.pooled(b.features(), b.mask());
    }

    @Override
    public Step step(List<INDArray> frames, int[] labels, List<float[]> targets, float[] classWeights) {
        if (labels.length == 1) {
            // M2.1's backward pass fails on a batch of one (see Wav2Vec2FineTuneModel#step): the utterance twice
            // has the same loss and the same gradients.
            return step(List.of(frames.get(0), frames.get(0)), new int[] {labels[0], labels[0]},
                    targets == null ? null : List.of(targets.get(0), targets.get(0)), classWeights);
        }
        Wav2Vec2FineTuneModel.Batch b = batch(frames);
        return head.step(b.features(), b.mask(), labels, targets, classWeights);
    }

    @Override
    public Map<String, INDArray> parameters() {
        return head.parameters();
    }

    @Override
    public byte[] toSafeTensors(Map<String, String> provenance) {
        return head.toSafeTensors(provenance);
    }

    /** [B, 1, T, H] (the head's single-layer axis) and the mask [B, T]. */
    private Wav2Vec2FineTuneModel.Batch batch(List<INDArray> frames) {
        Wav2Vec2FineTuneModel.Batch b = Wav2Vec2FineTuneModel.pad(frames, head.spec().hiddenSize(), DataType.FLOAT);
        return new Wav2Vec2FineTuneModel.Batch(Nd4j.expandDims(b.features(), 1), b.mask());
    }
}
