package io.serdistill.model.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.Classifier;
import io.serdistill.model.KlReduction;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.TrainingEngine;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Fine-tuning gradients of every trainable parameter against PyTorch's autograd on torchaudio's own modules
 * (tools/make_wav2vec2_gradient_fixtures.py: the tiny fixture models, a padded batch of three utterances, the
 * distillation loss with class weights and label smoothing), for each training engine: the SameDiff graph in double
 * and float precision and the fused CPU path ({@link FusedFineTune}); and the engines against each other. An error is
 * max |actual - expected| / scale over a parameter's gradient, the scale being max |expected| or, when that is below
 * {@link #FLOOR} of the largest gradient of the model, that floor: the key projection's bias has a zero gradient in
 * exact arithmetic (a query's softmax ignores a shift common to all its scores), so its reference is rounding noise.
 */
class Wav2Vec2FineTuneGradientParityTest {
    private static final double TOLERANCE = 1e-4;
    private static final int PROJECTOR = 16;
    private static final double FLOOR = 1e-3;

    /** One fixture case: the model directory's variant, the head, the batch and loss, torch's results. */
    private record Case(String variant, HeadSpec head, Map<String, INDArray> headWeights, List<INDArray> frames,
                        int[] labels, List<float[]> targets, float[] classWeights, double alpha, double temperature,
                        KlReduction klReduction, double labelSmoothing, double loss, Map<String, INDArray> gradients) {}

    @ParameterizedTest
    @ValueSource(strings = {"base-all-layers", "stable-last-layer"})
    void everyEngineMatchesTorchGradientsOfEveryParameter(String name) throws IOException {
        Case c = fixture(name);
        for (Engine e : Engine.values()) {
            Wav2Vec2FineTuneModel model = model(c, e);
            Classifier.Step step = model.step(c.frames(), c.labels(), c.targets(), c.classWeights());
            assertEquals(c.loss(), step.loss(), 1e-5 * Math.abs(c.loss()), name + " " + e + " loss");
            assertEquals(c.gradients().keySet(), step.gradients().keySet(), name + " " + e + " gradient names");
            double floor = FLOOR * largest(c.gradients());
            double worst = 0;
            for (Map.Entry<String, INDArray> g : c.gradients().entrySet()) {
                double err = relativeError(g.getValue(), step.gradients().get(g.getKey()), floor);
                assertTrue(err <= TOLERANCE, name + " " + e + " d loss / d " + g.getKey() + ": error " + err);
                worst = Math.max(worst, err);
            }
            System.out.printf("%s %s: loss %.8f (torch %.8f), worst gradient error %.2e over %d parameters%n", name, e,
                    step.loss(), c.loss(), worst, c.gradients().size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "stable"})
    void fusedMatchesTheGraphForEveryHeadAndBatchShape(String variant) throws IOException {
        Wav2Vec2Config config = Wav2Vec2Config.load(Wav2Vec2ParityTest.fixtureDir(variant).resolve("config.json"));
        Random rng = new Random(variant.hashCode());
        for (boolean allLayers : new boolean[] {true, false}) {
            HeadSpec head = Wav2Vec2FineTuneModel.meanPoolingHead(config, allLayers, 8, 4);
            for (int[] lengths : new int[][] {{13}, {9, 20, 4, 20}}) {
                List<INDArray> frames = new ArrayList<>();
                for (int n : lengths) {
                    frames.add(Nd4j.rand(DataType.FLOAT, n, config.featureDim()).subi(0.5).muli(3));
                }
                int[] labels = new int[lengths.length];
                List<float[]> targets = new ArrayList<>();
                for (int i = 0; i < lengths.length; i++) {
                    labels[i] = rng.nextInt(4);
                    targets.add(new float[] {0.1f, 0.2f, 0.3f, 0.4f});
                }
                String what = variant + " allLayers=" + allLayers + " lengths=" + Arrays.toString(lengths);
                Map<String, INDArray> reference = gradients(variant, head, TrainingEngine.SAMEDIFF, DataType.DOUBLE,
                        frames, labels, targets);
                Map<String, INDArray> graph = gradients(variant, head, TrainingEngine.SAMEDIFF, DataType.FLOAT,
                        frames, labels, targets);
                Map<String, INDArray> fusedGradients = gradients(variant, head, TrainingEngine.FUSED, DataType.FLOAT,
                        frames, labels, targets);
                assertEquals(reference.keySet(), fusedGradients.keySet(), what);
                double floor = FLOOR * largest(reference);
                for (String p : reference.keySet()) {
                    double err = relativeError(reference.get(p), fusedGradients.get(p), floor);
                    assertTrue(err <= TOLERANCE, what + " fused d loss / d " + p + ": error " + err);
                    double agree = relativeError(graph.get(p), fusedGradients.get(p), floor);
                    assertTrue(agree <= TOLERANCE, what + " fused vs float graph, d loss / d " + p + ": " + agree);
                }
                // and the logits of both engines
                Wav2Vec2FineTuneModel g = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir(variant), head, 5);
                Wav2Vec2FineTuneModel f = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir(variant), head, 5);
                f.setTrainingEngine(TrainingEngine.FUSED);
                float[][] zg = g.logits(frames);
                float[][] zf = f.logits(frames);
                for (int i = 0; i < zg.length; i++) {
                    for (int k = 0; k < zg[i].length; k++) {
                        assertEquals(zg[i][k], zf[i][k], 1e-4 * (1 + Math.abs(zg[i][k])), what + " logit " + i + "," + k);
                    }
                }
                // every hidden state, padding rows included (computed alike; real rows never read them)
                List<INDArray> states = g.hiddenStates(g.batch(frames));
                for (int i = 0; i < states.size() - (config.doStableLayerNorm() ? 1 : 0); i++) {
                    INDArray fusedState = Nd4j.create(f.fusedHiddenState(i), states.get(i).shape(), 'c');
                    double err = relativeError(states.get(i), fusedState, 0);
                    assertTrue(err <= TOLERANCE, what + " hidden state " + i + ": error " + err);
                }
            }
        }
    }

    @Test
    void autoIsFusedForMeanPoolingInFloatAndTheGraphOtherwise() throws IOException {
        Wav2Vec2Config config = Wav2Vec2Config.load(Wav2Vec2ParityTest.fixtureDir("base").resolve("config.json"));
        Wav2Vec2FineTuneModel mean = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir("base"),
                Wav2Vec2FineTuneModel.meanPoolingHead(config, true, 8, 4), 1);
        mean.setTrainingEngine(TrainingEngine.AUTO);
        assertEquals(TrainingEngine.FUSED, mean.trainingEngine());
        mean.setTrainingEngine(TrainingEngine.SAMEDIFF);
        assertEquals(TrainingEngine.SAMEDIFF, mean.trainingEngine());

        HeadSpec attentive = Wav2Vec2FineTuneModel.head(config, false, HeadSpec.Pooling.ATTENTIVE_STATS, 4, 8, 4);
        Wav2Vec2FineTuneModel stats = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir("base"), attentive, 1);
        stats.setTrainingEngine(TrainingEngine.AUTO);
        assertEquals(TrainingEngine.SAMEDIFF, stats.trainingEngine());
        assertThrows(IllegalArgumentException.class, () -> stats.setTrainingEngine(TrainingEngine.FUSED));

        Wav2Vec2FineTuneModel inDouble = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir("base"),
                Wav2Vec2FineTuneModel.meanPoolingHead(config, true, 8, 4), 1, DataType.DOUBLE);
        inDouble.setTrainingEngine(TrainingEngine.AUTO);
        assertEquals(TrainingEngine.SAMEDIFF, inDouble.trainingEngine());

        mean.prepareTraining(1.0, 1.0);
        assertThrows(IllegalStateException.class, () -> mean.setTrainingEngine(TrainingEngine.FUSED));
    }

    private enum Engine { SAMEDIFF_DOUBLE, SAMEDIFF_FLOAT, FUSED }

    private static Wav2Vec2FineTuneModel model(Case c, Engine e) throws IOException {
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir(c.variant()), c.head(),
                c.headWeights(), e == Engine.SAMEDIFF_DOUBLE ? DataType.DOUBLE : DataType.FLOAT);
        model.setTrainingEngine(e == Engine.FUSED ? TrainingEngine.FUSED : TrainingEngine.SAMEDIFF);
        model.prepareTraining(c.alpha(), c.temperature(), c.klReduction(), c.labelSmoothing());
        return model;
    }

    private static Map<String, INDArray> gradients(String variant, HeadSpec head, TrainingEngine engine, DataType dtype,
                                                   List<INDArray> frames, int[] labels, List<float[]> targets)
            throws IOException {
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(Wav2Vec2ParityTest.fixtureDir(variant), head, 5, dtype);
        model.setTrainingEngine(engine);
        model.prepareTraining(0.5, 2.0, KlReduction.BATCHMEAN, 0.1);
        Classifier.Step step = model.step(frames, labels, targets, new float[] {1f, 1.5f, 0.5f, 2f});
        Map<String, INDArray> out = new LinkedHashMap<>();
        step.gradients().forEach((n, g) -> out.put(n, g.castTo(DataType.DOUBLE).dup()));
        return out;
    }

    private static double relativeError(INDArray expected, INDArray actual, double floor) {
        INDArray e = expected.castTo(DataType.DOUBLE).reshape(expected.length());
        INDArray a = actual.castTo(DataType.DOUBLE).reshape(actual.length());
        assertEquals(e.length(), a.length(), "gradient sizes");
        double scale = Math.max(e.amaxNumber().doubleValue(), floor);
        return a.sub(e).amaxNumber().doubleValue() / Math.max(scale, 1e-30);
    }

    private static double largest(Map<String, INDArray> gradients) {
        return gradients.values().stream().mapToDouble(g -> g.amaxNumber().doubleValue()).max().orElse(0);
    }

    private static Case fixture(String name) throws IOException {
        String resource = Wav2Vec2ParityTest.FIXTURES + "gradients." + name + ".safetensors";
        SafeTensors st;
        try (InputStream in = Wav2Vec2FineTuneGradientParityTest.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing fixture " + resource + " (tools/make_wav2vec2_gradient_fixtures.py)");
            }
            st = SafeTensors.parse(in.readAllBytes(), resource);
        }
        Map<String, String> meta = st.metadata();
        String variant = meta.get("variant");
        Wav2Vec2Config config = Wav2Vec2Config.load(Wav2Vec2ParityTest.fixtureDir(variant).resolve("config.json"));
        HeadSpec head = Wav2Vec2FineTuneModel.meanPoolingHead(config, Boolean.parseBoolean(meta.get("layer_weighting")),
                Integer.parseInt(meta.get("projector_dim")), 4);
        assertEquals(PROJECTOR, head.projectorDim());
        Map<String, INDArray> headWeights = new LinkedHashMap<>();
        Map<String, INDArray> gradients = new LinkedHashMap<>();
        st.tensors().forEach((n, t) -> {
            INDArray a = Nd4j.create(t.values(), t.shape(), 'c');
            if (n.startsWith("head.")) {
                headWeights.put(n.substring("head.".length()), a);
            } else if (n.startsWith("grad.")) {
                gradients.put(n.substring("grad.".length()), a);
            }
        });
        INDArray all = array(st.require("input.frames"));
        int[] lengths = ints(meta.get("lengths"));
        List<INDArray> frames = new ArrayList<>();
        for (int b = 0; b < lengths.length; b++) {
            frames.add(all.get(NDArrayIndex.point(b), NDArrayIndex.interval(0, lengths[b]), NDArrayIndex.all()).dup('c'));
        }
        float[] flatTargets = floats(meta.get("targets"));
        List<float[]> targets = new ArrayList<>();
        for (int b = 0; b < lengths.length; b++) {
            targets.add(Arrays.copyOfRange(flatTargets, b * 4, b * 4 + 4));
        }
        KlReduction kl = Arrays.stream(KlReduction.values()).filter(r -> r.label().equals(meta.get("kl_reduction")))
                .findFirst().orElseThrow();
        return new Case(variant, head, headWeights, frames, ints(meta.get("labels")), targets,
                floats(meta.get("class_weights")), Double.parseDouble(meta.get("alpha")),
                Double.parseDouble(meta.get("temperature")), kl, Double.parseDouble(meta.get("label_smoothing")),
                Double.parseDouble(meta.get("loss")), gradients);
    }

    private static INDArray array(SafeTensors.Tensor t) {
        return Nd4j.create(t.values(), t.shape(), 'c');
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }
}
