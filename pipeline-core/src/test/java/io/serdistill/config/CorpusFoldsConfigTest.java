package io.serdistill.config;

import io.serdistill.representation.Representation;
import io.serdistill.features.Normalization;
import io.serdistill.data.corpus.CorpusKind;
import io.serdistill.data.Folds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.data.Emotion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ser.input.corpus, ser.folds and ser.features.normalize keys. */
class CorpusFoldsConfigTest {

    @Test
    void defaultsKeepTodaysBehaviour() {
        SerConfig c = SerConfig.defaults();
        assertEquals(CorpusKind.AUTO, c.input().corpus().kind());
        assertFalse(c.input().corpus().scansFiles());
        assertEquals(new SerConfig.FoldSpec(Folds.Scheme.GIVEN, 5, 1, 0, false, 0), c.folds());
        Representation.Fbank fbank = (Representation.Fbank) c.features().representation();
        assertEquals(Normalization.NONE, fbank.normalization());
        assertTrue(fbank.normalizeVariance());
    }

    @Test
    void readsCorpusFoldsAndNormalisation() {
        SerConfig c = SerConfig.load(List.of(), Map.of("ser.input.corpus.kind", "fesc", "ser.input.corpus.root", "/data/fesc",
                "ser.input.corpus.label-map", "{ ilo = happy, Viha = angry }", "ser.folds.scheme", "k-fold",
                "ser.folds.fold", "3", "ser.features.normalize", "global"));
        assertTrue(c.input().corpus().scansFiles());
        assertEquals(Map.of("ilo", Emotion.HAPPY, "viha", Emotion.ANGRY), c.input().corpus().labelMap());
        assertEquals(3, c.folds().fold());
        assertEquals(Normalization.GLOBAL, c.features().representation().normalization());
        assertEquals(Folds.Scheme.K_FOLD, c.folds().scheme());
    }

    @Test
    void errorsNameTheKey() {
        assertKey("ser.input.corpus.kind", Map.of("ser.input.corpus.kind", "timit"));
        assertKey("ser.input.corpus.root", Map.of("ser.input.corpus.kind", "iemocap"));
        assertKey("ser.folds.scheme", Map.of("ser.input.corpus.kind", "iemocap", "ser.input.corpus.root", "/d"));
        assertKey("ser.input.manifest", Map.of("ser.input.corpus.kind", "csv"));
        assertKey("ser.input.corpus.label-map.bored", Map.of("ser.input.corpus.label-map", "{ bored = sleepy }"));
        assertKey("ser.folds.scheme", Map.of("ser.folds.scheme", "random"));
        assertKey("ser.folds.fold", Map.of("ser.folds.scheme", "k-fold", "ser.folds.fold", "5"));
        assertKey("ser.folds.dev-speakers", Map.of("ser.folds.dev-speakers", "-1"));
        assertKey("ser.features.normalize", Map.of("ser.features.normalize", "cmvn"));
        assertKey("ser.features.normalize-variance", Map.of("ser.features.normalize-variance", "maybe"));
    }

    @Test
    void allowedRootsDefaultToTheManifestsTreeOnlyAndAreValidated() {
        assertEquals(List.of(), SerConfig.defaults().input().allowedRoots());
        SerConfig c = SerConfig.load(List.of(), Map.of("ser.input.allowed-roots", "[\"/mnt/audio\", \"hdfs://nn/ser\"]"));
        assertEquals(List.of("/mnt/audio", "hdfs://nn/ser"), c.input().allowedRoots());
        assertKey("ser.input.allowed-roots", Map.of("ser.input.allowed-roots", "[\" \"]"));
        assertKey("ser.input.allowed-roots", Map.of("ser.input.allowed-roots", "[\"/data/../etc\"]"));
        assertKey("ser.input.allowed-roots", Map.of("ser.input.allowed-roots", "{ a = b }"));
    }

    private static void assertKey(String key, Map<String, String> overrides) {
        ConfigError e = assertThrows(ConfigError.class, () -> SerConfig.load(List.of(), overrides));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
