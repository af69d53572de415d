package io.serdistill.jobs.run;

import io.serdistill.config.SerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** What every written model carries so a result can be traced back: run, config, seed, versions, commit. */
public final class Provenance {
    private Provenance() {}

    public static Map<String, String> of(SerConfig cfg, String description) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ser.description", description);
        p.put("ser.run_id", cfg.run().id());
        p.put("ser.seed", Long.toString(cfg.run().seed()));
        p.put("ser.config_hash", cfg.hash());
        p.put("ser.config", cfg.toJson());
        p.put("ser.git_commit", gitCommit());
        p.put("ser.created", java.time.Instant.now().toString());
        p.put("ser.java", System.getProperty("java.version"));
        return p;
    }

    /**
     * The launcher passes the commit as {@code -Dser.git.commit} in the driver's JVM options, which reach the driver
     * in every master and deploy mode; embedded runs also export SER_GIT_COMMIT. "unknown" when run some other way.
     */
    public static String gitCommit() {
        String c = System.getProperty("ser.git.commit");
        if (c == null || c.isBlank()) {
            c = System.getenv("SER_GIT_COMMIT");
        }
        return c == null || c.isBlank() ? "unknown" : c;
    }
}
