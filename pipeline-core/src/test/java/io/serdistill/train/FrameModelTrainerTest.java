package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.distill.TeacherWeighting;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.TrainingEngine;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import io.serdistill.model.wav2vec2.Wav2Vec2Model;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Frozen-CNN fine-tuning of the tiny "base" fixture model (hidden 32, 2 layers) on synthetic tones. */
class FrameModelTrainerTest {
    @TempDir
    Path tmp;

    private static Path fixture() {
        try {
            return Path.of(FrameModelTrainerTest.class.getResource("/fixtures/wav2vec2/base/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Class 0: a 220 Hz tone; class 3: a 2.5 kHz tone; noisy, 0.2 to 0.5 s long. Teachers' logits favour the label. */
    private static List<FrameExample> tones(Wav2Vec2Model frozen, int perClass, long seed) {
        Random r = new Random(seed);
        List<FrameExample> out = new ArrayList<>();
        for (int c : new int[] {0, 3}) {
            for (int i = 0; i < perClass; i++) {
                float[] wave = new float[3200 + r.nextInt(4800)];
                double f = (c == 0 ? 220 : 2500) * (0.9 + 0.2 * r.nextDouble());
                for (int n = 0; n < wave.length; n++) {
                    wave[n] = (float) (0.5 * Math.sin(2 * Math.PI * f * n / 16000) + 0.05 * r.nextGaussian());
                }
                INDArray frames = frozen.featureEncoder(List.of(Wav2Vec2Model.normalizeWaveform(wave))).get(0);
                float[][] teachers = new float[2][4];
                teachers[0][c] = 3f;
                teachers[1][(c + i) % 4] = 1f;
                out.add(new FrameExample("u" + seed + "_" + c + "_" + i, i % 2 == 0 ? "en" : "fi", "s", c, frames, teachers));
            }
        }
        return out;
    }

    private static TrainingOptions options(int epochs, double alpha) {
        return new TrainingOptions(new Optimisation(epochs, 4, 3e-3, 1e-4, 0, LearningRateSchedule.Shape.LINEAR, 0.1, 5.0, false),
                new Objective(alpha, 2.0, alpha < 1 ? TeacherWeighting.named("language", 0.8) : null, alpha < 1 ? List.of("en", "fi") : List.of()), 5);
    }

    @Test
    void fineTuningLowersTheLossChangesTheEncoderKeepsTheCnnAndRoundTrips() throws IOException {
        Wav2Vec2Model frozen = Wav2Vec2Model.load(fixture());
        List<FrameExample> train = tones(frozen, 8, 1);
        List<FrameExample> dev = tones(frozen, 4, 2);
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(fixture(),
                Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), true, 16, 4), 7);
        INDArray q0 = model.parameters().get("encoder.layers.0.attention.q_proj.weight").dup();
        INDArray g0 = model.parameters().get("encoder.pos_conv_embed.conv.weight_g").dup();

        long start = System.nanoTime();
        TrainedModel<Wav2Vec2FineTuneModel> trained = FrameModelTrainer.train(model, train, dev, options(6, 1.0), CheckpointStore.NONE, e -> {});
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("fixture model: %.1f ms per training step (batch 4, <= 24 frames, with dev scoring)%n",
                1000 * seconds / (6 * 4));

        List<EpochRecord> h = trained.history();
        assertEquals(6, h.size());
        assertTrue(h.get(5).trainLoss() < 0.8 * h.get(0).trainLoss(), "training loss " + h.get(0).trainLoss() + " -> " + h.get(5).trainLoss());
        // dev UA on 8 utterances through a random tiny CNN is too coarse to assert on; dev loss is not
        assertTrue(h.get(5).devLoss() < h.get(0).devLoss(), "dev loss " + h.get(0).devLoss() + " -> " + h.get(5).devLoss());
        double bestUa = h.stream().mapToDouble(EpochRecord::devUa).max().orElseThrow();
        assertEquals(bestUa, h.get(trained.bestEpoch() - 1).devUa(), 1e-12, "keeps the best dev-UA epoch");
        Map<String, INDArray> p = trained.model().parameters();
        assertTrue(p.get("encoder.layers.0.attention.q_proj.weight").sub(q0).amaxNumber().doubleValue() > 1e-4, "transformer trained");
        assertTrue(p.get("encoder.pos_conv_embed.conv.weight_g").sub(g0).amaxNumber().doubleValue() > 1e-5, "positional conv trained");

        // saved: the CNN tensors are the checkpoint's, untouched; the file round-trips to identical logits
        byte[] bytes = trained.model().toSafeTensors(Map.of("run", "test"));
        SafeTensors original = SafeTensors.parse(Files.readAllBytes(fixture().resolve("model.safetensors")), "fixture");
        SafeTensors saved = SafeTensors.parse(bytes, "saved");
        int cnnTensors = 0;
        for (Map.Entry<String, SafeTensors.Tensor> e : original.tensors().entrySet()) {
            if (e.getKey().startsWith("feature_extractor.")) {
                assertArrayEquals(e.getValue().values(), saved.require(e.getKey()).values(), e.getKey());
                cnnTensors++;
            }
        }
        assertTrue(cnnTensors >= 7, "CNN tensors compared: " + cnnTensors);
        assertEquals("test", saved.metadata().get("run"));
        List<INDArray> frames = dev.stream().map(FrameExample::frames).toList();
        float[][] before = trained.model().logits(frames);
        float[][] after = Wav2Vec2FineTuneModel.fromSafeTensors(bytes, "saved").logits(frames);
        for (int i = 0; i < before.length; i++) {
            assertArrayEquals(before[i], after[i], 0f, "utterance " + i);
        }

        // as a Hugging Face directory, the frozen-encoder loader runs the fine-tuned encoder: same hidden states
        trained.model().saveDirectory(tmp.resolve("ft"), Map.of());
        Wav2Vec2Model reloaded = Wav2Vec2Model.load(tmp.resolve("ft"));
        float[] wave = new float[6400];
        for (int n = 0; n < wave.length; n++) {
            wave[n] = (float) Math.sin(2 * Math.PI * 440 * n / 16000);
        }
        wave = Wav2Vec2Model.normalizeWaveform(wave);
        INDArray expected = trained.model().hiddenStates(trained.model().batch(frozen.featureEncoder(List.of(wave)))).get(2).slice(0);
        INDArray actual = reloaded.forward(List.of(wave)).hiddenStates().get(2).slice(0);
        double rel = actual.sub(expected).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
        assertTrue(rel < 1e-4, "reloaded encoder differs: relative error " + rel);
        INDArray untrained = frozen.forward(List.of(wave)).hiddenStates().get(2).slice(0);
        assertTrue(untrained.sub(expected).amaxNumber().doubleValue() > 1e-3, "the reloaded encoder is the fine-tuned one");
    }

    @Test
    void distillationFromTeacherLogitsTrains() throws IOException {
        Wav2Vec2Model frozen = Wav2Vec2Model.load(fixture());
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(fixture(),
                Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), false, 16, 4), 8);
        TrainedModel<Wav2Vec2FineTuneModel> t = FrameModelTrainer.train(model, tones(frozen, 6, 3), tones(frozen, 2, 4), options(4, 0.5),
                CheckpointStore.NONE, e -> {});
        assertTrue(t.history().get(3).trainLoss() < t.history().get(0).trainLoss());
        assertTrue(Double.isFinite(t.history().get(0).devLoss()));
    }

