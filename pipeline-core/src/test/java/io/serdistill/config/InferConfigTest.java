package io.serdistill.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.Segmentation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferConfigTest {
    static SerConfig load(Map<String, String> o) {
        return SerConfig.load(List.of(), o);
    }

    @Test
    void defaultsAreEightSecondWindowsEveryFour() {
        SerConfig.Infer infer = SerConfig.defaults().infer();
        Segmentation.Windows w = assertInstanceOf(Segmentation.Windows.class, infer.segmentation());
        assertEquals(8, w.seconds());
        assertEquals(4, w.hopSeconds());
        assertEquals("", infer.model());
        assertTrue(infer.output().endsWith("/inference"), infer.output());
    }

    @Test
    void energyVadReadsItsBlock() {
        SerConfig.Infer infer = load(Map.of("ser.infer.segmentation", "energy-vad", "ser.infer.vad.threshold-db", "20"))
                .infer();
        Segmentation.EnergyVad v = assertInstanceOf(Segmentation.EnergyVad.class, infer.segmentation());
        assertEquals(20, v.thresholdDb());
    }

    @Test
    void errorsNameTheKey() {
        assertEquals("ser.infer.segmentation", assertThrows(ConfigError.class,
                () -> load(Map.of("ser.infer.segmentation", "silero"))).key());
        assertEquals("ser.infer.segment-hop-seconds", assertThrows(ConfigError.class,
                () -> load(Map.of("ser.infer.segment-hop-seconds", "9"))).key());
        assertEquals("ser.infer.partitions", assertThrows(ConfigError.class,
                () -> load(Map.of("ser.infer.partitions", "-1"))).key());
        assertEquals("ser.infer.vad.threshold-db", assertThrows(ConfigError.class,
                () -> load(Map.of("ser.infer.segmentation", "energy-vad", "ser.infer.vad.threshold-db", "0"))).key());
    }

    @Test
    void inferSettingsStayOutOfTheConfigHash() {
        assertEquals(SerConfig.defaults().hash(), load(Map.of("ser.infer.model", "runs/demo",
                "ser.infer.segment-seconds", "6")).hash());
    }
}
