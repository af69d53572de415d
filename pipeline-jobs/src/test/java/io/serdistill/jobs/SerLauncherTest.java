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

    /** The JVM options every driver and executor gets from the launcher, before the site's and the caller's. */
    static final String OWN_OPTIONS = String.join(" ", List.of("--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
            "-Djava.awt.headless=true"));

    static Path siteConf() {
        return Launcher.repoRoot().resolve("conf/application.conf");
    }

    @Test
    void printsASparkSubmitOfTheCliWithTheConfigInline() throws Exception {
        Launcher.Submit s = Launcher.printSubmit(YARN, "evaluate", "--set", "run.id={{ ds }}", "--force");
        assertEquals("yarn", s.option("--master"));
        assertEquals("cluster", s.option("--deploy-mode"));
        assertEquals("io.serdistill.jobs.SerCli", s.option("--class"));
        assertEquals("/opt/ser/ser-cluster.jar", s.jar());
        assertNull(s.option("--files"), "no file has to reach the driver");
        // Cluster deploy mode: the driver runs elsewhere and gets the config's text, named after its file.
        assertEquals(List.of("evaluate", "--conf-text", siteConf().toString(), "--set", "run.id={{ ds }}", "--force"),
                s.appArgsWithoutText());
        assertEquals(List.of(siteConf() + "=" + Files.readString(siteConf())), s.overlays());
        assertEquals(OWN_OPTIONS + " -Dser.git.commit=abc123", s.conf().get("spark.driver.extraJavaOptions"));
        assertEquals(OWN_OPTIONS, s.conf().get("spark.executor.extraJavaOptions"));
        assertFalse(String.join(" ", s.appArgs()).contains("resources.gpu"), "no GPUs unless asked");
    }

    @Test
    void asksForGpusOnTrainingStagesOnly() throws Exception {
        Map<String, String> env = Map.of("SER_JAR", "/j.jar", "SER_GPUS_PER_TASK", "2");
        for (String stage : List.of("teachers", "distill", "pipeline")) {
            Launcher.Submit s = Launcher.printSubmit(env, stage, "--set", "run.id=x");
            // The training tasks' ResourceProfile (ser.resources.gpu.*) asks for the GPUs; the caller's --set still wins.
            assertEquals(List.of(stage, "--set", "resources.gpu.per-task=2", "--set", "resources.gpu.discovery-script=./gpu-discovery.sh",
                    "--conf-text", siteConf().toString(), "--set", "run.id=x"), s.appArgsWithoutText());
            assertEquals("true", s.conf().get("spark.dynamicAllocation.enabled"), "profiles get executors by dynamic allocation");
            assertEquals("true", s.conf().get("spark.dynamicAllocation.shuffleTracking.enabled"));
            // Idle default-profile executors make room for the GPU profile's.
            assertEquals("30s", s.conf().get("spark.dynamicAllocation.executorIdleTimeout"));
            assertEquals("60s", s.conf().get("spark.dynamicAllocation.shuffleTracking.timeout"));
            assertNull(s.conf().get("spark.task.resource.gpu.amount"), "not every task of the application needs a GPU");
            // YARN puts --files into the container's directory before the executor runs the script.
            assertEquals(Launcher.repoRoot().resolve("submit/gpu-discovery.sh").toString(), s.option("--files"));
        }
        for (String stage : List.of("manifest", "extract", "evaluate", "publish")) {
            Launcher.Submit s = Launcher.printSubmit(env, stage);
            assertNull(s.conf().get("spark.dynamicAllocation.enabled"), stage);
            assertNull(s.conf().get("spark.dynamicAllocation.executorIdleTimeout"), stage);
            assertNull(s.option("--files"), stage);
            assertEquals(List.of(stage, "--conf-text", siteConf().toString()), s.appArgsWithoutText());
        }
        // The caller's timeouts win; standalone executors find the script at this checkout's path, not in --files.
        Launcher.Submit own = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_GPUS_PER_TASK", "1",
                "SER_MASTER", "spark://m:7077", "SER_SPARK_CONF", "spark.dynamicAllocation.executorIdleTimeout=5s"), "teachers");
        assertEquals("5s", own.conf().get("spark.dynamicAllocation.executorIdleTimeout"));
        assertEquals("60s", own.conf().get("spark.dynamicAllocation.shuffleTracking.timeout"));
        assertTrue(own.appArgs().contains("resources.gpu.discovery-script=" + Launcher.repoRoot().resolve("submit/gpu-discovery.sh")),
                own.appArgs().toString());
        assertNull(own.option("--files"));
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
        assertTrue(s.appArgs().contains("resources.gpu.discovery-script=/opt/ser-distill/submit/gpu-discovery.sh"),
                "Kubernetes executors run the discovery script from the image: " + s.appArgs());
        assertNull(s.option("--files"));
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
    void configFilesTravelAsPathsInClientModeAsTextInClusterModeAndUrisAsTheyAre(@TempDir Path dir) throws Exception {
        Path overlay = Files.writeString(dir.resolve("exp.conf"), "ser.run.seed = 7\n");
        String uri = "hdfs://nn:8020/ser/conf/site.conf";
        for (String master : List.of("yarn", "spark://m:7077", "k8s://https://k8s:6443")) {
            Map<String, String> env = Map.of("SER_JAR", "local:///opt/ser/ser.jar", "SER_MASTER", master,
                    "SER_K8S_IMAGE", "reg/ser:1", "SER_DEPLOY_MODE", "cluster");
            Launcher.Submit cluster = Launcher.printSubmit(env, "evaluate", "--conf", overlay.toString(), "--conf", uri);
            assertEquals(List.of(siteConf() + "=" + Files.readString(siteConf()), overlay.toRealPath() + "=ser.run.seed = 7\n", uri),
                    cluster.overlays(), master);
            assertNull(cluster.option("--files"), master);
            Map<String, String> client = new java.util.HashMap<>(env);
            client.put("SER_DEPLOY_MODE", "client");
            Launcher.Submit here = Launcher.printSubmit(client, "evaluate", "--conf", overlay.toString(), "--conf", uri);
            assertEquals(List.of(siteConf().toString(), overlay.toRealPath().toString(), uri), here.overlays(), master);
        }
    }

    @Test
    void jvmOptionsAreMergedWithSparkDefaultsAndSerSparkConfNeverReplaced(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("spark-defaults.conf"), String.join("\n",
                "# site settings", "spark.driver.extraJavaOptions   -Dsite.driver=1 -XX:+UseG1GC",
                "spark.executor.extraJavaOptions=-Dsite.executor=1", "spark.executor.memory 8g",
                "spark.executor.memoryOverhead  2g", ""));
        Map<String, String> env = Map.of("SER_JAR", "/j.jar", "SER_MASTER", "spark://m:7077", "SER_GIT_COMMIT", "abc123",
                "SPARK_CONF_DIR", dir.toString(), "SER_SPARK_CONF",
                "spark.driver.extraJavaOptions=-Duser.driver=1 -Duser.two=2\nspark.executor.extraJavaOptions=-Duser.executor=1");
        for (String mode : List.of("client", "cluster")) {
            Map<String, String> e = new java.util.HashMap<>(env);
            e.put("SER_DEPLOY_MODE", mode);
            Launcher.Submit s = Launcher.printSubmit(e, "teachers");
            // Ours first (Java 17 module access even where Spark's launcher adds none: a standalone cluster driver),
            // then the site's, then the caller's, so that later -D settings win.
            assertEquals(OWN_OPTIONS + " -Dser.git.commit=abc123 -Dsite.driver=1 -XX:+UseG1GC -Duser.driver=1 -Duser.two=2",
                    s.conf().get("spark.driver.extraJavaOptions"), mode);
            assertEquals(OWN_OPTIONS + " -Dsite.executor=1 -Duser.executor=1", s.conf().get("spark.executor.extraJavaOptions"), mode);
            assertEquals(1, s.options().stream().filter(o -> o.getValue().startsWith("spark.driver.extraJavaOptions=")).count());
            // The site's memory settings stand: the launcher's defaults apply only where nobody set one.
            assertNull(s.option("--executor-memory"), mode);
            assertNull(s.conf().get("spark.executor.memoryOverhead"), mode);
        }
        // SPARK_HOME/conf when SPARK_CONF_DIR is not set.
        Path home = Files.createDirectories(dir.resolve("spark/conf")).getParent();
        Files.writeString(home.resolve("conf/spark-defaults.conf"), "spark.executor.extraJavaOptions -Dfrom.home=1\n");
        Launcher.Submit h = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SPARK_HOME", home.toString()), "evaluate");
        assertEquals(OWN_OPTIONS + " -Dfrom.home=1", h.conf().get("spark.executor.extraJavaOptions"));
    }

    @Test
    void theGitCommitReachesTheDriverInEveryMasterAndDeployMode() throws Exception {
        for (String master : List.of("yarn", "spark://m:7077", "k8s://https://k8s:6443", "local[2]")) {
            for (String mode : List.of("client", "cluster")) {
                Launcher.Submit s = Launcher.printSubmit(Map.of("SER_JAR", "local:///j.jar", "SER_MASTER", master,
                        "SER_DEPLOY_MODE", mode, "SER_K8S_IMAGE", "i", "SER_GIT_COMMIT", "0123abcd"), "publish");
                assertTrue(s.conf().get("spark.driver.extraJavaOptions").endsWith(" -Dser.git.commit=0123abcd"), master + " " + mode);
            }
        }
    }

    @Test
    void sparkSubmitWaitsForTheApplicationEverywhere() throws Exception {
        Map<String, String> waits = Map.of("yarn", "spark.yarn.submit.waitAppCompletion",
                "spark://m:7077", "spark.standalone.submit.waitAppCompletion",
                "k8s://https://k8s:6443", "spark.kubernetes.submission.waitAppCompletion");
        for (Map.Entry<String, String> w : waits.entrySet()) {
            Map<String, String> env = Map.of("SER_JAR", "local:///j.jar", "SER_MASTER", w.getKey(), "SER_K8S_IMAGE", "i");
            assertEquals("true", Launcher.printSubmit(env, "publish").conf().get(w.getValue()), w.getKey());
            Map<String, String> noWait = new java.util.HashMap<>(env);
            noWait.put("SER_SPARK_CONF", w.getValue() + "=false");
            Launcher.Result r = Launcher.run(noWait, "--print-submit", "publish");
            assertEquals(2, r.exitCode(), w.getKey());
            assertTrue(r.stderr().contains(w.getValue() + "=false"), r.stderr());
        }
    }

    /** A stand-in spark-submit that logs {@code output} on stderr, as Spark's logger does, and exits with {@code code}. */
    private static Path sparkSubmit(Path dir, String output, int code) throws Exception {
        Path log = Files.writeString(dir.resolve("output-" + code + "-" + output.hashCode()), output);
        Path script = Files.writeString(dir.resolve("spark-submit-" + code + "-" + output.hashCode()),
                "#!/bin/sh\ncat '" + log + "' >&2\nexit " + code + "\n");
        assertTrue(script.toFile().setExecutable(true));
        return script;
    }

    @Test
    void standaloneClusterModeExitsWithTheDriversOutcome(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("ser.jar"), "");
        String submitted = "26/12/01 09:00:00 INFO ClientEndpoint: Driver successfully submitted as driver-20261201090000-0000\n"
                + "26/12/01 09:00:05 INFO ClientEndpoint: State of driver-20261201090000-0000 is RUNNING\n";
        Map<String, Integer> expected = Map.of(
                submitted + "26/12/01 09:03:00 INFO ClientEndpoint: State of driver driver-20261201090000-0000 is FINISHED, exiting spark-submit JVM.\n", 0,
                submitted + "26/12/01 09:03:00 INFO ClientEndpoint: State of driver driver-20261201090000-0000 is FAILED, exiting spark-submit JVM.\n", 1,
                submitted + "26/12/01 09:03:00 INFO ClientEndpoint: State of driver driver-20261201090000-0000 is KILLED, exiting spark-submit JVM.\n", 1,
                submitted, 1);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            Launcher.Result r = Launcher.run(Map.of("SER_JAR", jar.toString(), "SER_MASTER", "spark://m:7077",
                    "SPARK_SUBMIT", sparkSubmit(dir, e.getKey(), 0).toString()), "--submit", "publish");
            assertEquals(e.getValue(), r.exitCode(), e.getKey() + r.stderr());
            assertTrue(r.stderr().contains("Driver successfully submitted"), "spark-submit's output is shown: " + r.stderr());
            if (e.getKey().contains("FAILED")) {
                assertTrue(r.stderr().contains("ser: driver driver-20261201090000-0000 ended FAILED"), r.stderr());
            }
        }
        Launcher.Result refused = Launcher.run(Map.of("SER_JAR", jar.toString(), "SER_MASTER", "spark://m:7077",
                "SPARK_SUBMIT", sparkSubmit(dir, "ERROR: Cluster master did not recognize driver-1\n", 255).toString()), "--submit", "publish");
        assertEquals(255, refused.exitCode());
    }

    @Test
    void kubernetesClusterModeExitsWithTheDriverContainersCode(@TempDir Path dir) throws Exception {
        String statuses = "INFO LoggingPodStatusWatcherImpl: Container final statuses:\n\n\n\t container name: spark-kubernetes-driver"
                + "\n\t container image: reg/ser:1\n\t container state: terminated\n\t Exit code: %d\n";
        for (int code : new int[] {0, 1, 2}) {
            Launcher.Result r = Launcher.run(Map.of("SER_JAR", "local:///opt/ser/ser.jar", "SER_MASTER", "k8s://https://k8s:6443",
                    "SER_K8S_IMAGE", "reg/ser:1", "SPARK_SUBMIT", sparkSubmit(dir, String.format(statuses, code), 0).toString()),
                    "--submit", "publish");
            assertEquals(code == 0 ? 0 : 1, r.exitCode(), r.stderr());
        }
        Launcher.Result unknown = Launcher.run(Map.of("SER_JAR", "local:///opt/ser/ser.jar", "SER_MASTER", "k8s://https://k8s:6443",
                "SER_K8S_IMAGE", "reg/ser:1", "SPARK_SUBMIT", sparkSubmit(dir, "INFO Client: Deployed\n", 0).toString()), "--submit", "publish");
        assertEquals(1, unknown.exitCode(), "no final status, no success");
    }

    @Test
    void kubernetesClusterModeNeedsAnUploadPathForLocalFiles(@TempDir Path dir) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models.zip"));
        Map<String, String> k8s = Map.of("SER_JAR", "/opt/ser/ser.jar", "SER_MASTER", "k8s://https://k8s:6443", "SER_K8S_IMAGE", "reg/ser:1");
        Launcher.Result refused = Launcher.run(k8s, "--print-submit", "teachers");
        assertEquals(2, refused.exitCode());
        assertTrue(refused.stderr().contains("/opt/ser/ser.jar") && refused.stderr().contains("SER_K8S_UPLOAD_PATH"), refused.stderr());
        Map<String, String> uploads = new java.util.HashMap<>(k8s);
        uploads.putAll(Map.of("SER_K8S_UPLOAD_PATH", "s3a://bucket/uploads", "SER_K8S_NAMESPACE", "ser",
                "SER_K8S_SERVICE_ACCOUNT", "ser-driver", "SER_ARCHIVES", models + "#models"));
        Launcher.Submit s = Launcher.printSubmit(uploads, "teachers");
        assertEquals("s3a://bucket/uploads", s.conf().get("spark.kubernetes.file.upload.path"));
        assertEquals("ser", s.conf().get("spark.kubernetes.namespace"));
        assertEquals("ser-driver", s.conf().get("spark.kubernetes.authenticate.driver.serviceAccountName"));
        assertEquals(models + "#models", s.option("--archives"));
        // A jar in the image needs no upload path; a local archive still does.
        Map<String, String> image = new java.util.HashMap<>(k8s);
        image.put("SER_JAR", "local:///opt/ser/ser.jar");
        assertEquals("local:///opt/ser/ser.jar", Launcher.printSubmit(image, "teachers").jar());
        image.put("SER_ARCHIVES", models.toString());
        assertEquals(2, Launcher.run(image, "--print-submit", "teachers").exitCode());
        image.remove("SER_K8S_IMAGE");
        image.remove("SER_ARCHIVES");
        Launcher.Result noImage = Launcher.run(image, "--print-submit", "teachers");
        assertEquals(2, noImage.exitCode());
        assertTrue(noImage.stderr().contains("SER_K8S_IMAGE"), noImage.stderr());
        assertTrue(Launcher.run(Map.of(), "--help").stdout().contains("/opt/ser-distill/submit/gpu-discovery.sh"),
                "the usage says where Kubernetes executors find the discovery script");
    }

    @Test
    void executorMemoryDefaultsLeaveRoomForNd4jAndArchivesShip(@TempDir Path dir) throws Exception {
        Launcher.Submit yarn = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar"), "teachers");
        assertEquals("4g", yarn.option("--executor-memory"));
        assertEquals("4g", yarn.conf().get("spark.executor.memoryOverhead"));
        assertNull(yarn.option("--archives"));
        Launcher.Submit own = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_EXECUTOR_MEMORY", "12g",
                "SER_EXECUTOR_MEMORY_OVERHEAD", "6g"), "teachers");
        assertEquals("12g", own.option("--executor-memory"));
        assertEquals("6g", own.conf().get("spark.executor.memoryOverhead"));
        Launcher.Submit viaConf = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_SPARK_CONF",
                "spark.executor.memory=3g spark.executor.memoryOverhead=1g"), "teachers");
        assertNull(viaConf.option("--executor-memory"));
        assertEquals("1g", viaConf.conf().get("spark.executor.memoryOverhead"));
        assertEquals("3g", viaConf.conf().get("spark.executor.memory"));
        assertNull(Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_MASTER", "local[2]", "SER_DEPLOY_MODE", "client"),
                "teachers").option("--executor-memory"), "local mode has no executors of its own");

        Path models = Files.createDirectories(dir.resolve("wav2vec2"));
        Launcher.Submit archives = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_ARCHIVES",
                models + "#w2v,hdfs://nn/models/hubert.zip#hubert"), "extract");
        assertEquals(models.toRealPath() + "#w2v,hdfs://nn/models/hubert.zip#hubert", archives.option("--archives"));
        Launcher.Result missing = Launcher.run(Map.of("SER_JAR", "/j.jar", "SER_ARCHIVES", "/no/such.zip#m"), "--print-submit", "extract");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.stderr().contains("/no/such.zip"), missing.stderr());
    }

    @Test
    void serSparkConfTakesOneSettingPerLineAndRefusesWhatItCannotSplit() throws Exception {
        Launcher.Submit lines = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_SPARK_CONF",
                "spark.executor.extraJavaOptions=-Da -Db\n  # a comment\n\nspark.sql.shuffle.partitions = 8\nspark.yarn.tags=a b\n"), "evaluate");
        assertEquals(OWN_OPTIONS + " -Da -Db", lines.conf().get("spark.executor.extraJavaOptions"));
        assertEquals("8", lines.conf().get("spark.sql.shuffle.partitions"));
        assertEquals("a b", lines.conf().get("spark.yarn.tags"));
        // One line: space-separated settings, or one setting whose value has spaces.
        Launcher.Submit words = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_SPARK_CONF",
                "spark.sql.shuffle.partitions=64 spark.yarn.tags=ser"), "evaluate");
        assertEquals("64", words.conf().get("spark.sql.shuffle.partitions"));
        assertEquals("ser", words.conf().get("spark.yarn.tags"));
        Launcher.Submit one = Launcher.printSubmit(Map.of("SER_JAR", "/j.jar", "SER_SPARK_CONF",
                "spark.executor.extraJavaOptions=-Da=1 -Db=2"), "evaluate");
        assertEquals(OWN_OPTIONS + " -Da=1 -Db=2", one.conf().get("spark.executor.extraJavaOptions"));
        for (String[] bad : List.of(new String[] {"spark.yarn.tags=a spark.executor.extraJavaOptions=-Da -Db", "'-Db'"},
                new String[] {"spark.yarn.tags=a\nexecutor.cores=2", "'executor.cores=2'"},
                new String[] {"-Dfoo=1", "'-Dfoo=1'"})) {
            Launcher.Result r = Launcher.run(Map.of("SER_JAR", "/j.jar", "SER_SPARK_CONF", bad[0]), "--print-submit", "evaluate");
            assertEquals(2, r.exitCode(), bad[0]);
            assertTrue(r.stderr().contains("SER_SPARK_CONF entry " + bad[1]), r.stderr());
        }
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
