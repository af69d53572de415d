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
    void adamwByDefaultAndLbfgsPerFamily() {
        SerConfig d = SerConfig.defaults();
        assertEquals(Optimisation.Optimiser.ADAMW, d.teachers().optimisation().optimiser());
        assertEquals(Optimisation.Optimiser.ADAMW, d.student().optimisation().optimiser());
        SerConfig c = load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.lbfgs.max-iterations", "123"));
        assertEquals(Optimisation.Optimiser.LBFGS, c.teachers().optimisation().optimiser());
        assertEquals(123, c.teachers().optimisation().lbfgsIterations());
        assertEquals(123, c.teachers().optimisation().rounds());
        assertEquals(Optimisation.Optimiser.ADAMW, c.student().optimisation().optimiser(), "the other family keeps adamw");
        assertEquals(60, c.student().optimisation().rounds());
        assertEquals(Optimisation.Optimiser.LBFGS, c.teachers().fineTuning(1).optimisation().optimiser(),
                "reaches the training options");
        SerConfig s = load(Map.of("ser.student.optimiser", "lbfgs"));
        assertEquals(Optimisation.Optimiser.LBFGS, s.student().distillation(0.5, 2.0,
                io.serdistill.distill.TeacherWeighting.named("uniform", 0.8), List.of("en"), 1).optimisation().optimiser());
    }

    @Test
    void aRefitKeepsTheLbfgsSettingsAndAdamwTakesTheEpochs() {
        SerConfig c = load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.lbfgs.max-iterations", "77"));
        assertSame(c.teachers(), c.teachers().withEpochs(3), "L-BFGS reads no epoch count");
        SerConfig.Training refit = SerConfig.defaults().student().withEpochs(7);
        assertEquals(7, refit.optimisation().epochs());
        assertEquals(Optimisation.Optimiser.ADAMW, refit.optimisation().optimiser());
        assertEquals(SerConfig.defaults().student().optimisation().learningRate(), refit.optimisation().learningRate());
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
        ConfigError e = assertThrows(ConfigError.class, () -> load(Map.of("ser.teachers.optimiser", "newton")));
        assertTrue(e.getMessage().contains("adamw") && e.getMessage().contains("lbfgs"), e.getMessage());
    }

    @Test
    void adamwRunsKeepTheirHashAndLbfgsChangesIt() {
        String d = SerConfig.defaults().hash();
        assertEquals(d, load(Map.of("ser.teachers.optimiser", "adamw", "ser.student.lbfgs.max-iterations", "9")).hash(),
                "adamw reads no lbfgs key: runs from before the choice keep their hash");
        String lbfgs = load(Map.of("ser.teachers.optimiser", "lbfgs")).hash();
        assertNotEquals(d, lbfgs);
        assertNotEquals(lbfgs, load(Map.of("ser.teachers.optimiser", "lbfgs", "ser.teachers.lbfgs.max-iterations", "9"))
                .hash(), "the iteration limit can change the model");
        assertNotEquals(lbfgs, load(Map.of("ser.student.optimiser", "lbfgs")).hash());
    }

    private static void assertKey(String key, Map<String, String> overrides) {
        ConfigError e = assertThrows(ConfigError.class, () -> load(overrides));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
