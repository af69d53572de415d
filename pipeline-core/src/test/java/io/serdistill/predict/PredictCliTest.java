package io.serdistill.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.audio.AudioClip;
import io.serdistill.audio.Segmentation;
import io.serdistill.json.Json;
import io.serdistill.packaging.ModelCard;
import io.serdistill.packaging.ModelPackage;
import io.serdistill.packaging.PackageScorer;
import io.serdistill.packaging.Prediction;
import io.serdistill.packaging.SegmentedPrediction;
import io.serdistill.packaging.TestPackages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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

    /** The scorer's segmented prediction of {@code wav}, prepared as infer prepares it (read up to 1800 s). */
    static SegmentedPrediction expected(Path pkgDir, Path wav, Segmentation segmentation, String language)
            throws Exception {
        PackageScorer scorer = ModelPackage.open(pkgDir).scorer(Optional.empty());
        AudioClip clip = scorer.recordingPreparer(1800).prepare(Files.readAllBytes(wav));
        return scorer.predict(wav.toString(), clip, segmentation, language).orElseThrow();
    }

    static void assertProbabilities(Prediction want, JsonNode got) {
        assertEquals(want.classes().size(), got.size(), got.toString());
        for (int c = 0; c < want.classes().size(); c++) {
            assertEquals(want.probabilities()[c], got.path(want.classes().get(c)).asDouble(Double.NaN), 1e-5,
                    want.classes().get(c));
        }
    }

    @Test
    void aLongFileGetsTheScorersSegmentsAndAggregateWithInfersDefaults() throws Exception {
        Path wav = TestPackages.longWav(tmp.resolve("call.wav"), 21, 0, 0);
        Result r = run("--model", pkg.toString(), "--json", wav.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().size(), "one JSON line per file");
        JsonNode line = Json.object(r.out().get(0));
        // ser.infer.* defaults: 8 s windows every 4 s; the last (21 - 16 = 5 s >= half a window) is kept.
        SegmentedPrediction want = expected(pkg, wav, new Segmentation.Windows(8, 4), null);
        assertEquals(5, want.segments().size());
        assertEquals(5, line.path("num_segments").asInt());
        JsonNode segments = line.path("segments");
        assertEquals(5, segments.size());
        for (int i = 0; i < 5; i++) {
            SegmentedPrediction.Scored s = want.segments().get(i);
            assertEquals(s.segment().startSeconds(), segments.get(i).path("start_s").asDouble(), 1e-9);
            assertEquals(s.segment().endSeconds(), segments.get(i).path("end_s").asDouble(), 1e-9);
            assertEquals(s.prediction().label(), segments.get(i).path("predicted").asText());
            assertProbabilities(s.prediction(), segments.get(i).path("probabilities"));
        }
        assertEquals(8.0 * 4 + 5.0, line.path("speech_s").asDouble(), 1e-9, "speech-weighted over 8+8+8+8+5 s");
        assertEquals(want.aggregate().label(), line.path("predicted").asText());
        assertProbabilities(want.aggregate(), line.path("probabilities"));
        boolean differ = false;
        for (int i = 1; i < 5; i++) {
            differ |= !segments.get(i).path("probabilities").equals(segments.get(0).path("probabilities"));
        }
        assertTrue(differ, "the windows hear different audio");

        // Text: the file's aggregate line, then one line per segment, every line led by the path.
        Result text = run("--model", pkg.toString(), "--top", "2", wav.toString());
        assertEquals(0, text.code(), text.err());
        assertEquals(6, text.out().size(), text.out().toString());
        String[] file = text.out().get(0).split("\t");
        assertEquals(wav.toString(), file[0]);
        assertEquals(want.aggregate().label(), file[1]);
        assertEquals(2, file[2].split(" ").length);
        assertEquals("aggregate of 5 segments (37.00 s of speech)", file[3]);
        assertEquals("segment 2/5 4.00-12.00 s", text.out().get(2).split("\t")[3]);
        assertEquals("segment 5/5 16.00-21.00 s", text.out().get(5).split("\t")[3]);
    }

    @Test
    void segmentationOptionsAndEnergyVadMatchTheScorer() throws Exception {
        // Silent from 9 s to 12 s: energy-vad cuts there; windows do not.
        Path wav = TestPackages.longWav(tmp.resolve("gap.wav"), 20, 9, 12);
        Result vad = run("--model", pkg.toString(), "--json", "--segmenter", "energy-vad", "--segment-seconds", "6",
                "--segment-hop-seconds", "6", wav.toString());
        assertEquals(0, vad.code(), vad.err());
        JsonNode line = Json.object(vad.out().get(0));
        SegmentedPrediction want = expected(pkg, wav, new Segmentation.EnergyVad(6, 6, 35, 0.25, 0.3), null);
        assertEquals(want.segments().size(), line.path("segments").size());
        for (int i = 0; i < want.segments().size(); i++) {
            SegmentedPrediction.Scored s = want.segments().get(i);
            JsonNode got = line.path("segments").get(i);
            assertEquals(s.segment().startSeconds(), got.path("start_s").asDouble(), 1e-9);
            assertEquals(s.segment().endSeconds(), got.path("end_s").asDouble(), 1e-9);
            assertTrue(got.path("end_s").asDouble() <= 9.0 + 0.03 || got.path("start_s").asDouble() >= 12.0 - 0.03,
                    "no segment inside the silence: " + got);
            assertProbabilities(s.prediction(), got.path("probabilities"));
        }
        assertProbabilities(want.aggregate(), line.path("probabilities"));
        assertEquals(17.0, line.path("speech_s").asDouble(), 0.1, "the 3 s of silence are not speech");

        // A file no longer than --segment-seconds is one utterance: no segments, and the 1 s file's whole-file score.
        Path shortWav = TestPackages.wav(tmp.resolve("short.wav"), 220);
        JsonNode whole = Json.object(run("--model", pkg.toString(), "--json", "--segment-seconds", "1",
                "--segment-hop-seconds", "1", shortWav.toString()).out().get(0));
        assertTrue(whole.path("segments").isMissingNode(), whole.toString());
        assertProbabilities(expected(pkg, shortWav, new Segmentation.Windows(8, 4), null).aggregate(),
                whole.path("probabilities"));

        Result cut = run("--model", pkg.toString(), "--json", "--max-file-seconds", "10", wav.toString());
        assertEquals(0, cut.code(), cut.err());
        JsonNode cutLine = Json.object(cut.out().get(0));
        assertTrue(cutLine.path("cut").asBoolean(), cutLine.toString());
        assertEquals(10.0, cutLine.path("segments").get(cutLine.path("segments").size() - 1).path("end_s").asDouble(),
                1e-9);
    }

    @Test
    void badSegmentationOptionsExit2NamingTheOption() throws Exception {
        Path good = TestPackages.wav(tmp.resolve("good.wav"), 220);
        Result hop = run("--model", pkg.toString(), "--segment-seconds", "4", "--segment-hop-seconds", "5",
                good.toString());
        assertEquals(2, hop.code());
        assertTrue(hop.err().contains("--segment-hop-seconds"), hop.err());
        assertEquals(List.of(), hop.out());
        Result mode = run("--model", pkg.toString(), "--segmenter", "silence", good.toString());
        assertEquals(2, mode.code());
        assertTrue(mode.err().contains("--segmenter") && mode.err().contains("energy-vad"), mode.err());
        Result nan = run("--model", pkg.toString(), "--segment-seconds", "long", good.toString());
        assertEquals(2, nan.code());
        assertTrue(nan.err().contains("--segment-seconds must be a number of seconds, got 'long'"), nan.err());
        Result small = run("--model", pkg.toString(), "--max-file-seconds", "2", good.toString());
        assertEquals(2, small.code());
        assertTrue(small.err().contains("--max-file-seconds"), small.err());
    }

    @Test
    void aLanguageInputPackageTakesTheManifestsOrTheFlagsLanguage() throws Exception {
        Path langPkg = tmp.resolve("lang-pkg");
        TestPackages.writeLanguageInput(langPkg, List.of("en", "fi"));
        Path dir = tmp.resolve("lang");
        Path one = TestPackages.wav(dir.resolve("one.wav"), 200);
        Path two = TestPackages.wav(dir.resolve("two.wav"), 300);
        Path call = TestPackages.longWav(dir.resolve("call.wav"), 13, 0, 0);
        Segmentation windows = new Segmentation.Windows(8, 4);

        Result fi = run("--model", langPkg.toString(), "--json", "--language", "fi", one.toString(), call.toString());
        assertEquals(0, fi.code(), fi.err());
        assertProbabilities(expected(langPkg, one, windows, "fi").aggregate(),
                Json.object(fi.out().get(0)).path("probabilities"));
        SegmentedPrediction callFi = expected(langPkg, call, windows, "fi");
        JsonNode callLine = Json.object(fi.out().get(1));
        assertProbabilities(callFi.aggregate(), callLine.path("probabilities"));
        for (int i = 0; i < callFi.segments().size(); i++) {
            assertProbabilities(callFi.segments().get(i).prediction(), callLine.path("segments").get(i).path("probabilities"));
        }
        Result en = run("--model", langPkg.toString(), "--json", "--language", "en", one.toString());
        assertTrue(!Json.object(en.out().get(0)).path("probabilities").equals(
                Json.object(fi.out().get(0)).path("probabilities")), "the language is an input");

        // The manifest's language column wins over --language; a row without one takes the flag's.
        Files.writeString(dir.resolve("m.csv"), "path,language\none.wav,en\ntwo.wav,\n");
        Result m = run("--model", langPkg.toString(), "--json", "--language", "fi", dir.resolve("m.csv").toString());
        assertEquals(0, m.code(), m.err());
        assertProbabilities(expected(langPkg, one, windows, "en").aggregate(),
                Json.object(m.out().get(0)).path("probabilities"));
        assertProbabilities(expected(langPkg, two, windows, "fi").aggregate(),
                Json.object(m.out().get(1)).path("probabilities"));

        // Without a language, or with one the package does not take: that file fails (exit 1), the others go on.
        Files.writeString(dir.resolve("bad.csv"), "path,language\none.wav,de\ntwo.wav,\nthree.wav,fi\n");
        TestPackages.wav(dir.resolve("three.wav"), 250);
        Result bad = run("--model", langPkg.toString(), dir.resolve("bad.csv").toString());
        assertEquals(1, bad.code(), bad.err());
        assertEquals(1, bad.out().size(), bad.out().toString());
        assertTrue(bad.out().get(0).startsWith(dir.resolve("three.wav") + "\t"), bad.out().toString());
        assertTrue(bad.err().contains(one + ": student-ft-multi-lang takes one of the languages [en, fi] as an input,"
                + " not 'de'"), bad.err());
        assertTrue(bad.err().contains(two + ": student-ft-multi-lang takes the utterance's language as an input, one"
                + " of [en, fi]; none was given"), bad.err());
        Result none = run("--model", langPkg.toString(), "--json", one.toString());
        assertEquals(1, none.code());
        assertTrue(Json.object(none.out().get(0)).path("error").asText().contains("none was given"), none.out().toString());

        // A --language the package does not take is a usage error before any file is read.
        Result flag = run("--model", langPkg.toString(), "--language", "sv", one.toString());
        assertEquals(2, flag.code());
        assertTrue(flag.err().contains("--language: student-ft-multi-lang takes one of the languages [en, fi] as an"
                + " input, not 'sv'"), flag.err());
        assertEquals(List.of(), flag.out());
        // A package without language input ignores the language.
        Result plain = run("--model", pkg.toString(), "--json", "--language", "sv", one.toString());
        assertEquals(0, plain.code(), plain.err());
        assertProbabilities(expected(pkg, one, windows, null).aggregate(),
                Json.object(plain.out().get(0)).path("probabilities"));
    }
}
