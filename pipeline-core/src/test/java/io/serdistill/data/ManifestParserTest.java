package io.serdistill.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
    private final ManifestParser parser = new ManifestParser(List.of("en", "fi"), Map.of("excited", Emotion.HAPPY));
    /** Also reads the roots the tests' absolute paths point into (rows are confined to the manifest's tree). */
    private final ManifestParser wider = new ManifestParser(List.of("en", "fi"), Map.of("excited", Emotion.HAPPY),
            false, new ManifestValidator.PathRules(List.of("hdfs://nn:8020/", "file:/other"), scheme -> null));

    @Test
    void resolvesRelativePathsAgainstTheCsvDirectoryAndKeepsRowNumbers() {
        String csv = "path,language,emotion,speaker,split\n"
                + "a/x.wav,en,angry,s1,train\n"
                + "/abs/y.wav,FI,Sad,s2,test\n"
                + "hdfs://nn:8020/z.wav,en,excited,s3,dev\n";
        ManifestValidator.Result r = wider.parse(csv, "hdfs://nn:8020/data/corpus/manifest.csv");
        assertEquals(3, r.dataRows());
        assertEquals(List.of(), r.rejects());
        ManifestEntry a = r.entries().get(0);
        assertEquals("hdfs://nn:8020/data/corpus/a/x.wav", a.path());
        assertEquals(2, a.row());
        assertEquals("x", a.uttId(), "utt_id derived from the file name");
        assertEquals("hdfs://nn:8020/abs/y.wav", r.entries().get(1).path());
        assertEquals("fi", r.entries().get(1).language());
        assertEquals(Emotion.SAD, r.entries().get(1).emotion());
        assertEquals(Emotion.HAPPY, r.entries().get(2).emotion(), "label map applies");
        assertEquals("hdfs://nn:8020/z.wav", r.entries().get(2).path());
    }

    @Test
    void rejectsBadRowsWithReasonAndRow() {
        String csv = "utt_id,path,language,emotion,speaker,split\n"
                + "u1,a.wav,en,angry,s1,train\n"
                + "u2,b.wav,en,angry\n"
                + "u3,c.wav,de,angry,s1,train\n"
                + "u4,d.wav,en,bored,s1,train\n"
                + "u1,e.wav,en,sad,s1,train\n"
                + "u6,f.wav,en,sad,s1,holdout\n"
                + "u7,,en,sad,s1,train\n"
                + "\n";
        ManifestValidator.Result r = parser.parse(csv, "file:/c/m.csv");
        assertEquals(7, r.dataRows(), "blank lines are not rows");
        assertEquals(1, r.entries().size());
        assertEquals(r.dataRows(), r.entries().size() + r.rejects().size());
        List<String> got = r.rejects().stream().map(x -> x.row() + ":" + x.uttId() + ":" + x.reason()).toList();
        assertEquals(List.of("3:u2:MALFORMED_ROW", "4:u3:UNKNOWN_LANGUAGE", "5:u4:UNKNOWN_LABEL", "6:u1:DUPLICATE_ID",
                "7:u6:MALFORMED_ROW", "8:u7:MALFORMED_ROW"), got);
        assertTrue(r.rejects().get(1).message().contains("'de'"), r.rejects().get(1).message());
        assertTrue(r.rejects().get(2).message().contains("'bored'"), r.rejects().get(2).message());
        assertTrue(r.rejects().get(4).message().contains("holdout"));
    }

    @Test
    void handlesQuotedFieldsAndCrlf() {
        String csv = "path,language,emotion,speaker,split\r\n\"dir, with comma/a \"\"q\"\".wav\",en,happy,s1,train\r\n";
        ManifestValidator.Result r = parser.parse(csv, "file:/m.csv");
        assertEquals("file:/dir, with comma/a \"q\".wav", r.entries().get(0).path());
    }

    @Test
    void headerWithoutRequiredColumnsIsAnErrorNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parser.parse("path,language,emotion\na.wav,en,sad\n", "file:/m.csv"));
        assertTrue(e.getMessage().contains("[speaker, split]") && e.getMessage().contains("file:/m.csv"), e.getMessage());
    }

    @Test
    void malformedRowWithoutIdColumnFallsBackToPathOrNull() {
        ManifestValidator.Result r = parser.parse("path,language,emotion,speaker,split\n,en\n", "file:/m.csv");
        assertNull(r.rejects().get(0).uttId());
    }
    @Test
    void anUnterminatedQuoteRejectsItsOwnLineAndKeepsTheRowsAfterIt() {
        String csv = "utt_id,path,language,emotion,speaker,split\n"
                + "u1,a.wav,en,angry,s1,train\n"
                + "u2,\"b.wav,en,angry,s1,train\n"
                + "u3,c.wav,en,sad,s2,train\n"
                + "u4,\"d, e.wav\",en,sad,s2,test\n"
                + "u5,\"f.wav\"x,en,sad,s2,dev\n"
                + "u6,g.wav,en,sad,s2,dev\n"
                + "u7,\"h.wav,en,sad,s2,dev\n";
        ManifestValidator.Result r = parser.parse(csv, "file:/c/m.csv");
        assertEquals(7, r.dataRows(), "one row per physical line after the header");
        assertEquals(r.dataRows(), r.entries().size() + r.rejects().size());
        assertEquals(List.of("2:u1", "4:u3", "5:u4", "7:u6"),
                r.entries().stream().map(e -> e.row() + ":" + e.uttId()).toList());
        assertEquals("file:/c/d, e.wav", r.entries().get(2).path());
        assertEquals(List.of("3:MALFORMED_ROW", "6:MALFORMED_ROW", "8:MALFORMED_ROW"),
                r.rejects().stream().map(x -> x.row() + ":" + x.reason()).toList());
        assertTrue(r.rejects().get(0).message().contains("quot"), r.rejects().get(0).message());
    }

    @Test
    void headerWithARepeatedColumnIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parser.parse("path,language,emotion,speaker,split,Path\na.wav,en,sad,s1,train,b.wav\n",
                        "file:/m.csv"));
        assertTrue(e.getMessage().contains("repeats column 'path'") && e.getMessage().contains("file:/m.csv"),
                e.getMessage());
    }

    @Test
    void derivedIdsOfSameNamedFilesInDifferentFoldersUseTheirPathRelativeToTheManifest() {
        String csv = "utt_id,path,language,emotion,speaker,split\n"
                + ",spkA/001.wav,en,sad,s1,train\n"
                + ",spkB/001.wav,en,sad,s2,train\n"
                + ",spkA/002.wav,en,sad,s1,train\n"
                + ",/other/spkC/001.wav,en,sad,s3,train\n"
                + ",file:/c/spkD/001.wav,en,sad,s4,train\n"
                + "003,spkA/003.wav,en,sad,s1,train\n"
                + ",spkB/003.wav,en,sad,s2,train\n"
                + ",./spkA/001.wav,en,sad,s1,train\n";
        ManifestValidator.Result r = wider.parse(csv, "file:/c/m.csv");
        assertEquals(List.of("spkA/001", "spkB/001", "002", "other/spkC/001", "spkD/001", "003", "spkB/003"),
                r.entries().stream().map(ManifestEntry::uttId).toList(),
                "a unique file name keeps its id; names shared by several rows get the relative path");
        assertEquals(List.of("9:spkA/001:DUPLICATE_ID"),
                r.rejects().stream().map(x -> x.row() + ":" + x.uttId() + ":" + x.reason()).toList(),
                "the same file written two ways is still a duplicate");
    }
}
