package io.serdistill.data.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.WavWriter;
import io.serdistill.data.Emotion;
import io.serdistill.data.Folds;
import io.serdistill.data.ManifestParser;
import io.serdistill.data.ManifestRow;
import io.serdistill.data.ManifestValidator;
import io.serdistill.data.Reject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each adapter on a tiny fake tree in its corpus's layout: counts, labels, speakers, merged classes, rejects. */
class CorpusAdaptersTest {
    @TempDir
    Path root;

    private static final byte[] WAV = WavWriter.pcm16(new AudioClip(new float[160], 16000));

    private void wav(String relative) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.write(p, WAV);
    }

    private void text(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private static Map<String, String> labelById(CorpusScan scan) {
        return scan.rows().stream().collect(Collectors.toMap(ManifestRow::uttId, ManifestRow::emotion,
                (a, b) -> a, TreeMap::new));
    }

    private static Map<String, String> reasonById(CorpusScan scan) {
        return scan.rejects().stream().collect(Collectors.toMap(Reject::uttId, r -> r.reason().name(),
                (a, b) -> a, TreeMap::new));
    }

    @Test
    void iemocapKeepsFourClassesMergesExcitedAndNamesSpeakersBySessionAndGender() throws Exception {
        String[][] turns = {
                {"1", "Ses01F_impro01", "Ses01F_impro01_F000", "neu"},
                {"1", "Ses01F_impro01", "Ses01F_impro01_M001", "exc"},
                {"1", "Ses01F_script01_1", "Ses01F_script01_1_F002", "fru"},
                {"2", "Ses02M_impro03", "Ses02M_impro03_M000", "ang"},
                {"2", "Ses02M_impro03", "Ses02M_impro03_F001", "hap"},
                {"3", "Ses03F_impro02", "Ses03F_impro02_F000", "sad"},
                {"3", "Ses03F_impro02", "Ses03F_impro02_M001", "xxx"},
        };
        Map<String, StringBuilder> evals = new TreeMap<>();
        for (String[] t : turns) {
            wav("Session" + t[0] + "/sentences/wav/" + t[1] + "/" + t[2] + ".wav");
            evals.computeIfAbsent("Session" + t[0] + "/dialog/EmoEvaluation/" + t[1] + ".txt",
                    k -> new StringBuilder("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n"))
                    .append("[6.2901 - 8.2357]\t").append(t[2]).append('\t').append(t[3])
                    .append("\t[2.5000, 2.5000, 2.5000]\n")
                    .append("C-E2:\tNeutral;\t()\nA-E3:\tval 3; act 2; dom  2;\t()\n\n");
        }
        for (Map.Entry<String, StringBuilder> e : evals.entrySet()) {
            text(e.getKey(), e.getValue().toString());
        }
        // A labelled turn without audio, audio without a label line, and a macOS resource-fork copy (ignored).
        text("Session4/dialog/EmoEvaluation/Ses04F_impro01.txt", "[1.0 - 2.0]\tSes04F_impro01_F000\tsad\t[1, 2, 3]\n");
        wav("Session5/sentences/wav/Ses05M_impro01/Ses05M_impro01_M000.wav");
        wav("Session1/sentences/wav/Ses01F_impro01/._Ses01F_impro01_F000.wav");
        text("Session1/dialog/transcriptions/Ses01F_impro01.txt", "Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.\n");

        CorpusScan scan = new IemocapAdapter(IemocapAdapter.DEFAULT_LABELS).scan(new LocalCorpusFiles(root));
        assertEquals(Map.of("Ses01F_impro01_F000", "neutral", "Ses01F_impro01_M001", "happy",
                "Ses02M_impro03_M000", "angry", "Ses02M_impro03_F001", "happy", "Ses03F_impro02_F000", "sad"),
                labelById(scan));
        assertEquals(Map.of("Ses01F_script01_1_F002", "UNKNOWN_LABEL", "Ses03F_impro02_M001", "UNKNOWN_LABEL",
                "Ses04F_impro01_F000", "MISSING_FILE", "Ses05M_impro01_M000", "UNKNOWN_LABEL"), reasonById(scan));
        assertEquals(9, scan.seen(), "7 turns + a label without audio + audio without a label");
        ManifestRow m001 = scan.rows().stream().filter(e -> e.uttId().equals("Ses01F_impro01_M001")).findFirst().orElseThrow();
        assertEquals("Ses01_M", m001.speaker());
        assertEquals("Ses01", m001.session());
        assertEquals("en", m001.language());
        assertEquals("iemocap", m001.corpus());
        assertTrue(m001.path().startsWith("file:/") && m001.path().endsWith(
                "Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_M001.wav"), m001.path());
        assertTrue(Files.isRegularFile(Path.of(m001.path().substring("file:".length()))));
    }

    @Test
    void iemocapManifestFeedsTheParserAndLeaveOneSessionOut() throws Exception {
        for (int s = 1; s <= 3; s++) {
            String dialog = "Ses0" + s + "F_impro01";
            StringBuilder eval = new StringBuilder();
            for (String utt : List.of(dialog + "_F000", dialog + "_M000", dialog + "_F001")) {
                wav("Session" + s + "/sentences/wav/" + dialog + "/" + utt + ".wav");
                eval.append("[1.0 - 2.0]\t").append(utt).append("\tang\t[1, 2, 3]\n");
            }
            text("Session" + s + "/dialog/EmoEvaluation/" + dialog + ".txt", eval.toString());
        }
        CorpusScan scan = new IemocapAdapter(IemocapAdapter.DEFAULT_LABELS).scan(new LocalCorpusFiles(root));
        String csv = scan.toCsv();
        assertTrue(csv.startsWith("utt_id,path,language,emotion,speaker,split,corpus,session\n"), csv);
        ManifestValidator.Result parsed = new ManifestParser(List.of("en"), Map.of(), true, corpusRoot()).parse(csv, "file:/run/corpus/manifest.csv");
        assertEquals(9, parsed.entries().size(), parsed.rejects().toString());
        assertEquals(scan.rows().get(0).path(), parsed.entries().get(0).path(), "absolute paths are kept");
        Folds.Definition folds = Folds.define(parsed.entries(), Folds.Scheme.LEAVE_ONE_SESSION_OUT, 5, 1, 0, 42);
        assertEquals(3, folds.folds().size());
        assertEquals(List.of("Ses01_F", "Ses01_M"), folds.selectedFold().testSpeakers());
    }

    @Test
    void cafeKeepsFourEmotionsFromTheFileNameAndChecksTheFolder() throws Exception {
        wav("Neutre/01-N-1-1.wav");
        wav("Joie/Faible/02-J-1-3.wav");
        wav("Joie/Fort/02-J-2-3.wav");
        wav("Cole\u0300re/Fort/03-C-2-1.wav"); // decomposed accent, as unpacked on macOS
        wav("Tristesse/Faible/04-T-1-6.wav");
        wav("Peur/Fort/01-P-2-2.wav");
        wav("Surprise/Faible/01-S-1-2.wav");
        wav("Tristesse/Fort/05-J-2-1.wav"); // folder and letter disagree
        wav("Joie/Fort/joie-take2.wav");
        text("Readme.txt", "AA-E-I-S.wav\n");

        CorpusScan scan = new CafeAdapter(CafeAdapter.DEFAULT_LABELS).scan(new LocalCorpusFiles(root));
        assertEquals(Map.of("cafe_01-N-1-1", "neutral", "cafe_02-J-1-3", "happy", "cafe_02-J-2-3", "happy",
                "cafe_03-C-2-1", "angry", "cafe_04-T-1-6", "sad"), labelById(scan));
        assertEquals(Map.of("cafe_01-P-2-2", "UNKNOWN_LABEL", "cafe_01-S-1-2", "UNKNOWN_LABEL",
                "cafe_05-J-2-1", "UNKNOWN_LABEL", "cafe_joie-take2", "MALFORMED_ROW"), reasonById(scan));
        assertEquals(9, scan.seen(), "every WAV, none of the text files");
        assertEquals(List.of("cafe_01", "cafe_02", "cafe_03", "cafe_04"),
                scan.rows().stream().map(ManifestRow::speaker).distinct().sorted().toList());
        assertTrue(scan.rows().stream().allMatch(e -> e.language().equals("fr") && e.corpus().equals("cafe")));
    }

    @Test
    void fescReadsTheLabelTokenThroughTheConfiguredMap() throws Exception {
        wav("spk01/spk01_ilo_001.wav");
        wav("spk01/spk01_viha_002.wav");
        wav("spk02/spk02-suru-001.wav");
        wav("spk02/spk02_neutraali_003.wav");
        wav("spk02/spk02_pelko_004.wav"); // fear: not one of the four classes
        wav("spk03/spk03_ilo_viha.wav"); // two classes in one name
        wav("loose.wav"); // not in a speaker folder

        CorpusScan scan = new FescAdapter(FescAdapter.DEFAULT_LABELS, -1).scan(new LocalCorpusFiles(root));
        assertEquals(Map.of("fesc_spk01_spk01_ilo_001", "happy", "fesc_spk01_spk01_viha_002", "angry",
                "fesc_spk02_spk02-suru-001", "sad", "fesc_spk02_spk02_neutraali_003", "neutral"), labelById(scan));
        assertEquals(Map.of("fesc_spk02_spk02_pelko_004", "UNKNOWN_LABEL", "fesc_spk03_spk03_ilo_viha", "UNKNOWN_LABEL",
                "fesc_loose", "MALFORMED_ROW"), reasonById(scan));
        assertEquals(7, scan.seen());
        assertEquals(List.of("fesc_spk01", "fesc_spk02"),
                scan.rows().stream().map(ManifestRow::speaker).distinct().sorted().toList());

        // A configured map with a fixed token position: "pelko" becomes usable, the two-label name resolves.
        CorpusScan custom = CorpusAdapter.of("fesc", Map.of("pelko", Emotion.SAD, "ilo", Emotion.HAPPY,
                "viha", Emotion.ANGRY, "suru", Emotion.SAD, "neutraali", Emotion.NEUTRAL), 1).scan(new LocalCorpusFiles(root));
        assertEquals("sad", labelById(custom).get("fesc_spk02_spk02_pelko_004"));
        assertEquals("happy", labelById(custom).get("fesc_spk03_spk03_ilo_viha"));
        assertEquals(1, custom.rejects().size());
    }

    @Test
    void csvQuotesFieldsHoldingCommas() throws Exception {
        wav("spk,1/spk_ilo_1.wav");
        CorpusScan scan = new FescAdapter(FescAdapter.DEFAULT_LABELS, -1).scan(new LocalCorpusFiles(root));
        ManifestValidator.Result parsed = new ManifestParser(List.of("fi"), Map.of(), true, corpusRoot())
                .parse(scan.toCsv(), "file:/run/corpus/manifest.csv");
        assertEquals(1, parsed.entries().size(), parsed.rejects().toString());
        assertEquals("fesc_spk,1", parsed.entries().get(0).speaker());
    }

    @Test
    void scannedRowsGetTheValidationTheirCsvWouldGet() throws Exception {
        wav("Joie/Faible/02-J-1-3.wav");
        wav("Joie/Fort/02-J-1-3.wav"); // same utterance id as the Faible copy
        wav("Neutre/01-N-1-1.wav");
        wav("Tristesse/Faible/04-T-1-6.wav");
        CorpusScan scan = new CafeAdapter(CafeAdapter.DEFAULT_LABELS).scan(new LocalCorpusFiles(root));
        String uri = "file:/run/corpus/manifest.csv";

        ManifestValidator.Result direct = new ManifestValidator(List.of("fr"), Map.of(), true, corpusRoot()).validate(scan.rows(), uri);
        assertEquals(List.of("cafe_02-J-1-3", "cafe_01-N-1-1", "cafe_04-T-1-6"),
                direct.entries().stream().map(e -> e.uttId()).toList());
        assertEquals(List.of("3:cafe_02-J-1-3:DUPLICATE_ID"),
                direct.rejects().stream().map(r -> r.row() + ":" + r.uttId() + ":" + r.reason()).toList());
        assertEquals(4, direct.dataRows());
        assertEquals(new ManifestParser(List.of("fr"), Map.of(), true, corpusRoot()).parse(scan.toCsv(), uri), direct,
                "the run's copy of the manifest, parsed, gives the same entries and rejects");

        ManifestValidator.Result english = new ManifestValidator(List.of("en"), Map.of(), true, corpusRoot()).validate(scan.rows(), uri);
        assertEquals(List.of(), english.entries());
        assertEquals(List.of("UNKNOWN_LANGUAGE"), english.rejects().stream().map(r -> r.reason().name()).distinct().toList());
        assertEquals("language 'fr' is not one of [en] (ser.input.languages)", english.rejects().get(0).message());
    }

    /** The scanned tree is where the rows point, as the manifest stage allows for a scanned corpus. */
    private ManifestValidator.PathRules corpusRoot() {
        return new ManifestValidator.PathRules(List.of(new LocalCorpusFiles(root).uri("")), scheme -> null);
    }
}