    @Test
    void fineTuningWithAnAttentiveStatisticsHeadTrainsAndRoundTrips() throws IOException {
        Wav2Vec2Model frozen = Wav2Vec2Model.load(fixture());
        HeadSpec head = Wav2Vec2FineTuneModel.head(frozen.config(), true, HeadSpec.Pooling.ATTENTIVE_STATS, 8, 16, 4);
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(fixture(), head, 10);
        INDArray att0 = model.parameters().get("att_w").dup();
        List<FrameExample> dev = tones(frozen, 2, 7);
        TrainedModel<Wav2Vec2FineTuneModel> t = FrameModelTrainer.train(model, tones(frozen, 4, 6), dev, options(4, 1.0),
                CheckpointStore.NONE, e -> {});
        assertTrue(t.history().get(3).trainLoss() < t.history().get(0).trainLoss(), t.history().toString());
        assertTrue(t.model().parameters().get("att_w").sub(att0).amaxNumber().doubleValue() > 1e-5, "attention trained");
        List<INDArray> frames = dev.stream().map(FrameExample::frames).toList();
        float[][] before = t.model().logits(frames);
        Wav2Vec2FineTuneModel again = Wav2Vec2FineTuneModel.fromSafeTensors(t.model().toSafeTensors(Map.of()), "saved");
        assertEquals(head, again.headSpec());
        float[][] after = again.logits(frames);
        for (int i = 0; i < before.length; i++) {
            assertArrayEquals(before[i], after[i], 0f, "utterance " + i);
        }
    }

    @Test
    void theFusedEngineTrainsAsTheGraphDoes() throws IOException {
        Wav2Vec2Model frozen = Wav2Vec2Model.load(fixture());
        List<FrameExample> train = tones(frozen, 5, 11);
        List<FrameExample> dev = tones(frozen, 2, 12);
        List<List<EpochRecord>> histories = new ArrayList<>();
        List<float[][]> devLogits = new ArrayList<>();
        for (TrainingEngine engine : new TrainingEngine[] {TrainingEngine.SAMEDIFF, TrainingEngine.FUSED}) {
            Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(fixture(),
                    Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), true, 16, 4), 21);
            model.setTrainingEngine(engine);
            assertEquals(engine, model.trainingEngine());
            TrainedModel<Wav2Vec2FineTuneModel> t = FrameModelTrainer.train(model, train, dev,
                    options(3, 0.5).withRegularisation(new Regularisation(0, 0, 0, 0.1, 0)), CheckpointStore.NONE, e -> {});
            histories.add(t.history());
            devLogits.add(t.model().logits(dev.stream().map(FrameExample::frames).toList()));
        }
        for (int e = 0; e < 3; e++) {
            EpochRecord graph = histories.get(0).get(e);
            EpochRecord fused = histories.get(1).get(e);
            assertEquals(graph.trainLoss(), fused.trainLoss(), 1e-3 * graph.trainLoss(), "epoch " + (e + 1) + " train loss");
            assertEquals(graph.devLoss(), fused.devLoss(), 1e-3 * graph.devLoss(), "epoch " + (e + 1) + " dev loss");
        }
        for (int i = 0; i < devLogits.get(0).length; i++) {
            assertArrayEquals(devLogits.get(0)[i], devLogits.get(1)[i], 2e-3f, "dev utterance " + i);
        }
    }

    @Test
    void refusesDistillationWithoutTeacherLogits() throws IOException {
        Wav2Vec2Model frozen = Wav2Vec2Model.load(fixture());
        List<FrameExample> train = new ArrayList<>(tones(frozen, 1, 5));
        train.set(0, train.get(0).withTeacherLogits(null));
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(fixture(),
                Wav2Vec2FineTuneModel.meanPoolingHead(frozen.config(), true, 16, 4), 9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FrameModelTrainer.train(model, train, List.of(), options(1, 0.5), CheckpointStore.NONE, r -> {}));
        assertTrue(e.getMessage().contains(train.get(0).uttId()), e.getMessage());
    }
}
