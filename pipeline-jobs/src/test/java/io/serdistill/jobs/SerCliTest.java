package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SerCli returns from main (instead of System.exit) only inside YARN's ApplicationMaster in cluster deploy mode,
 * recognised by the system properties the ApplicationMaster sets before it calls main.
 */
class SerCliTest {
    private static boolean withProperties(Map<String, String> props) {
        Map<String, String> before = new HashMap<>();
        for (String k : props.keySet()) {
            before.put(k, System.getProperty(k));
            System.setProperty(k, props.get(k));
        }
        try {
            return SerCli.inYarnClusterDriver();
        } finally {
            before.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    @Test
    void recognisesOnlyTheYarnClusterDriver() {
        assertFalse(SerCli.inYarnClusterDriver(), "not in tests");
        assertTrue(withProperties(Map.of("spark.master", "yarn", "spark.submit.deployMode", "cluster",
                "spark.yarn.app.id", "application_1_0001")));
        assertFalse(withProperties(Map.of("spark.master", "yarn", "spark.submit.deployMode", "client",
                "spark.yarn.app.id", "application_1_0001")), "client mode: spark-submit's JVM exits with our code");
        assertFalse(withProperties(Map.of("spark.master", "spark://m:7077", "spark.submit.deployMode", "cluster")),
                "standalone: DriverWrapper's JVM exits with our code");
    }
}
