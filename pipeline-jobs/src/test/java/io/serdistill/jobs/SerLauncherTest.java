package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** submit/ser in its submit modes, run through bash: the spark-submit command it builds and its exit codes. */
class SerLauncherTest {
    static final Map<String, String> YARN = Map.of("SER_JAR", "/opt/ser/ser-cluster.jar", "SER_GIT_COMMIT", "abc123");

    @Test
    void printsASparkSubmitOfTheCliWithTheConfigShipped() throws Exception {
        Launcher.Submit s = Launcher.printSubmit(YARN, "evaluate", "--set", "run.id={{ ds }}", "--force");
        assertEquals("yarn", s.option("--master"));
        assertEquals("cluster", s.option("--deploy-mode"));
        assertEquals("io.serdistill.jobs.SerCli", s.option("--class"));
        assertEquals("/opt/ser/ser-cluster.jar", s.jar());
        assertEquals(Launcher.repoRoot().resolve("conf/application.conf").toString(), s.option("--files"));
        // Cluster deploy mode: the driver runs elsewhere and reads the shipped file by name.
        assertEquals(List.of("evaluate", "--conf", "application.conf", "--set", "run.id={{ ds }}", "--force"), s.appArgs());
        assertEquals("abc123", s.conf().get("spark.yarn.appMasterEnv.SER_GIT_COMMIT"));
        assertEquals("-Djava.awt.headless=true", s.conf().get("spark.driver.extraJavaOptions"));
        assertFalse(String.join(" ", s.appArgs()).contains("resources.gpu"), "no GPUs unless asked");
    }

    @Test
    void asksForGpusOnTrainingStagesOnly() throws Exception {
        Map<String, String> env = Map.of("SER_JAR", "/j.jar", "SER_GPUS_PER_TASK", "2");
        for (String stage : List.of("teachers", "distill", "pipeline")) {
            Launcher.Submit s = Launcher.printSubmit(env, stage, "--set", "run.id=x");
            // The training tasks' ResourceProfile (ser.resources.gpu.*) asks for the GPUs; the caller's --set still wins.
            assertEquals(List.of(stage, "--set", "resources.gpu.per-task=2", "--set", "resources.gpu.discovery-script=./gpu-discovery.sh",
                    "--conf", "application.conf", "--set", "run.id=x"), s.appArgs());
            assertEquals("true", s.conf().get("spark.dynamicAllocation.enabled"), "profiles get executors by dynamic allocation");
            assertEquals("true", s.conf().get("spark.dynamicAllocation.shuffleTracking.enabled"));
            assertNull(s.conf().get("spark.task.resource.gpu.amount"), "not every task of the application needs a GPU");
            assertTrue(s.option("--files").endsWith(",".concat(Launcher.repoRoot().resolve("submit/gpu-discovery.sh").toString())),
                    "the discovery script is shipped: " + s.option("--files"));
        }
        for (String stage : List.of("manifest", "extract", "evaluate", "publish")) {
            Launcher.Submit s = Launcher.printSubmit(env, stage);
            assertNull(s.conf().get("spark.dynamicAllocation.enabled"), stage);
            assertEquals(List.of(stage, "--conf", "application.conf"), s.appArgs());
        }
    }

    @Test
    void kubernetesClientModeKerberosAndExtraSettings(@TempDir Path dir) throws Exception {
        Path overlay = Files.writeString(dir.resolve("exp.conf"), "ser.run.seed = 7\n");
        Map<String, String> env = Map.of("SER_JAR", "/j.jar", "SER_MASTER", "k8s://https://k8s:6443",
                "SER_DEPLOY_MODE", "client", "SER_GPUS_PER_TASK", "1", "SER_PRINCIPAL", "ser@EXAMPLE.COM",
                "SER_KEYTAB", "/etc/ser.keytab", "SER_K8S_IMAGE", "reg/ser:1", "SER_SPARK_CONF",
                "spark.sql.shuffle.partitions=64 spark.kubernetes.namespace=ser", "SER_EXECUTOR_MEMORY", "24g");
        Launcher.Submit s = Launcher.printSubmit(env, "teachers", "--conf", overlay.toString());
        assertEquals("k8s://https://k8s:6443", s.option("--master"));
        assertEquals("client", s.option("--deploy-mode"));
        assertEquals("ser@EXAMPLE.COM", s.option("--principal"));
        assertEquals("/etc/ser.keytab", s.option("--keytab"));
        assertEquals("24g", s.option("--executor-memory"));
        assertTrue(s.appArgs().contains("resources.gpu.per-task=1"), s.appArgs().toString());
        assertEquals("reg/ser:1", s.conf().get("spark.kubernetes.container.image"));
        assertEquals("64", s.conf().get("spark.sql.shuffle.partitions"));
        assertEquals("ser", s.conf().get("spark.kubernetes.namespace"));
        // Client mode: the driver runs here, so config files keep their full paths; later files still win.
        assertEquals(List.of("--conf", Launcher.repoRoot().resolve("conf/application.conf").toString(),
                "--conf", overlay.toRealPath().toString()), s.appArgs().subList(5, 9));
    }

