package io.serdistill.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where manifest rows may point: the manifest's own tree, the allowed roots, and schemes something can read. */
class ManifestValidatorTest {
    private static final String MANIFEST = "file:/data/corpus/manifest.csv";

    private static ManifestValidator.Result parse(ManifestValidator.PathRules rules, String... paths) {
        StringBuilder csv = new StringBuilder("utt_id,path,language,emotion,speaker,split\n");
        for (int i = 0; i < paths.length; i++) {
            csv.append("u").append(i).append(",\"").append(paths[i]).append("\",en,sad,s1,train\n");
        }
        return new ManifestParser(List.of("en"), Map.of(), false, rules).parse(csv.toString(), MANIFEST);
    }

    private static List<String> outcomes(ManifestValidator.Result r) {
        List<String> out = new java.util.ArrayList<>();
        r.entries().forEach(e -> out.add(e.uttId() + " " + e.path()));
        r.rejects().forEach(x -> out.add(x.uttId() + " " + x.reason()));
        out.sort(null);
        return out;
    }

    @Test
    void rowsPointingOutsideTheManifestsTreeAreRejectedNamingThePathAndTheKey() {
        ManifestValidator.Result r = parse(ManifestValidator.PathRules.manifestTreeOnly(),
                "../../etc/passwd", "/etc/passwd", "wav/../a.wav", "file:///data/corpus/b.wav", "/data/corpusX/c.wav",
                "file:/data/corpus/x/../../../etc/passwd", "hdfs://nn/data/corpus/d.wav");
        assertEquals(List.of("u0 OUTSIDE_ROOTS", "u1 OUTSIDE_ROOTS", "u2 file:/data/corpus/wav/../a.wav",
                "u3 file:///data/corpus/b.wav", "u4 OUTSIDE_ROOTS", "u5 OUTSIDE_ROOTS", "u6 OUTSIDE_ROOTS"), outcomes(r));
        Reject passwd = r.rejects().get(0);
        assertEquals(2, passwd.row());
        assertEquals("path '../../etc/passwd' resolves to file:/etc/passwd, outside the manifest's directory "
                + "file:/data/corpus/ and ser.input.allowed-roots []; list its directory in ser.input.allowed-roots "
                + "to read it", passwd.message());
        assertEquals(r.dataRows(), r.entries().size() + r.rejects().size());
    }

    @Test
    void allowedRootsAdmitTheirOwnTreesOnly() {
        ManifestValidator.Result r = parse(new ManifestValidator.PathRules(List.of("file:/mnt/audio/", "hdfs://nn:8020/ser"),
                        scheme -> null),
                "/mnt/audio/spk1/a.wav", "/mnt/audiobooks/b.wav", "hdfs://nn:8020/ser/c.wav",
                "/mnt/audio/../secret/d.wav", "/etc/passwd");
        assertEquals(List.of("u0 file:/mnt/audio/spk1/a.wav", "u1 OUTSIDE_ROOTS", "u2 hdfs://nn:8020/ser/c.wav",
                "u3 OUTSIDE_ROOTS", "u4 OUTSIDE_ROOTS"), outcomes(r));
        assertTrue(r.rejects().get(0).message().contains("[file:/mnt/audio/, hdfs://nn:8020/ser/]"),
                r.rejects().get(0).message());
    }

    @Test
    void aColonInAFileNameIsPartOfARelativePathNotAScheme() {
        ManifestValidator.Result r = parse(ManifestValidator.PathRules.manifestTreeOnly(), "clip:1.wav", "spk:a/b:2.wav");
        assertEquals(List.of("u0 file:/data/corpus/clip:1.wav", "u1 file:/data/corpus/spk:a/b:2.wav"), outcomes(r));
    }

    @Test
    void schemesNothingCanReadAreRejectedBeforeTheRootsWithTheCause() {
        ManifestValidator.PathRules rules = new ManifestValidator.PathRules(List.of(),
                scheme -> scheme.equals("s3a") ? "no FileSystem for scheme \"s3a\" (ClassNotFoundException: S3AFileSystem)"
                        : scheme.startsWith("http") ? "HTTP is not read" : null);
        ManifestValidator.Result r = parse(rules, "s3a://bucket/a.wav", "HTTP://host/b.wav", "ok.wav");
        assertEquals(List.of("u0 UNSUPPORTED_SCHEME", "u1 UNSUPPORTED_SCHEME", "u2 file:/data/corpus/ok.wav"), outcomes(r));
        assertEquals("path 's3a://bucket/a.wav': no FileSystem for scheme \"s3a\" (ClassNotFoundException: S3AFileSystem)",
                r.rejects().get(0).message());
    }

    @Test
    void normalisesSpellingsOfTheSameLocation() {
        assertEquals("file:/a/b/", ManifestValidator.normalize("FILE:///a/./x/../b/"));
        assertEquals("hdfs://nn:8020/x", ManifestValidator.normalize("hdfs://nn:8020/y/../x"));
        assertEquals("file:/../etc", ManifestValidator.normalize("file:/a/../../etc"));
        assertEquals("../x", ManifestValidator.normalize("a/../../x"));
    }
}
