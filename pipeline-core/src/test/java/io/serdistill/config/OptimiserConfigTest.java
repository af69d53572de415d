package io.serdistill.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.train.Optimisation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ser.teachers.optimiser / ser.student.optimiser and their lbfgs block: read per family, validated, hashed. */
class OptimiserConfigTest {

    private static SerConfig load(Map<String, String> overrides) {
        return SerConfig.load(List.of(), overrides);
    }

    @Test
    void lbfgsByDefaultForFbankMlpsAndChosenPerFamily() {
        SerConfig d = SerConfig.defaults();
        assertEquals(Optimisation.Optimiser.LBFGS, d.teachers().optimisation().optimiser(), "auto, on fbank");
        assertEquals(Optimisation.Optimiser.LBFGS, d.student().optimisation().optimiser());
        assertEquals(0.01, d.teachers().optimisation().lbfgsL2());
        assertEquals(0.001, d.student().optimisation().lbfgsL2());
        assertEquals(500, d.teachers().optimisation().lbfgsIterations());
        SerConfig adamw = load(Map.of("ser.teachers.optimiser", "adamw", "ser.student.optimiser", "adamw"));
        assertEquals(Optimisation.Optimiser.ADAMW, adamw.teachers().optimisation().optimiser());
        assertEquals(Optimisation.Optimiser.ADAMW, adamw.student().optimisation().optimiser());
        SerConfig c = load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.lbfgs.max-iterations", "123",
                "ser.teachers.lbfgs.l2", "0.125"));
        assertEquals(Optimisation.Optimiser.LBFGS, c.teachers().optimisation().optimiser());
        assertEquals(123, c.teachers().optimisation().lbfgsIterations());
        assertEquals(0.125, c.teachers().optimisation().lbfgsL2());
        assertEquals(0.0, c.teachers().regularisation().l2(), "AdamW's l2 is a key of its own");
        assertEquals(123, c.teachers().optimisation().rounds());
        assertEquals(Optimisation.Optimiser.LBFGS, c.student().optimisation().optimiser(), "the other family's default");
        assertEquals(500, c.student().optimisation().rounds());
        assertEquals(60, adamw.student().optimisation().rounds(), "adamw counts epochs");
        assertEquals(Optimisation.Optimiser.LBFGS, c.teachers().fineTuning(1).optimisation().optimiser(),
                "reaches the training options");
        SerConfig s = load(Map.of("ser.student.optimiser", "lbfgs"));
        assertEquals(Optimisation.Optimiser.LBFGS, s.student().distillation(0.5, 2.0,
                io.serdistill.distill.TeacherWeighting.named("uniform", 0.8), List.of("en"), 1).optimisation().optimiser());
    }

    @Test
    void autoIsLbfgsForPooledFbankMlpsOnly() {
        SerConfig auto = load(Map.of("ser.teachers.optimiser", "auto", "ser.student.optimiser", "auto"));
        assertEquals(Optimisation.Optimiser.LBFGS, auto.teachers().optimisation().optimiser());
        assertEquals(Optimisation.Optimiser.LBFGS, auto.student().optimisation().optimiser());
        SerConfig tdnn = load(Map.of("ser.teachers.optimiser", "auto", "ser.teachers.model", "tdnn"));
        assertEquals(Optimisation.Optimiser.ADAMW, tdnn.teachers().optimisation().optimiser(), "a TDNN reads frames");
        SerConfig dropout = load(Map.of("ser.student.optimiser", "auto", "ser.student.dropout", "0.3"));
        assertEquals(Optimisation.Optimiser.ADAMW, dropout.student().optimisation().optimiser(),
                "dropout needs the mini-batch loop");
        SerConfig w2v = load(Map.of("ser.teachers.optimiser", "auto", "ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/nonexistent/w2v"));
        assertEquals(Optimisation.Optimiser.ADAMW, w2v.teachers().optimisation().optimiser(),
                "auto's L-BFGS is for fbank statistics");
        assertEquals(SerConfig.load(List.of(), Map.of("ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/nonexistent/w2v")).hash(), w2v.hash(),
                "auto resolving to adamw keeps the adamw hash");
        SerConfig w2vLbfgs = load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/nonexistent/w2v"));
        assertEquals(Optimisation.Optimiser.LBFGS, w2vLbfgs.teachers().optimisation().optimiser(),
                "pooled wav2vec2 states are pooled vectors");
    }

    @Test
    void aGridVariesTheLbfgsPenalty() {
        SerConfig c = load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.grid.lbfgs.l2", "[0.001, 0.1]"));
        List<SelectionGrid.Point> points = c.selection().teachers().points();
        assertEquals(2, points.size());
        assertEquals(Map.of("lbfgs.l2", "0.001"), points.get(0).values());
        assertEquals(0.001, points.get(0).training().optimisation().lbfgsL2());
        assertEquals(0.1, points.get(1).training().optimisation().lbfgsL2());
        assertKey("ser.teachers.grid.lbfgs.l2", Map.of("ser.teachers.optimiser", "lbfgs",
                "ser.teachers.grid.lbfgs.l2", "[0.1, -1]"));
        assertKey("ser.teachers.grid.lbfgs.max-iterations", Map.of("ser.teachers.grid.lbfgs.max-iterations", "[5]"));
    }

    @Test
    void aRefitKeepsTheLbfgsSettingsAndAdamwTakesTheEpochs() {
        SerConfig c = load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.lbfgs.max-iterations", "77"));
        assertSame(c.teachers(), c.teachers().withEpochs(3), "L-BFGS reads no epoch count");
        SerConfig.Training byDefault = SerConfig.defaults().student();
        assertSame(byDefault, byDefault.withEpochs(3), "the default too");
        SerConfig.Training adamw = load(Map.of("ser.student.optimiser", "adamw")).student();
        SerConfig.Training refit = adamw.withEpochs(7);
        assertEquals(7, refit.optimisation().epochs());
        assertEquals(Optimisation.Optimiser.ADAMW, refit.optimisation().optimiser());
        assertEquals(adamw.optimisation().learningRate(), refit.optimisation().learningRate());
        assertEquals(adamw.engine(), refit.engine());
    }

    @Test
    void badValuesNameTheKey() {
        assertKey("ser.teachers.optimiser", Map.of("ser.teachers.optimiser", "sgd"));
        assertKey("ser.student.lbfgs.max-iterations", Map.of("ser.student.optimiser", "lbfgs",
                "ser.student.lbfgs.max-iterations", "0"));
        assertKey("ser.teachers.lbfgs.max-iterations", Map.of("ser.teachers.lbfgs.max-iterations", "many"));
        assertKey("ser.teachers.optimiser", Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.dropout", "0.2"));
        assertKey("ser.student.optimiser", Map.of("ser.student.optimiser", "lbfgs", "ser.student.input-noise", "0.5"));
        assertKey("ser.student.optimiser", Map.of("ser.student.optimiser", "lbfgs", "ser.student.input-dropout", "0.1"));
        assertKey("ser.teachers.optimiser", Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.model", "tdnn"));
        assertKey("ser.teachers.lbfgs.l2", Map.of("ser.teachers.lbfgs.l2", "-0.01"));
        assertKey("ser.student.optimiser", Map.of("ser.student.optimiser", "lbfgs", "ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/nonexistent/w2v", "ser.features.wav2vec2.mode", "finetune"));
        ConfigError e = assertThrows(ConfigError.class, () -> load(Map.of("ser.teachers.optimiser", "newton")));
        assertTrue(e.getMessage().contains("[auto, adamw, lbfgs]"), e.getMessage());
    }

    @Test
    void adamwRunsKeepTheirHashAndLbfgsChangesIt() {
        String d = load(Map.of("ser.teachers.optimiser", "adamw", "ser.student.optimiser", "adamw")).hash();
        assertEquals(d, load(Map.of("ser.teachers.optimiser", "adamw", "ser.student.optimiser", "adamw",
                        "ser.student.lbfgs.max-iterations", "9", "ser.teachers.lbfgs.l2", "3")).hash(),
                "adamw reads no lbfgs key: runs from before the choice keep their hash");
        assertNotEquals(d, SerConfig.defaults().hash(), "the default trains by L-BFGS");
        assertEquals(SerConfig.defaults().hash(), load(Map.of("ser.teachers.optimiser", "auto")).hash());
        String lbfgs = load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.student.optimiser", "adamw")).hash();
        assertNotEquals(d, lbfgs);
        assertNotEquals(lbfgs, load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.student.optimiser", "adamw",
                "ser.teachers.lbfgs.max-iterations", "9")).hash(), "the iteration limit can change the model");
        assertNotEquals(lbfgs, load(Map.of("ser.teachers.optimiser", "lbfgs")).hash());
        assertNotEquals(lbfgs, load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.student.optimiser", "adamw",
                "ser.teachers.lbfgs.l2", "0.5")).hash());
    }

    private static void assertKey(String key, Map<String, String> overrides) {
        ConfigError e = assertThrows(ConfigError.class, () -> load(overrides));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
