package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.distill.TeacherWeighting;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.wav2vec2.FrameHeadClassifier;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2Head;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Heads over stored frozen hidden-state frames (store = frames), on synthetic frames of the fixture's width
 * (hidden 32): each class shifts the frames' mean along its own direction, lengths 3 to 30 frames.
 */
class Wav2Vec2FrameHeadKindTest {
    private static final int H = 32;

    private static String fixture() {
        try {
            return Path.of(Wav2Vec2FrameHeadKindTest.class.getResource("/fixtures/wav2vec2/base/config.json").toURI())
                    .getParent().toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<FrameExample> utterances(int perClass, long seed) {
        Random r = new Random(seed);
        List<FrameExample> out = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < perClass; i++) {
                int n = 3 + r.nextInt(28);
                float[] x = new float[n * H];
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < H; j++) {
                        x[t * H + j] = (float) (r.nextGaussian() + (j % 4 == c ? 1.0 : 0.0));
                    }
                }
                float[][] teachers = new float[2][4];
                teachers[0][c] = 3f;
                teachers[1][(c + i) % 4] = 1f;
                out.add(new FrameExample("u" + seed + "_" + c + "_" + i, i % 2 == 0 ? "en" : "fi", "s", c,
                        Nd4j.create(x, new long[] {n, H}, 'c'), teachers));
            }
        }
        return out;
    }

    private static TrainingOptions options(int epochs, double alpha) {
        return options(epochs, alpha, false);
    }

    private static TrainingOptions options(int epochs, double alpha, boolean classWeighted) {
        return new TrainingOptions(new Optimisation(epochs, 4, 1e-2, 1e-4, 0, LearningRateSchedule.Shape.LINEAR, 0.1, 5.0, classWeighted),
                new Objective(alpha, 2.0, alpha < 1 ? TeacherWeighting.named("language", 0.8) : null, alpha < 1 ? List.of("en", "fi") : List.of()), 5);
    }

    private static HeadSpec spec(HeadSpec.Pooling pooling) {
        return new HeadSpec(H, 1, false, pooling, false, 8, 16, 4);
    }

    @Test
    void attentiveHeadLearnsWithDistillationAndRoundTripsWithIdenticalLogits() throws Exception {
        List<FrameExample> train = utterances(9, 1); // 36 utterances: batches of 4
        train = train.subList(0, 33); // and a last batch of one
        List<FrameExample> dev = utterances(4, 2);
        FrameHeadClassifier model = FrameHeadClassifier.initialise(spec(HeadSpec.Pooling.ATTENTIVE_STATS), 3);
        INDArray attention0 = model.parameters().get("att_w").dup();
        long start = System.nanoTime();
        TrainedModel<FrameHeadClassifier> r = FrameModelTrainer.train(model, train, dev, options(8, 0.5), CheckpointStore.NONE,
                e -> {});
        System.out.printf("frame head (attentive statistics, H 32): %.1f ms per epoch of 33 utterances%n",
                (System.nanoTime() - start) / 1e6 / 8);
        List<EpochRecord> h = r.history();
        assertEquals(8, h.size());
        assertTrue(h.get(7).trainLoss() < 0.7 * h.get(0).trainLoss(), "loss falls: " + h);
        assertTrue(h.get(r.bestEpoch() - 1).devUa() > 0.5, "dev UA above chance: " + h);
        assertTrue(model.parameters().get("att_w").sub(attention0).amaxNumber().doubleValue() > 1e-4,
                "the attention trains");

        List<INDArray> frames = dev.stream().map(FrameExample::frames).toList();
        byte[] bytes = model.toSafeTensors(Map.of("ser.model", "t"));
        FrameHeadClassifier again = FrameHeadClassifier.fromSafeTensors(bytes, "t.safetensors");
        assertEquals(model.spec(), again.spec());
        float[][] expected = model.logits(frames);
        float[][] got = again.logits(frames);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], got[i], 0f, "utterance " + i);
        }
        assertEquals("t", SafeTensors.parse(bytes, "t").metadata().get("ser.model"));
        // the kind scores flattened frames the same way
        ModelKind.Scorer scorer = new Wav2Vec2FrameHeadKind(fixture(), HeadSpec.Pooling.ATTENTIVE_STATS, 8, 16)
                .load(bytes, "t.safetensors");
        float[][] scored = scorer.logits(frames.stream().map(f -> f.dup('c').data().asFloat()).toList());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], scored[i], 0f, "utterance " + i);
        }
    }

    @Test
    void trainsWithClassWeightedCrossEntropyOnAnImbalancedSet() {
        List<FrameExample> train = new ArrayList<>(utterances(2, 11)); // 2 per class
        train.addAll(utterances(6, 12).subList(0, 6)); // and 6 more of class 0: counts 8, 2, 2, 2 of 14
        float[] weights = TrainingLoop.inverseFrequency(train);
        assertArrayEquals(new float[] {14f / 32, 14f / 8, 14f / 8, 14f / 8}, weights, 1e-6f);

        // the step's loss is the class-weighted reference on the model's logits
        FrameHeadClassifier probe = FrameHeadClassifier.initialise(spec(HeadSpec.Pooling.MEAN), 3);
        probe.prepareTraining(0.5, 2.0);
        List<FrameExample> batch = List.of(train.get(0), train.get(2), train.get(9), train.get(12));
        List<INDArray> frames = batch.stream().map(FrameExample::frames).toList();
        int[] labels = TrainingLoop.labels(batch);
        List<float[]> targets = List.of(new float[] {.7f, .1f, .1f, .1f}, new float[] {.1f, .7f, .1f, .1f},
                new float[] {.25f, .25f, .25f, .25f}, new float[] {.4f, .3f, .2f, .1f});
        double expected = io.serdistill.distill.KdLoss.batchLoss(probe.logits(frames), labels, targets, weights, 0.5, 2.0);
        assertEquals(expected, probe.step(frames, labels, targets, weights).loss(), 1e-5);
        assertTrue(Math.abs(expected - probe.step(frames, labels, targets, null).loss()) > 1e-3,
                "the weights change the loss");

        // trained in the loop: the weights reach the gradients, and the model learns
        FrameHeadClassifier weighted = FrameHeadClassifier.initialise(spec(HeadSpec.Pooling.MEAN), 4);
        FrameHeadClassifier plain = FrameHeadClassifier.initialise(spec(HeadSpec.Pooling.MEAN), 4);
        TrainedModel<FrameHeadClassifier> w = FrameModelTrainer.train(weighted, train, List.of(), options(6, 1.0, true),
                CheckpointStore.NONE, e -> {});
        FrameModelTrainer.train(plain, train, List.of(), options(6, 1.0, false), CheckpointStore.NONE, e -> {});
        assertEquals(6, w.history().size());
        assertTrue(w.history().get(5).trainLoss() < w.history().get(0).trainLoss(), "loss falls: " + w.history());
        assertTrue(weighted.parameters().get("cls_w").sub(plain.parameters().get("cls_w")).amaxNumber().doubleValue()
                > 1e-4, "class weighting changes what is trained");
    }

    @Test
    void paddingFramesNeverChangeAnUtterancesPooledVectorOrLogits() {
        for (HeadSpec.Pooling pooling : HeadSpec.Pooling.values()) {
            Wav2Vec2Head head = Wav2Vec2Head.initialise(spec(pooling), 4);
            INDArray real = Nd4j.randn(5, H).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
            INDArray alone = real.reshape(1, 1, 5, H);
            INDArray padded = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1, 12, H).muli(1000); // garbage
            padded.get(NDArrayIndex.point(0), NDArrayIndex.point(0), NDArrayIndex.interval(0, 5), NDArrayIndex.all())
                    .assign(real);
            INDArray mask = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 12);
            mask.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 5)).assign(1);
            INDArray fullMask = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 5);
            assertArrayEquals(head.pooled(alone, fullMask).toFloatVector(), head.pooled(padded, mask).toFloatVector(),
                    1e-4f, pooling + " pooled");
            assertArrayEquals(head.logits(alone, fullMask).toFloatVector(), head.logits(padded, mask).toFloatVector(),
                    1e-4f, pooling + " logits");
        }
        // and through the classifier: an utterance scores the same alone and next to a longer one
        FrameHeadClassifier model = FrameHeadClassifier.initialise(spec(HeadSpec.Pooling.ATTENTIVE_STATS), 5);
        List<FrameExample> u = utterances(1, 9);
        float[][] together = model.logits(u.stream().map(FrameExample::frames).toList());
        for (int i = 0; i < u.size(); i++) {
            assertArrayEquals(model.logits(List.of(u.get(i).frames()))[0], together[i], 1e-5f, "utterance " + i);
        }
    }

    @Test
    void kindTrainsFromFlattenedFramesAndItsFileLoadsBack() throws Exception {
        ModelKind kind = new Wav2Vec2FrameHeadKind(fixture(), HeadSpec.Pooling.MEAN, 8, 16);
        List<TrainingExample> train = new ArrayList<>();
        for (FrameExample e : utterances(3, 7)) {
            train.add(new TrainingExample(e.uttId(), e.language(), e.speaker(), e.label(),
                    e.frames().dup('c').data().asFloat(), null));
        }
        TrainedModel<?> t = kind.train(train, train.subList(0, 4), options(2, 1.0), CheckpointStore.NONE, e -> {});
        assertEquals(2, t.history().size());
        byte[] bytes = t.model().toSafeTensors(Map.of());
        float[][] logits = kind.load(bytes, "m").logits(List.of(train.get(0).input()));
        assertEquals(4, logits[0].length);
        // An input that is not whole frames (features from another mode or model) is named in the error.
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> kind.load(bytes, "m").logits(List.of("ok_utt", "utt_42"),
                        List.of(train.get(0).input(), new float[7])));
        assertTrue(bad.getMessage().contains("m: utterance utt_42: 7 values"), bad.getMessage());
    }
}
