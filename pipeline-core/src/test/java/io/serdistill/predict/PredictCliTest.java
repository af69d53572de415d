package io.serdistill.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.json.Json;
import io.serdistill.packaging.ModelCard;
import io.serdistill.packaging.TestPackages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictCliTest {
    @TempDir
    Path tmp;
    Path pkg;

    record Result(int code, List<String> out, String err) {}

    @BeforeEach
    void writePackage() throws Exception {
        pkg = tmp.resolve("pkg");
        TestPackages.write(pkg);
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PredictCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        return new Result(code, text.isEmpty() ? List.of() : List.of(text.split("\n")), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBadFileIsReportedAndTheGoodOneStillLabelledThenExit1() throws Exception {
        Path good = TestPackages.wav(tmp.resolve("good.wav"), 220);
        Path bad = tmp.resolve("bad.wav");
        Files.writeString(bad, "this is not audio");
        Result r = run("--model", pkg.toString(), bad.toString(), good.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.out().size(), r.out().toString());
        String[] cols = r.out().get(0).split("\t");
        assertEquals(3, cols.length, r.out().get(0));
        assertEquals(good.toString(), cols[0]);
        assertTrue(List.of("neutral", "happy", "angry", "sad").contains(cols[1]), cols[1]);
        String[] probs = cols[2].split(" ");
        assertEquals(4, probs.length, "every class by default");
        assertTrue(probs[0].startsWith(cols[1] + ":"), "most probable first: " + cols[2]);
        for (String p : probs) {
            assertTrue(Pattern.matches("(neutral|happy|angry|sad):[01]\\.\\d{4}", p), p);
        }
        assertTrue(r.err().startsWith("ser predict: " + bad + ": NOT_WAV: "), r.err());
    }

    @Test
    void jsonLinesWithTopAndErrorObjects() throws Exception {
        Path good = TestPackages.wav(tmp.resolve("good.wav"), 330);
        Result r = run("--model", pkg.toString(), "--json", "--top", "2", tmp.resolve("missing.wav").toString(),
                good.toString());
        assertEquals(1, r.code());
        JsonNode error = Json.object(r.out().get(0));
        assertEquals(tmp.resolve("missing.wav").toString(), error.path("path").asText());
        assertEquals("no such file or directory", error.path("error").asText());
        JsonNode ok = Json.object(r.out().get(1));
        assertEquals(good.toString(), ok.path("path").asText());
        assertEquals(2, ok.path("probabilities").size());
        assertEquals(ok.path("predicted").asText(), ok.path("probabilities").fieldNames().next());
    }

    @Test
    void aDirectoryIsWalkedForAudioAndAManifestGivesAccuracy() throws Exception {
        Path dir = tmp.resolve("audio");
        TestPackages.wav(dir.resolve("b/two.wav"), 300);
        TestPackages.wav(dir.resolve("a/one.WAV"), 200);
        Files.writeString(dir.resolve("notes.txt"), "not audio, not listed");
        Result r = run("--model", pkg.toString(), dir.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(dir.resolve("a/one.WAV").toString(), dir.resolve("b/two.wav").toString()),
                r.out().stream().map(l -> l.split("\t")[0]).toList());

        String predicted = r.out().get(0).split("\t")[1];
        Files.writeString(dir.resolve("m.csv"), "path,emotion\na/one.WAV," + predicted + "\nb/two.wav,\n");
        Result m = run("--model", pkg.toString(), dir.resolve("m.csv").toString());
        assertEquals(0, m.code(), m.err());
        assertEquals(3, m.out().size(), m.out().toString());
        assertEquals("# 1 labelled of 2 files (0 failed): accuracy (WA) 100.0 %, UA 100.0 %", m.out().get(2));
    }

    @Test
    void usageAndModelErrorsExit2() throws Exception {
        Path good = TestPackages.wav(tmp.resolve("good.wav"), 220);
        assertEquals(2, run(good.toString()).code(), "no --model");
        assertEquals(2, run("--model", pkg.toString()).code(), "no inputs");
        assertEquals(2, run("--model", pkg.toString(), "--top", "0", good.toString()).code());
        assertEquals(2, run("--model", pkg.toString(), "--frobnicate", good.toString()).code());
        Result missing = run("--model", tmp.resolve("nope").toString(), good.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains(tmp.resolve("nope") + ": no such directory"), missing.err());
        byte[] w = Files.readAllBytes(pkg.resolve(ModelCard.WEIGHTS));
        w[w.length - 2] ^= 1;
        Files.write(pkg.resolve(ModelCard.WEIGHTS), w);
        Result damaged = run("--model", pkg.toString(), good.toString());
        assertEquals(2, damaged.code());
        assertTrue(damaged.err().contains("SHA-256"), damaged.err());
        assertEquals(List.of(), damaged.out());
    }
}
