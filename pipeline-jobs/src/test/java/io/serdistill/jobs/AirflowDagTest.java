package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.run.Stage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * submit/airflow/ser_distill_dag.py read as text (no Airflow here): each task must submit what
 * {@code submit/ser --print-submit STAGE --set run.id={{ ds }}} prints in cluster deploy mode, on YARN and standalone,
 * with and without GPUs.
 */
class AirflowDagTest {
    static String dag;

    @BeforeAll
    static void read() throws Exception {
        dag = Files.readString(Launcher.repoRoot().resolve("submit/airflow/ser_distill_dag.py"));
    }

    /** (task id, stage, gpu) rows of STAGES. */
    private static List<String[]> stages() {
        List<String[]> rows = new ArrayList<>();
        Matcher m = Pattern.compile("\\(\"(\\w+)\", \"(\\w+)\", (True|False)\\)").matcher(block("STAGES = [", "]"));
        while (m.find()) {
            rows.add(new String[] {m.group(1), m.group(2), m.group(3)});
        }
        return rows;
    }

    /** A dict literal of string keys and values, e.g. COMMON_CONF. */
    private static Map<String, String> dict(String name) {
        Map<String, String> d = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"([^\"]+)\": \"([^\"]*)\"").matcher(block(name + " = {", "}"));
        while (m.find()) {
            d.put(m.group(1), m.group(2));
        }
        return d;
    }

    /** The double-quoted strings of a Python list literal's body. */
    private static List<String> strings(String body) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(body);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String block(String opening, String closing) {
        int start = dag.indexOf(opening);
        assertTrue(start >= 0, "the DAG defines " + opening);
        return dag.substring(start + opening.length(), dag.indexOf("\n" + closing, start));
    }

    /** The first string argument of {@code pattern}'s match, e.g. the default of os.environ.get("SER_JAR", …). */
    private static String group(String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(dag);
        assertTrue(m.find(), "the DAG contains " + pattern);
        return m.group(1);
    }

    @Test
    void tasksAreThePipelineStagesInOrder() {
        assertEquals(PipelineJob.stages().stream().map(Stage::name).toList(), stages().stream().map(r -> r[1]).toList());
        assertTrue(dag.contains("upstream >> downstream"), "tasks are chained in STAGES order");
        assertTrue(dag.matches("(?s).*\"retries\": [1-9].*"), "tasks retry");
    }

    @Test
    void everyTaskSubmitsWhatTheLauncherPrints() throws Exception {
        String jar = group("SER_JAR = os.environ.get\\(\"SER_JAR\", \"([^\"]+)\"\\)");
        String discovery = group("SER_GPU_DISCOVERY = os.environ.get\\(\"SER_GPU_DISCOVERY\", \"([^\"]+)\"\\)");
        String memory = group("SER_EXECUTOR_MEMORY = os.environ.get\\(\"SER_EXECUTOR_MEMORY\", \"([^\"]+)\"\\)");
        String overhead = group("SER_EXECUTOR_MEMORY_OVERHEAD = os.environ.get\\(\"SER_EXECUTOR_MEMORY_OVERHEAD\", \"([^\"]+)\"\\)");
        String javaOptions = String.join(" ", strings(block("JAVA_OPTIONS = \" \".join([", "])")));
        // How the task builds its arguments and settings; the values come from the literals and STAGES.
        assertTrue(dag.contains("gpu = trains and SER_GPUS_PER_TASK > 0"), "GPUs only when asked for");
        assertTrue(dag.contains("SER_GPUS_PER_TASK = int(os.environ.get(\"SER_GPUS_PER_TASK\", \"0\"))"), "no GPUs by default");
        assertTrue(dag.contains("GPU_ARGS = [\"--set\", \"resources.gpu.per-task=%d\" % SER_GPUS_PER_TASK,\n"
                + "            \"--set\", \"resources.gpu.discovery-script=\" + SER_GPU_DISCOVERY]"));
        assertTrue(dag.contains("application_args=[stage] + (GPU_ARGS if gpu else []) + CONF_ARGS + [\"--set\", \"run.id={{ ds }}\"],"));
        assertTrue(dag.contains("CONF_ARGS = conf_args(SER_CONF)"));
        // The same config passing as the launcher's in cluster deploy mode (Launcher.Submit.overlays decodes it).
        assertTrue(dag.contains("return [\"--conf\", conf]"));
        assertTrue(dag.contains("return [\"--conf-text\", conf, base64.b64encode(f.read()).decode(\"ascii\")]"));
        assertTrue(dag.contains("conf={**COMMON_CONF, **WAIT_CONF, **(GPU_CONF if gpu else {})},"));
        assertTrue(dag.contains("\"spark.driver.extraJavaOptions\": JAVA_OPTIONS + \" -Dser.git.commit=\" + SER_GIT_COMMIT,"),
                "the driver learns the commit as the launcher passes it");
        assertTrue(dag.contains("\"spark.executor.extraJavaOptions\": JAVA_OPTIONS,"));
        assertTrue(dag.contains("\"spark.executor.memoryOverhead\": SER_EXECUTOR_MEMORY_OVERHEAD,"));
        assertTrue(dag.contains("executor_memory=SER_EXECUTOR_MEMORY,"));
        assertFalse(dag.contains("env_vars="), "the provider refuses env_vars for a standalone master in cluster mode");
        assertFalse(dag.contains("files="), "nothing has to be shipped");
        assertTrue(dag.contains("deploy_mode=\"cluster\""));

        for (String master : List.of("yarn", "spark://m:7077")) {
            for (String gpus : List.of("0", "1")) {
                Map<String, String> env = Map.of("SER_JAR", jar, "SER_MASTER", master, "SER_DEPLOY_MODE", "cluster",
                        "SER_GPUS_PER_TASK", gpus, "SER_GPU_DISCOVERY", discovery, "SER_GIT_COMMIT", "abc123");
                for (String[] row : stages()) {
                    String stage = row[1];
                    String what = master + " gpus=" + gpus + " " + stage;
                    Launcher.Submit printed = Launcher.printSubmit(env, stage, "--set", "run.id={{ ds }}");
                    assertEquals(printed.jar(), jar, what + ": application");
                    assertEquals(printed.option("--class"), group("java_class=\"([^\"]+)\""), what + ": java_class");
                    assertEquals(printed.option("--executor-memory"), memory, what + ": executor_memory");
                    assertNull(printed.option("--files"), what + ": files");
                    boolean gpu = Boolean.parseBoolean(row[2].toLowerCase()) && !gpus.equals("0");
                    List<String> args = new ArrayList<>(List.of(stage));
                    if (gpu) {
                        args.addAll(List.of("--set", "resources.gpu.per-task=" + gpus, "--set", "resources.gpu.discovery-script=" + discovery));
                    }
                    // The DAG's SER_CONF is the site config, as conf/application.conf is the launcher's.
                    args.addAll(List.of("--conf-text", Launcher.repoRoot().resolve("conf/application.conf").toString(),
                            "--set", "run.id={{ ds }}"));
                    assertEquals(printed.appArgsWithoutText(), args, what + ": application_args");
                    Map<String, String> conf = new LinkedHashMap<>();
                    conf.put("spark.driver.extraJavaOptions", javaOptions + " -Dser.git.commit=abc123");
                    conf.put("spark.executor.extraJavaOptions", javaOptions);
                    conf.put("spark.executor.memoryOverhead", overhead);
                    conf.putAll(dict("WAIT_CONF"));
                    if (gpu) {
                        conf.putAll(dict("GPU_CONF"));
                    }
                    // The DAG does not know the connection's master, so it asks every cluster manager to wait.
                    Map<String, String> launcherConf = new LinkedHashMap<>(printed.conf());
                    conf.keySet().removeIf(k -> k.endsWith("waitAppCompletion") && !launcherConf.containsKey(k));
                    assertEquals(new java.util.TreeMap<>(launcherConf), new java.util.TreeMap<>(conf), what + ": conf");
                }
            }
        }
    }
}
