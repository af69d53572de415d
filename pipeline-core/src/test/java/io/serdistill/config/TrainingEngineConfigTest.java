package io.serdistill.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.TrainingEngine;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ser.train.engine: validated, shared by teachers and students, and part of the config hash. */
class TrainingEngineConfigTest {

    private static SerConfig load(String engine) {
        return SerConfig.load(List.of(), Map.of("ser.train.engine", engine));
    }

    @Test
    void autoByDefaultAndCarriedIntoEveryTrainingOption() {
        SerConfig d = SerConfig.defaults();
        assertEquals(TrainingEngine.AUTO, d.teachers().engine());
        assertEquals(TrainingEngine.AUTO, d.student().engine());
        SerConfig s = load("samediff");
        assertEquals(TrainingEngine.SAMEDIFF, s.teachers().fineTuning(1).engine());
        assertEquals(TrainingEngine.SAMEDIFF, s.student().fineTuning(1).engine());
        assertEquals(TrainingEngine.FUSED, load("fused").student().fineTuning(1).engine());
    }

    @Test
    void anUnknownEngineNamesTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> load("cuda"));
        assertEquals("ser.train.engine", e.key());
        assertTrue(e.getMessage().contains("[auto, fused, samediff]"), e.getMessage());
    }

    @Test
    void theEngineIsHashed() {
        String auto = SerConfig.defaults().hash();
        String fused = load("fused").hash();
        String samediff = load("samediff").hash();
        assertEquals(auto, load("auto").hash());
        assertNotEquals(auto, fused);
        assertNotEquals(auto, samediff);
        assertNotEquals(fused, samediff);
        // Checkpoint cadence stays out of the hash with the engine key beside it in ser.train.
        assertEquals(samediff, SerConfig.load(List.of(), Map.of("ser.train.engine", "samediff",
                "ser.train.checkpoint.every-epochs", "2")).hash());
    }
}
