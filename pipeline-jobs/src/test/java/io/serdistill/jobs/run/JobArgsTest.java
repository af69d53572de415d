package io.serdistill.jobs.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.ConfigError;
import io.serdistill.jobs.PipelineJob;
import io.serdistill.jobs.StageRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlays a driver can be given: local files, Hadoop FileSystem URIs and inline text, in command-line order. */
class JobArgsTest {
    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void inlineTextAndFileSystemUrisLoadInCommandLineOrder(@TempDir Path dir) throws Exception {
        Path local = Files.writeString(dir.resolve("a.conf"), "ser.run.seed = 1\nser.run.id = from-local\n");
        Path viaUri = Files.writeString(dir.resolve("b.conf"), "ser.run.seed = 2\n");
        JobArgs args = JobArgs.parse(new String[] {"--conf", local.toString(), "--conf", viaUri.toUri().toString(),
                "--conf-text", "/site/c.conf", base64("ser.run.seed = 3\nser.distill.temperature = 4.5\n")});
        assertEquals(List.of(new JobArgs.Overlay.LocalFile(local), new JobArgs.Overlay.FileSystemFile(viaUri.toUri()),
                new JobArgs.Overlay.Inline("/site/c.conf", "ser.run.seed = 3\nser.distill.temperature = 4.5\n")),
                args.overlays());
        var cfg = args.config();
        assertEquals(3, cfg.run().seed(), "the last overlay wins");
        assertEquals(4.5, cfg.distill().temperature());
        assertEquals("from-local", cfg.run().id());
        // Later sources still win in the other order.
        var reversed = JobArgs.parse(new String[] {"--conf-text", "c.conf", base64("ser.run.seed = 3\n"),
                "--conf", viaUri.toUri().toString()}).config();
        assertEquals(2, reversed.run().seed());
    }

    @Test
    void errorsNameTheOverlayNotATemporaryCopy(@TempDir Path dir) {
        ConfigError syntax = assertThrows(ConfigError.class, () -> JobArgs.parse(new String[] {
                "--conf-text", "/home/me/exp.conf", base64("ser.run {\n  seed = \n")}).config());
        assertEquals("--conf /home/me/exp.conf", syntax.key());
        assertTrue(syntax.getMessage().contains("/home/me/exp.conf") && !syntax.getMessage().contains("ser-conf"),
                syntax.getMessage());
        ConfigError unknownKey = assertThrows(ConfigError.class, () -> JobArgs.parse(new String[] {
                "--conf-text", "exp.conf", base64("ser.run.sede = 3\n")}).config());
        assertEquals("ser.run.sede", unknownKey.key());
        ConfigError missing = assertThrows(ConfigError.class, () -> JobArgs.parse(new String[] {
                "--conf", dir.resolve("nope.conf").toUri().toString()}).config());
        assertEquals("--conf", missing.key());
        assertTrue(missing.getMessage().contains("nope.conf") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        ConfigError scheme = assertThrows(ConfigError.class, () -> JobArgs.parse(new String[] {
                "--conf", "nosuchfs://host/x.conf"}).config());
        assertTrue(scheme.key().startsWith("--conf nosuchfs://host/x.conf"), scheme.key());
        ConfigError notBase64 = assertThrows(ConfigError.class,
                () -> JobArgs.parse(new String[] {"--conf-text", "x.conf", "not base64!"}));
        assertEquals("--conf-text x.conf", notBase64.key());
        assertThrows(IllegalArgumentException.class, () -> JobArgs.parse(new String[] {"--conf-text", "x.conf"}));
    }

    @Test
    void aBadInlineOverlayExitsWithTwoBeforeAnySparkWork() {
        // StageRunner.run reads the configuration before it starts a session: no Spark here.
        assertEquals(2, StageRunner.run(PipelineJob.stages(), new String[] {"--conf-text", "x.conf", base64("ser.nope = 1\n")}));
    }
}