    @Test
    void usageAndConfigurationErrorsExitWithTwo() throws Exception {
        assertEquals(2, Launcher.run(Map.of()).exitCode());
        assertEquals(2, Launcher.run(Map.of(), "--print-submit").exitCode());
        Launcher.Result unknown = Launcher.run(Map.of(), "--print-submit", "soft_targets");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.stderr().contains("unknown stage 'soft_targets'"), unknown.stderr());
        assertEquals(2, Launcher.run(Map.of("SER_GPUS_PER_TASK", "one"), "--print-submit", "teachers").exitCode());
        assertEquals(2, Launcher.run(Map.of("SER_PRINCIPAL", "ser@EXAMPLE.COM"), "--print-submit", "teachers").exitCode());
        assertEquals(2, Launcher.run(Map.of("SER_DEPLOY_MODE", "remote"), "--print-submit", "teachers").exitCode());
        assertEquals(2, Launcher.run(Map.of(), "--print-submit", "evaluate", "--conf", "/no/such.conf").exitCode());
        assertEquals(2, Launcher.run(Map.of("SER_JAR", "/no/such.jar"), "--submit", "evaluate").exitCode());
        assertEquals(0, Launcher.run(Map.of(), "--help").exitCode());
    }

    @Test
    void submitRunsTheCommandItPrintsAndPassesItsExitCodeOn(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("ser-cluster.jar"), "");
        // echo stands in for spark-submit: what it prints is the command the launcher ran.
        Launcher.Result ran = Launcher.run(Map.of("SER_JAR", jar.toString(), "SPARK_SUBMIT", "echo"), "--submit", "publish");
        assertEquals(0, ran.exitCode(), ran.stderr());
        Launcher.Submit printed = Launcher.printSubmit(Map.of("SER_JAR", jar.toString()), "publish");
        assertTrue(ran.stdout().strip().endsWith(jar + " " + String.join(" ", printed.appArgs())), ran.stdout());
        assertTrue(ran.stdout().startsWith("--master yarn --deploy-mode cluster"), ran.stdout());
        Launcher.Result failed = Launcher.run(Map.of("SER_JAR", jar.toString(), "SPARK_SUBMIT", "false"), "--submit", "publish");
        assertEquals(1, failed.exitCode(), "a failed spark-submit fails the launcher");
    }

    @Test
    void gpuDiscoveryFailsWithAReasonWithoutNvidiaSmi(@TempDir Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", Launcher.repoRoot().resolve("submit/gpu-discovery.sh").toString());
        pb.environment().put("PATH", dir + ":/usr/bin:/bin");
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes());
        assertEquals(1, p.waitFor());
        assertTrue(err.contains("nvidia-smi not found"), err);
    }

    @Test
    void gpuDiscoveryListsEveryIndexNvidiaSmiReports(@TempDir Path dir) throws Exception {
        // A stand-in nvidia-smi printing what the real one prints for --query-gpu=index --format=csv,noheader.
        Path smi = Files.writeString(dir.resolve("nvidia-smi"), "#!/bin/sh\nprintf '0\\n1\\n3\\n'\n");
        assertTrue(smi.toFile().setExecutable(true));
        ProcessBuilder pb = new ProcessBuilder("bash", Launcher.repoRoot().resolve("submit/gpu-discovery.sh").toString());
        pb.environment().put("PATH", dir + ":/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor());
        assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\",\"3\"]}", out.strip());
    }
}
