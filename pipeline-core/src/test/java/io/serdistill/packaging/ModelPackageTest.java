package io.serdistill.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioProblem;
import io.serdistill.audio.ChannelMode;
import io.serdistill.features.FbankOptions;
import io.serdistill.features.Normalization;
import io.serdistill.features.PoolingStat;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.representation.Representation;
import io.serdistill.train.LinearReferenceKind;
import io.serdistill.train.ModelKind;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.Wav2Vec2FineTuneKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPackageTest {
    @TempDir
    Path tmp;

    @Test
    void cardRoundTripsThroughItsJson() throws Exception {
        ModelCard card = TestPackages.write(tmp.resolve("pkg"));
        ModelCard back = ModelCard.parse(Files.readString(tmp.resolve("pkg").resolve(ModelCard.FILE)), "pkg");
        assertEquals(card.toJson(), back.toJson());
        assertEquals(List.of("neutral", "happy", "angry", "sad"), back.classes());
        assertEquals(List.of("en", "fi"), back.languages());
        assertEquals(card.audio().options(), back.audio().options());
        assertEquals(card.representation().representation("pkg"), back.representation().representation("pkg"));
        assertEquals(card.weights().sha256(), back.weights().sha256());
        assertEquals(0.5, back.meanUa("dev", List.of("en")), 0);
        assertTrue(Double.isNaN(back.meanUa("dev", List.of("en", "fi"))), "fi has no dev scores");
        assertEquals(new PooledClassifierKind(List.of(8), 1), ModelLoaders.kind(back.modelKind(), "pkg"));
    }

    @Test
    void everyRepresentationAndModelKindRoundTrips() throws Exception {
        Representation.Wav2Vec2Source src = new Representation.Wav2Vec2Source("/models/w2v", true);
        Representation.FrameHead head = new Representation.FrameHead(HeadSpec.Pooling.values()[0], 64, 256);
        List<Representation> reps = List.of(
                new Representation.Fbank(FbankOptions.defaults(), Normalization.GLOBAL, false,
                        List.of(PoolingStat.MEAN, PoolingStat.STD, PoolingStat.values()[PoolingStat.values().length - 1])),
                new Representation.LayerMeans(src, -1), new Representation.LayerWeights(src, 3),
                new Representation.Frames(src, 5, head), new Representation.FineTune(src, true, head));
        for (Representation r : reps) {
            assertEquals(r, ModelCard.RepresentationSpec.of(r).representation("pkg"), r.toString());
        }
        List<ModelKind> kinds = List.of(new PooledClassifierKind(List.of(16, 8), 2),
                new LinearReferenceKind(List.of(0.1, 1.0, 10.0), 5),
                new Wav2Vec2FineTuneKind("/models/w2v", true, 256, HeadSpec.Pooling.values()[0], 64),
                new Wav2Vec2FrameHeadKind("/models/w2v", HeadSpec.Pooling.values()[0], 64, 256),
                new io.serdistill.train.TdnnKind(80, new io.serdistill.train.TdnnOptions(List.of(32, 32), List.of(5, 3),
                        List.of(1, 2), 16, true, new io.serdistill.train.TdnnOptions.Masking(2, 10, 1, 8))),
                new io.serdistill.train.LanguageInputKind(new PooledClassifierKind(List.of(16), 1), List.of("en", "fi")));
        for (ModelKind k : kinds) {
            assertEquals(k, ModelLoaders.kind(ModelLoaders.spec(k), "pkg"), k.toString());
        }
        ModelCard.Audio a = ModelCard.Audio.of(new io.serdistill.audio.AudioOptions(16_000, ChannelMode.parse("channel:1"), 4, 0));
        assertEquals(ChannelMode.parse("channel:1"), a.options().channelMode());
    }

    @Test
    void tamperedWeightsFailTheChecksumNamingTheFile() throws Exception {
        Path pkg = tmp.resolve("pkg");
        TestPackages.write(pkg);
        byte[] w = Files.readAllBytes(pkg.resolve(ModelCard.WEIGHTS));
        w[w.length - 1] ^= 0x40; // one bit of the last weight
        Files.write(pkg.resolve(ModelCard.WEIGHTS), w);
        PackageError e = assertThrows(PackageError.class, () -> ModelPackage.open(pkg));
        assertTrue(e.getMessage().startsWith(pkg + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains(pkg.resolve(ModelCard.WEIGHTS)
                .toString()), e.getMessage());
    }

    @Test
    void aCardNamingAWrongShapeFailsNamingTheTensor() throws Exception {
        Path pkg = tmp.resolve("pkg");
        TestPackages.write(pkg);
        Path card = pkg.resolve(ModelCard.FILE);
        String json = Files.readString(card);
        // The first hidden layer is 160 x 8; the card now says 160 x 9.
        String shape = "\"w0\": [\n        160,\n        8\n      ]";
        assertTrue(json.contains(shape), json);
        Files.writeString(card, json.replace(shape, "\"w0\": [\n        160,\n        9\n      ]"));
        PackageError e = assertThrows(PackageError.class, () -> ModelPackage.open(pkg));
        assertEquals(pkg + ": tensor 'w0' has shape [160, 8] in model.safetensors, the card says [160, 9]",
                e.getMessage());
    }

    @Test
    void missingFilesAndUnknownKindsAreNamed() throws Exception {
        Path pkg = tmp.resolve("pkg");
        TestPackages.write(pkg);
        String json = Files.readString(pkg.resolve(ModelCard.FILE));
        Files.writeString(pkg.resolve(ModelCard.FILE), json.replace("\"pooled-mlp\"", "\"tdnn-from-the-future\""));
        PackageError kind = assertThrows(PackageError.class, () -> ModelPackage.open(pkg).scorer(Optional.empty()));
        assertTrue(kind.getMessage().contains("model kind 'tdnn-from-the-future' is not one this version loads"),
                kind.getMessage());
        Files.delete(pkg.resolve(ModelCard.WEIGHTS));
        PackageError missing = assertThrows(PackageError.class, () -> ModelPackage.open(pkg));
        assertEquals(pkg + ": no model.safetensors (a model package holds model-card.json and model.safetensors)",
                missing.getMessage());
        PackageError notRun = assertThrows(PackageError.class, () -> ModelPackage.resolve(tmp));
        assertTrue(notRun.getMessage().contains("nor a run directory"), notRun.getMessage());
    }

    @Test
    void aRunDirectoryResolvesToItsDefaultPackage() throws Exception {
        Path run = tmp.resolve("run");
        TestPackages.write(run.resolve("students/x/package"));
        Files.createDirectories(run.resolve("models"));
        Files.writeString(run.resolve(ModelPackage.DEFAULT_POINTER),
                "{\"model\": \"student-x\", \"package\": \"students/x/package\"}");
        assertEquals(run.resolve("students/x/package"), ModelPackage.resolve(run));
        assertEquals(run.resolve("students/x/package"), ModelPackage.resolve(run.resolve("students/x/package")));
    }

    @Test
    void scoresAWavAsTheFeaturesAndModelWould() throws Exception {
        Path dir = tmp.resolve("pkg");
        TestPackages.write(dir);
        ModelPackage pkg = ModelPackage.open(dir);
        PackageScorer scorer = pkg.scorer(Optional.empty());
        Path wav = TestPackages.wav(tmp.resolve("a.wav"), 220);
        Prediction p;
        try (InputStream in = Files.newInputStream(wav)) {
            p = scorer.predict("a", in, Files.size(wav));
        }
        double sum = 0;
        for (double v : p.probabilities()) {
            sum += v;
        }
        assertEquals(1.0, sum, 1e-9);
        assertEquals(1.0, p.seconds(), 1e-9);
        // The same input through the model kind directly gives the same logits, hence the same probabilities.
        float[] input;
        try (InputStream in = Files.newInputStream(wav)) {
            input = scorer.input(in, Files.size(wav)).values();
        }
        assertEquals(160, input.length);
        float[] logits = pkg.kind().load(pkg.weights(), "direct").logits(List.of(input))[0];
        assertArrayEquals(PackageScorer.probabilities(logits), p.probabilities(), 1e-12);
        assertEquals(p.label(), p.top(1).keySet().iterator().next());
        AudioFormatException bad = assertThrows(AudioFormatException.class,
                () -> scorer.predict("bad", new ByteArrayInputStream("not a wav".getBytes()), 9));
        assertEquals(AudioProblem.NOT_WAV, bad.problem());
    }
}
