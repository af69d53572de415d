package io.serdistill.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The commit a run records comes from the -Dser.git.commit the launcher passes to every driver. */
class ProvenanceTest {
    @Test
    void theCommitComesFromTheSystemPropertyTheLauncherSets() {
        String before = System.getProperty("ser.git.commit");
        try {
            System.setProperty("ser.git.commit", "0123abcd4567");
            assertEquals("0123abcd4567", Provenance.gitCommit());
            System.setProperty("ser.git.commit", " ");
            String env = System.getenv("SER_GIT_COMMIT");
            assertEquals(env == null || env.isBlank() ? "unknown" : env, Provenance.gitCommit(), "a blank property does not count");
        } finally {
            if (before == null) {
                System.clearProperty("ser.git.commit");
            } else {
                System.setProperty("ser.git.commit", before);
            }
        }
    }
}
