package io.serdistill.model.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class Wav2Vec2HeadTest {

    private static final float[][] MASK = {{1, 1, 0}, {1, 0, 0}};

    /** [2 utterances, 1 layer, 3 frames, 2 dims]; padding frames hold 100s that must never count. */
    private static INDArray handHidden() {
        return Nd4j.create(new float[] {
                1, 2, 3, 6, 100, 100,
                -4, 8, 100, 100, 100, 100}, new long[] {2, 1, 3, 2}, 'c');
    }

    @Test
    void maskedMeanAveragesRealFramesOnly() {
        Wav2Vec2Head head = Wav2Vec2Head.initialise(new HeadSpec(2, 1, false, HeadSpec.Pooling.MEAN, false, 0, 4, 3), 1);
        INDArray pooled = head.pooled(handHidden(), Nd4j.createFromArray(MASK));
        assertArrayEquals(new float[] {2, 4}, pooled.getRow(0).toFloatVector(), 1e-6f);
        assertArrayEquals(new float[] {-4, 8}, pooled.getRow(1).toFloatVector(), 1e-6f);
    }

    @Test
    void attentiveStatsHasMeanAndStdOfRealFramesAndIgnoresPadding() {
        Wav2Vec2Head head = Wav2Vec2Head.initialise(new HeadSpec(2, 1, false, HeadSpec.Pooling.ATTENTIVE_STATS, false, 5, 4, 3), 7);
        INDArray hidden = handHidden();
        INDArray pooled = head.pooled(hidden, Nd4j.createFromArray(MASK));
        assertArrayEquals(new long[] {2, 4}, pooled.shape());
        // One real frame: attention weight 1 on it, std ~ sqrt(1e-6).
        assertArrayEquals(new float[] {-4, 8, 0.001f, 0.001f}, pooled.getRow(1).toFloatVector(), 1e-4f);
        // Two real frames (1,2) and (3,6): a convex combination, so each mean lies between them.
        float[] first = pooled.getRow(0).toFloatVector();
        assertTrue(first[0] > 1 && first[0] < 3 && first[1] > 2 && first[1] < 6, java.util.Arrays.toString(first));
        // Changing the padding changes nothing.
        hidden.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.point(2), NDArrayIndex.all()).assign(-7);
        hidden.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.interval(1, 3), NDArrayIndex.all()).assign(3);
        assertEquals(0, head.pooled(hidden, Nd4j.createFromArray(MASK)).sub(pooled).amaxNumber().doubleValue(), 1e-6);
    }

    @Test
    void prePooledLayerMeansGiveTheSameLogitsAsFrameLevelMeanPooling() throws IOException {
        Wav2Vec2Model model = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir("stable"));
        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        Wav2Vec2Output out = model.forward(List.of(wave, java.util.Arrays.copyOf(wave, 5600)));
        int layers = out.hiddenStates().size();
        int h = model.config().hiddenSize();
        INDArray frameLevel = Nd4j.stack(1, out.hiddenStates().toArray(new INDArray[0])); // [B, L, T, H]
        INDArray means = Nd4j.create(new float[][][] {out.layerMeans(0), out.layerMeans(1)}); // [B, L, H]

        Wav2Vec2Head framesHead = Wav2Vec2Head.initialise(new HeadSpec(h, layers, true, HeadSpec.Pooling.MEAN, false, 0, 16, 4), 9);
        Wav2Vec2Head pooledHead = Wav2Vec2Head.initialise(new HeadSpec(h, layers, true, HeadSpec.Pooling.MEAN, true, 0, 16, 4), 9);
        INDArray a = framesHead.logits(frameLevel, Nd4j.createFromArray(out.frameMask()));
        INDArray b = pooledHead.logits(means, null);
        assertArrayEquals(b.toFloatMatrix()[0], a.toFloatMatrix()[0], 1e-5f);
        assertArrayEquals(b.toFloatMatrix()[1], a.toFloatMatrix()[1], 1e-5f);
    }
}
