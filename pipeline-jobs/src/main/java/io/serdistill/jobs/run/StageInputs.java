package io.serdistill.jobs.run;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a stage's result depends on, recorded in its completion marker: the config hash, what the stage reads from
 * outside the run ({@code input}: a manifest's SHA-256, a corpus listing, where results are published; see
 * {@link Stage#inputIdentity}) and the fingerprint of the stage before it in the pipeline ({@code upstream}, stage
 * name to fingerprint, "none" when that stage has no marker). The upstream fingerprint chains everything earlier:
 * a changed manifest changes the manifest stage's fingerprint, hence extract's, hence every later stage's, so all of
 * them run again.
 *
 * @param configHash {@link io.serdistill.config.SerConfig#hash()}
 * @param input      the stage's own input identity, name to value
 * @param upstream   the previous stage's name to its fingerprint; empty for the first stage
 */
public record StageInputs(String configHash, Map<String, String> input, Map<String, String> upstream) {
    /** The upstream value when the previous stage has no marker. */
    public static final String NO_MARKER = "none";

    public StageInputs {
        input = Map.copyOf(input);
        upstream = Map.copyOf(upstream);
    }

    /** SHA-256 (16 hex digits, as the config hash) of every part, independent of map order. */
    public String fingerprint() {
        StringBuilder s = new StringBuilder("config_hash=").append(configHash).append('\n');
        new TreeMap<>(input).forEach((k, v) -> s.append("input.").append(k).append('=').append(v).append('\n'));
        new TreeMap<>(upstream).forEach((k, v) -> s.append("upstream.").append(k).append('=').append(v).append('\n'));
        return sha256(s.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /**
     * Why a stage whose marker recorded {@code done} must run again with these inputs, naming each part that
     * changed ("input changed: manifest_sha256 3fa1… != 77c0…"); empty when the marker's fingerprint is this one.
     */
    public Optional<String> changedSince(Recorded done) {
        if (done.fingerprint() == null) {
            return Optional.of("its marker predates input fingerprints (no \"inputs\")");
        }
        if (done.fingerprint().equals(fingerprint())) {
            return Optional.empty();
        }
        List<String> why = new ArrayList<>();
        if (!configHash.equals(done.inputs().configHash())) {
            why.add("config changed: hash " + done.inputs().configHash() + " != " + configHash);
        }
        differences("input changed: ", done.inputs().input(), input, why);
        differences("upstream changed: ", done.inputs().upstream(), upstream, why);
        return Optional.of(why.isEmpty() ? "inputs fingerprint " + done.fingerprint() + " != " + fingerprint()
                : String.join("; ", why));
    }

    private static void differences(String prefix, Map<String, String> before, Map<String, String> now,
                                    List<String> out) {
        TreeSet<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(now.keySet());
        for (String k : keys) {
            String a = before.getOrDefault(k, "(absent)");
            String b = now.getOrDefault(k, "(absent)");
            if (!a.equals(b)) {
                out.add(prefix + k + " " + a + " != " + b);
            }
        }
    }

    /** Hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What a marker holds about its stage's inputs.
     *
     * @param inputs      the parts as recorded (empty maps and a null hash in a marker written before they were)
     * @param fingerprint the marker's "inputs" value; null in a marker written before fingerprints existed
     */
    public record Recorded(StageInputs inputs, String fingerprint) {}
}
