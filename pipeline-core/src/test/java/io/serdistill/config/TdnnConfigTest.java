package io.serdistill.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.representation.Representation;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.TdnnKind;
import io.serdistill.train.TdnnOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ser.teachers.model / ser.student.model and their tdnn blocks. */
class TdnnConfigTest {

    private static SerConfig load(String... keyValues) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            o.put(keyValues[i], keyValues[i + 1]);
        }
        return SerConfig.load(List.of(), o);
    }

    private static void assertKey(String key, String... keyValues) {
        ConfigError e = assertThrows(ConfigError.class, () -> load(keyValues));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void familiesAreMlpByDefaultAndChosenPerRole() {
        SerConfig d = SerConfig.defaults();
        assertEquals(SerConfig.Architecture.MLP, d.teachers().model());
        assertEquals(SerConfig.Architecture.MLP, d.student().model());
        assertEquals(Representation.POOLED, d.inputColumn(d.teachers()));

        SerConfig c = load("ser.teachers.model", "tdnn");
        TdnnKind teachers = (TdnnKind) c.modelKind(c.teachers());
        assertEquals(new TdnnKind(80, new TdnnOptions(List.of(64, 64, 64), List.of(5, 3, 3), List.of(1, 2, 3), 32,
                true, new TdnnOptions.Masking(2, 10, 2, 8))), teachers, "reference.conf's teacher TDNN over 80 bins");
        assertEquals(Representation.FRAMES, c.inputColumn(c.teachers()));
        assertEquals(new PooledClassifierKind(List.of(128), 1), c.modelKind(c.student()), "the student stays an MLP");
        assertEquals(Representation.POOLED, c.inputColumn(c.student()));

        SerConfig s = load("ser.student.model", "tdnn", "ser.student.tdnn.channels", "[32, 16]",
                "ser.student.tdnn.kernel-sizes", "[3, 1]", "ser.student.tdnn.dilations", "[2, 1]",
                "ser.student.tdnn.layer-norm", "false", "ser.student.tdnn.spec-augment.freq-masks", "0",
                "ser.features.fbank.num-mel-bins", "40");
        assertEquals(new TdnnKind(40, new TdnnOptions(List.of(32, 16), List.of(3, 1), List.of(2, 1), 16, false,
                new TdnnOptions.Masking(2, 10, 0, 8))), s.modelKind(s.student()));
        assertEquals(new PooledClassifierKind(List.of(256, 128), 1), s.modelKind(s.teachers()));
    }

    @Test
    void invalidChoicesAndShapesNameTheKey() {
        assertKey("ser.teachers.model", "ser.teachers.model", "cnn");
        assertKey("ser.student.model", "ser.student.model", "tdnn", "ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/m");
        assertKey("ser.teachers.tdnn.channels", "ser.teachers.tdnn.channels", "[]");
        assertKey("ser.teachers.tdnn.channels", "ser.teachers.tdnn.channels", "[64, 0, 64]");
        assertKey("ser.teachers.tdnn.kernel-sizes", "ser.teachers.tdnn.kernel-sizes", "[5, 4, 3]");
        assertKey("ser.student.tdnn.kernel-sizes", "ser.student.tdnn.kernel-sizes", "[5, 3]");
        assertKey("ser.student.tdnn.dilations", "ser.student.tdnn.dilations", "[1, 0, 1]");
        assertKey("ser.teachers.tdnn.attention-dim", "ser.teachers.tdnn.attention-dim", "0");
        assertKey("ser.student.tdnn.spec-augment.time-masks", "ser.student.tdnn.spec-augment.time-masks", "-1");
        assertKey("ser.teachers.tdnn.spec-augment.freq-mask-width", "ser.teachers.tdnn.spec-augment.freq-mask-width",
                "-2");
        assertKey("ser.teachers.tdnn.layer-norm", "ser.teachers.tdnn.layer-norm", "sometimes");
        assertKey("ser.teachers.tdnn.widths", "ser.teachers.tdnn.widths", "[1]");
    }

    @Test
    void onlyTheKeysAFamilyReadsAreInTheHash() {
        String defaults = SerConfig.defaults().hash();
        assertEquals(defaults, load("ser.teachers.model", "mlp").hash(), "mlp is the default: hashes as before");
        assertEquals(defaults, load("ser.teachers.tdnn.channels", "[8]", "ser.teachers.tdnn.kernel-sizes", "[3]",
                "ser.teachers.tdnn.dilations", "[1]", "ser.student.tdnn.spec-augment.time-masks", "0").hash(),
                "MLP families read no TDNN key");
        String tdnn = load("ser.teachers.model", "tdnn").hash();
        assertNotEquals(defaults, tdnn);
        assertNotEquals(tdnn, load("ser.teachers.model", "tdnn", "ser.teachers.tdnn.spec-augment.time-masks", "1").hash());
        assertEquals(tdnn, load("ser.teachers.model", "tdnn", "ser.teachers.hidden", "[7]").hash(),
                "a TDNN family reads no MLP widths");
        assertNotEquals(tdnn, load("ser.teachers.model", "tdnn", "ser.student.hidden", "[7]").hash(),
                "the MLP student still does");
        assertNotEquals(load("ser.student.model", "tdnn").hash(), tdnn, "the role of the TDNN matters");
    }
}
