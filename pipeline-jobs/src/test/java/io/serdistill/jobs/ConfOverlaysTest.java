package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every overlay in conf/ is valid against reference.conf (a typo there would only surface on a cluster). */
class ConfOverlaysTest {
    private static final Path CONF = Path.of("../conf");

    @Test
    void everyOverlayLoads() throws Exception {
        try (Stream<Path> files = Files.list(CONF)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".conf")).toList()) {
                Map<String, String> needed = f.getFileName().toString().equals("paper.conf")
                        ? Map.of("ser.features.wav2vec2.model-dir", "/models/wav2vec2-base") : Map.of();
                SerConfig c = SerConfig.load(List.of(f), needed);
                assertTrue(c.run().id().length() > 0, f.toString());
            }
        }
    }

    @Test
    void paperOverlayNeedsAModelDirectoryAndNamesTheKey() {
        ConfigError e = assertThrows(ConfigError.class, () -> SerConfig.load(List.of(CONF.resolve("paper.conf")), Map.of()));
        assertEquals("ser.features.wav2vec2.model-dir", e.key());
        SerConfig c = SerConfig.load(List.of(CONF.resolve("paper.conf")), Map.of("ser.features.wav2vec2.model-dir", "/m"));
        assertEquals(5.0, c.distill().temperature());
        assertEquals(0.75, c.distill().alpha());
        assertEquals(16, c.student().optimisation().batchSize());
        assertEquals(20, c.teachers().optimisation().epochs());
        assertEquals(3e-5, c.student().optimisation().learningRate());
        assertTrue(c.features().representation() instanceof io.serdistill.representation.Representation.FineTune ft
                && ft.head().projectorDim() == 256, "the paper fine-tunes wav2vec2 (CNN frozen), projector 256");
    }
}
