package io.serdistill.packaging;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.AudioOptions;
import io.serdistill.audio.WavWriter;
import io.serdistill.data.Emotion;
import io.serdistill.features.FbankOptions;
import io.serdistill.features.Normalization;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import io.serdistill.representation.Representation;
import io.serdistill.train.LanguageInputKind;
import io.serdistill.train.PooledClassifierKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A small fbank MLP package and test audio, written the way the evaluate stage writes packages. */
public final class TestPackages {
    private TestPackages() {}

    /** An untrained (seeded) MLP on pooled fbank mean + std, packaged in {@code dir}; returns its card. */
    public static ModelCard write(Path dir) throws IOException {
        Representation.Fbank fbank = new Representation.Fbank(FbankOptions.defaults(), Normalization.NONE, true);
        int dim = 2 * FbankOptions.defaults().numMelBins();
        float[] mean = new float[dim];
        float[] std = new float[dim];
        Arrays.fill(mean, -5f);
        Arrays.fill(std, 2f);
        MlpClassifier mlp = MlpClassifier.initialise(new ClassifierSpec(dim, List.of(8), Emotion.COUNT), mean, std, 3);
        byte[] weights = mlp.toSafeTensors(Map.of("ser.run_id", "test-run"));
        ModelCard card = new ModelCard(ModelCard.FORMAT, ModelCard.FORMAT_VERSION, "student-test", "student",
                "mtkd-language", ModelLoaders.spec(new PooledClassifierKind(List.of(8), 1)), Emotion.labels(),
                List.of("en", "fi"), Map.of("alpha", 0.75), ModelCard.Audio.of(AudioOptions.defaults()),
                ModelCard.RepresentationSpec.of(fbank), Representation.POOLED, null, null,
                Map.of("dev", Map.of("en", new ModelCard.Scores(0.5, 0.625, 32))),
                new ModelCard.Provenance("test-run", "0123456789abcdef", 42, "abc123", "2026-01-01T00:00:00Z"),
                ModelPackage.describe(weights, "test weights"));
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelCard.WEIGHTS), weights);
        Files.writeString(dir.resolve(ModelCard.FILE), card.toJson());
        return card;
    }

    /**
     * An untrained (seeded) MLP that takes pooled fbank mean + std followed by a one-hot of the language in
     * {@code languages} order (an ft-multi-lang student's kind), packaged in {@code dir}; returns its card.
     */
    public static ModelCard writeLanguageInput(Path dir, List<String> languages) throws IOException {
        Representation.Fbank fbank = new Representation.Fbank(FbankOptions.defaults(), Normalization.NONE, true);
        int dim = 2 * FbankOptions.defaults().numMelBins() + languages.size();
        float[] mean = new float[dim];
        float[] std = new float[dim];
        Arrays.fill(mean, -5f);
        Arrays.fill(std, 2f);
        // The one-hot standardised to +-1, so the language moves the logits as much as a feature does.
        Arrays.fill(mean, dim - languages.size(), dim, 0.5f);
        Arrays.fill(std, dim - languages.size(), dim, 0.5f);
        MlpClassifier mlp = MlpClassifier.initialise(new ClassifierSpec(dim, List.of(8), Emotion.COUNT), mean, std, 5);
        byte[] weights = mlp.toSafeTensors(Map.of("ser.run_id", "test-run",
                LanguageInputKind.METADATA, io.serdistill.json.Json.compact(languages)));
        LanguageInputKind kind = new LanguageInputKind(new PooledClassifierKind(List.of(8), 1), languages);
        ModelCard card = new ModelCard(ModelCard.FORMAT, ModelCard.FORMAT_VERSION, "student-ft-multi-lang", "student",
                "ft-multi-lang", ModelLoaders.spec(kind), Emotion.labels(), languages, Map.of("alpha", 1.0),
                ModelCard.Audio.of(AudioOptions.defaults()), ModelCard.RepresentationSpec.of(fbank),
                Representation.POOLED, null, null, Map.of("dev", Map.of(languages.get(0),
                new ModelCard.Scores(0.5, 0.625, 32))),
                new ModelCard.Provenance("test-run", "0123456789abcdef", 42, "abc123", "2026-01-01T00:00:00Z"),
                ModelPackage.describe(weights, "test weights"));
        Files.createDirectories(dir);
        Files.write(dir.resolve(ModelCard.WEIGHTS), weights);
        Files.writeString(dir.resolve(ModelCard.FILE), card.toJson());
        return card;
    }

    /**
     * A {@code seconds}-long 16 kHz PCM16 WAV whose pitch and loudness change every second (so consecutive windows
     * score differently), silent over [silenceFrom, silenceTo) s (an energy-vad gap; equal bounds: no gap).
     */
    public static Path longWav(Path file, int seconds, double silenceFrom, double silenceTo) throws IOException {
        float[] x = new float[16_000 * seconds];
        for (int i = 0; i < x.length; i++) {
            double t = i / 16_000.0;
            int second = i / 16_000;
            if (t >= silenceFrom && t < silenceTo) {
                continue;
            }
            double hz = 120 + 37 * (second % 7);
            double amp = 0.1 + 0.05 * (second % 5);
            x[i] = (float) (amp * Math.sin(2 * Math.PI * hz * t) + 0.3 * amp * Math.sin(2 * Math.PI * 3 * hz * t));
        }
        Files.createDirectories(file.getParent());
        Files.write(file, WavWriter.pcm16(new AudioClip(x, 16_000)));
        return file;
    }

    /** A 1 s 16 kHz PCM16 WAV: a tone of {@code hz} with a little harmonic content. */
    public static Path wav(Path file, double hz) throws IOException {
        float[] x = new float[16_000];
        for (int i = 0; i < x.length; i++) {
            double t = i / 16_000.0;
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * t) + 0.1 * Math.sin(2 * Math.PI * 3 * hz * t));
        }
        Files.createDirectories(file.getParent());
        Files.write(file, WavWriter.pcm16(new AudioClip(x, 16_000)));
        return file;
    }
}
