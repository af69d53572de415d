package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the config names is checked at launch, before the Spark session or any stage: each unreachable input exits 2
 * naming its key, and nothing is written. A failure's one-line error names its root cause.
 */
class PreflightTest {
    @TempDir
    Path tmp;

    record Launch(int code, String stderr) {}

    private Launch launch(Map<String, String> extra) throws IOException {
        Path manifest = tmp.resolve("manifest.csv");
        Files.writeString(manifest, "utt_id,path,language,label\n");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "pre");
        o.put("ser.output.root", "file://" + tmp.resolve("runs"));
        o.put("ser.input.manifest", manifest.toUri().toString());
        o.putAll(extra);
        List<String> args = new ArrayList<>();
        o.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + (v.startsWith("[") ? v : "\"" + v + "\""));
        });
        PrintStream before = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = StageRunner.run(PipelineJob.stages(), args.toArray(String[]::new));
        } finally {
            System.setErr(before);
        }
        return new Launch(code, err.toString(StandardCharsets.UTF_8));
    }

    private void assertRefused(String key, String says, Map<String, String> extra) throws IOException {
        Launch l = launch(extra);
        assertEquals(2, l.code(), l.stderr());
        assertTrue(l.stderr().contains("config key '" + key + "'"), l.stderr());
        assertTrue(l.stderr().contains(says), l.stderr());
        assertFalse(Files.exists(tmp.resolve("runs/pre")), "nothing written: " + l.stderr());
    }

    @Test
    void unreachableInputsExitTwoNamingTheKeyBeforeAnyWork() throws IOException {
        assertRefused("ser.input.manifest", "does not exist",
                Map.of("ser.input.manifest", tmp.resolve("nowhere.csv").toUri().toString()));
        assertRefused("ser.input.manifest", "cannot be reached", Map.of("ser.input.manifest", "bogus://x/manifest.csv"));
        assertRefused("ser.output.root", "cannot be reached", Map.of("ser.output.root", "bogus://x/out"));
        assertRefused("ser.warehouse.root", "cannot be reached", Map.of("ser.warehouse.root", "bogus://x/w"));
        assertRefused("ser.features.wav2vec2.model-dir", "it does not exist", Map.of("ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", tmp.resolve("no-model").toString()));
        assertRefused("ser.evaluate.splits", "at least one split", Map.of("ser.evaluate.splits", "[]"));
    }

    @Test
    void theOneLineErrorNamesTheRootCause() {
        Exception diskFull = new SparkException("Job aborted due to stage failure: Task 3 in stage 7.0 failed 1 times\n"
                + "   at org.apache.spark...", new RuntimeException("Task failed while writing rows.",
                new IOException("No space left on device")));
        assertEquals("Job aborted due to stage failure: Task 3 in stage 7.0 failed 1 times (root cause: "
                + "java.io.IOException: No space left on device)", Failures.oneLine(diskFull));
        assertEquals("extract lost rows", Failures.oneLine(new IllegalStateException("extract lost rows")));
        assertEquals("java.lang.NullPointerException", Failures.oneLine(new NullPointerException()),
                "never 'null'");
        assertEquals("could not write x: No space left on device", Failures.oneLine(
                new IOException("could not write x: No space left on device", new IOException("No space left on device"))),
                "said once when the message already names it");
    }
}
