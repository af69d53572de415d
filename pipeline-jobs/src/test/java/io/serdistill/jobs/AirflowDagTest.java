package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * {@code submit/ser --print-submit STAGE --set run.id={{ ds }}} prints for YARN cluster mode.
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
        List<String> gpuArgs = strings(block("GPU_ARGS = [", "").split("]")[0]);
        String gpus = gpuArgs.get(gpuArgs.indexOf("--set") + 1).replace("resources.gpu.per-task=", "");
        // How the task builds its arguments and settings; the values come from the literals and STAGES.
        assertTrue(dag.contains("application_args=[stage] + (GPU_ARGS if gpu else []) + [\"--conf\", \"application.conf\", "
                + "\"--set\", \"run.id={{ ds }}\"],"));
        assertTrue(dag.contains("conf={**COMMON_CONF, **(GPU_CONF if gpu else {})},"));
        assertTrue(dag.contains("files=\",\".join([SER_CONF] + ([SER_GPU_DISCOVERY] if gpu else [])),"));
        assertTrue(dag.contains("env_vars={\"SER_GIT_COMMIT\": SER_GIT_COMMIT}"), "the driver learns the commit");
        assertTrue(dag.contains("deploy_mode=\"cluster\""));
        assertTrue(group("SER_CONF = os.environ.get\\(\"SER_CONF\", \"([^\"]+)\"\\)").endsWith("/application.conf"));

        Map<String, String> env = Map.of("SER_JAR", jar, "SER_MASTER", "yarn", "SER_DEPLOY_MODE", "cluster",
                "SER_GPUS_PER_TASK", gpus, "SER_GIT_COMMIT", "abc123");
        for (String[] row : stages()) {
            String stage = row[1];
            Launcher.Submit printed = Launcher.printSubmit(env, stage, "--set", "run.id={{ ds }}");
            assertEquals(printed.jar(), jar, stage + ": application");
            assertEquals(printed.option("--class"), group("java_class=\"([^\"]+)\""), stage + ": java_class");
            boolean gpu = Boolean.parseBoolean(row[2].toLowerCase());
            List<String> args = new ArrayList<>(List.of(stage));
            if (gpu) {
                args.addAll(gpuArgs);
            }
            args.addAll(List.of("--conf", "application.conf", "--set", "run.id={{ ds }}"));
            assertEquals(printed.appArgs(), args, stage + ": application_args");
            Map<String, String> conf = new LinkedHashMap<>(dict("COMMON_CONF"));
            if (gpu) {
                conf.putAll(dict("GPU_CONF"));
            }
            Map<String, String> launcherConf = new LinkedHashMap<>(printed.conf());
            // The DAG passes the commit through env_vars, which the Spark provider turns into this setting.
            assertEquals("abc123", launcherConf.remove("spark.yarn.appMasterEnv.SER_GIT_COMMIT"));
            assertEquals(launcherConf, conf, stage + ": conf");
            int shipped = printed.option("--files").split(",").length;
            assertEquals(gpu ? 2 : 1, shipped, stage + ": files");
        }
    }
}
