package io.serdistill.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StageInputsTest {
    private static final StageInputs MANIFEST = new StageInputs("c0ffee0000000000",
            Map.of("manifest", "file:/data/manifest.csv", "manifest_sha256", "aaaa"), Map.of());

    private static StageInputs.Recorded recorded(StageInputs inputs) {
        return new StageInputs.Recorded(inputs, inputs.fingerprint());
    }

    @Test
    void fingerprintIgnoresMapOrderButNotValues() {
        Map<String, String> reversed = new LinkedHashMap<>();
        reversed.put("manifest_sha256", "aaaa");
        reversed.put("manifest", "file:/data/manifest.csv");
        assertEquals(MANIFEST.fingerprint(), new StageInputs("c0ffee0000000000", reversed, Map.of()).fingerprint());
        assertEquals(16, MANIFEST.fingerprint().length());
        assertNotEquals(MANIFEST.fingerprint(), new StageInputs("c0ffee0000000000",
                Map.of("manifest", "file:/data/manifest.csv", "manifest_sha256", "bbbb"), Map.of()).fingerprint());
        assertNotEquals(MANIFEST.fingerprint(), new StageInputs("c0ffee0000000001", MANIFEST.input(), Map.of())
                .fingerprint());
        // The same value under input or under upstream is a different fingerprint.
        assertNotEquals(new StageInputs("h", Map.of("manifest", "x"), Map.of()).fingerprint(),
                new StageInputs("h", Map.of(), Map.of("manifest", "x")).fingerprint());
    }

    @Test
    void sameInputsAreNotAChange() {
        assertEquals(Optional.empty(), MANIFEST.changedSince(recorded(MANIFEST)));
    }

    @Test
    void namesEachChangedPartWithBothValues() {
        StageInputs cut = new StageInputs("c0ffee0000000000",
                Map.of("manifest", "file:/data/manifest.csv", "manifest_sha256", "bbbb"), Map.of());
        assertEquals(Optional.of("input changed: manifest_sha256 aaaa != bbbb"), cut.changedSince(recorded(MANIFEST)));

        StageInputs extract = new StageInputs("c0ffee0000000000", Map.of(), Map.of("manifest", MANIFEST.fingerprint()));
        StageInputs afterCut = new StageInputs("0123456789abcdef", Map.of(), Map.of("manifest", cut.fingerprint()));
        assertEquals(Optional.of("config changed: hash c0ffee0000000000 != 0123456789abcdef; upstream changed: manifest "
                + MANIFEST.fingerprint() + " != " + cut.fingerprint()), afterCut.changedSince(recorded(extract)));

        StageInputs publish = new StageInputs("h", Map.of("warehouse_root", "file:/w"), Map.of("evaluate", "e"));
        StageInputs moved = new StageInputs("h", Map.of("warehouse_root", "hdfs://nn/w", "warehouse_database", "ser"),
                Map.of("evaluate", "e"));
        assertEquals(Optional.of("input changed: warehouse_database (absent) != ser; input changed: warehouse_root "
                + "file:/w != hdfs://nn/w"), moved.changedSince(recorded(publish)));
    }

    @Test
    void aMarkerWithoutAFingerprintIsStale() {
        // Markers written before fingerprints held only config_hash: they never covered the input, so they run again.
        StageInputs.Recorded old = new StageInputs.Recorded(new StageInputs("c0ffee0000000000", Map.of(), Map.of()), null);
        Optional<String> why = MANIFEST.changedSince(old);
        assertTrue(why.isPresent() && why.get().contains("predates input fingerprints"), why.toString());
    }

    @Test
    void sha256IsTheStandardDigest() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                StageInputs.sha256("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
}
