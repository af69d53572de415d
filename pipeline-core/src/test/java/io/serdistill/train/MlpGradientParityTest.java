package io.serdistill.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import io.serdistill.model.Classifier;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.KlReduction;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.TrainingEngine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Both training engines of {@link MlpClassifier} against PyTorch on the committed fixture written by
 * {@code tools/make_mlp_gradient_fixtures.py}: tiny models with and without hidden layers, the full loss
 * (cross-entropy with label smoothing and class weights, the distillation term at a temperature, both KL reductions).
 * Every parameter's gradient matches autograd's within 1e-4 of that gradient's scale (its largest magnitude); the
 * engines agree with each other as closely; and three AdamW steps ({@link AdamW}, both its op and host-loop forms,
 * weight matrices decayed, gradients clipped) land where torch.optim.AdamW does.
 */
class MlpGradientParityTest {
    private static final double TOLERANCE = 1e-4;
    private static List<JsonNode> cases;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = MlpGradientParityTest.class.getResourceAsStream("/fixtures/mlp/gradients.json")) {
            ObjectNode fixture = Json.object(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            cases = new ArrayList<>();
            fixture.get("cases").forEach(cases::add);
        }
        assertEquals(4, cases.size());
    }

    private record Batch(List<float[]> x, int[] labels, List<float[]> targets, float[] classWeights) {}

    private static MlpClassifier model(JsonNode c, TrainingEngine engine) {
        List<Integer> hidden = new ArrayList<>();
        c.get("hidden").forEach(h -> hidden.add(h.asInt()));
        ClassifierSpec spec = new ClassifierSpec(c.get("input_dim").asInt(), hidden, c.get("classes").asInt());
        MlpClassifier m = MlpClassifier.initialise(spec, vector(c.get("input_mean")), vector(c.get("input_std")), 1);
        m.setTrainingEngine(engine);
        Map<String, INDArray> params = m.parameters();
        assertEquals(names(c.get("weights")), List.copyOf(params.keySet()), "parameter names");
        params.forEach((n, a) -> a.assign(Nd4j.create(flat(c.get("weights").get(n)), a.shape(), 'c')));
        double alpha = c.get("alpha").asDouble();
        m.prepareTraining(alpha, c.get("temperature").asDouble(),
                KlReduction.valueOf(c.get("kl_reduction").asText().toUpperCase(java.util.Locale.ROOT)),
                c.get("label_smoothing").asDouble());
        return m;
    }

    private static Batch batch(JsonNode c) {
        List<float[]> x = rows(c.get("x"));
        int[] y = new int[x.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = c.get("labels").get(i).asInt();
        }
        List<float[]> t = c.get("targets").isNull() ? null : rows(c.get("targets"));
        float[] cw = c.get("class_weights").isNull() ? null : vector(c.get("class_weights"));
        return new Batch(x, y, t, cw);
    }

    @Test
    void everyEnginesGradientsMatchAutograd() {
        for (JsonNode c : cases) {
            Batch b = batch(c);
            Map<TrainingEngine, Map<String, float[]>> byEngine = new LinkedHashMap<>();
            for (TrainingEngine engine : List.of(TrainingEngine.SAMEDIFF, TrainingEngine.FUSED)) {
                MlpClassifier m = model(c, engine);
                Classifier.Step step = m.step(b.x(), b.labels(), b.targets(), b.classWeights());
                String what = c.get("name").asText() + " (" + engine.label() + ")";
                assertEquals(c.get("loss").asDouble(), step.loss(), 1e-5 * Math.abs(c.get("loss").asDouble()), what);
                Map<String, float[]> grads = new LinkedHashMap<>();
                step.gradients().forEach((n, g) -> grads.put(n, g.dup('c').data().asFloat()));
                for (Map.Entry<String, float[]> g : grads.entrySet()) {
                    assertClose(flat(c.get("gradients").get(g.getKey())), g.getValue(), what + " d/d" + g.getKey());
                }
                byEngine.put(engine, grads);
            }
            Map<String, float[]> ref = byEngine.get(TrainingEngine.SAMEDIFF);
            byEngine.get(TrainingEngine.FUSED).forEach((n, g) ->
                    assertClose(ref.get(n), g, c.get("name").asText() + ": fused against samediff, d/d" + n));
        }
    }

    @Test
    void adamWStepsMatchTorch() {
        for (JsonNode c : cases) {
            Batch b = batch(c);
            for (TrainingEngine engine : List.of(TrainingEngine.SAMEDIFF, TrainingEngine.FUSED)) {
                MlpClassifier m = model(c, engine);
                AdamW adamW = new AdamW(c.get("weight_decay").asDouble(), 0, c.get("clip_norm").asDouble(), m::decayed);
                if (engine == TrainingEngine.FUSED) {
                    adamW.useHostLoop();
                }
                JsonNode steps = c.get("steps");
                for (int s = 0; s < steps.size(); s++) {
                    Classifier.Step step = m.step(b.x(), b.labels(), b.targets(), b.classWeights());
                    adamW.apply(m.parameters(), step.gradients(), c.get("lr").asDouble());
                    String what = c.get("name").asText() + " (" + engine.label() + ") after AdamW step " + (s + 1);
                    for (Map.Entry<String, INDArray> p : m.parameters().entrySet()) {
                        float[] expected = flat(steps.get(s).get(p.getKey()));
                        float[] actual = p.getValue().dup('c').data().asFloat();
                        // Parameters move by about lr per step: compare with the movement's scale.
                        for (int i = 0; i < expected.length; i++) {
                            assertEquals(expected[i], actual[i], 1e-3 * c.get("lr").asDouble() + 1e-6,
                                    what + ": " + p.getKey() + "[" + i + "]");
                        }
                    }
                }
            }
        }
    }

    /** |expected - actual| <= TOLERANCE * max |expected| elementwise. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        assertTrue(scale > 0, what + ": an all-zero gradient tests nothing");
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= TOLERANCE * scale,
                    what + "[" + i + "]: " + actual[i] + ", expected " + expected[i] + " (scale " + scale + ")");
        }
    }

    private static List<String> names(JsonNode weights) {
        List<String> out = new ArrayList<>();
        weights.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<float[]> rows(JsonNode m) {
        List<float[]> out = new ArrayList<>();
        m.forEach(r -> out.add(vector(r)));
        return out;
    }

    private static float[] vector(JsonNode v) {
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }

    /** A vector or a matrix, row by row. */
    private static float[] flat(JsonNode v) {
        if (!v.get(0).isArray()) {
            return vector(v);
        }
        List<Float> out = new ArrayList<>();
        v.forEach(r -> r.forEach(e -> out.add((float) e.asDouble())));
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }
}
