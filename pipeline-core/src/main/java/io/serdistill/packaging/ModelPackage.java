package io.serdistill.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.json.Json;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.SafeTensorsFile;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import io.serdistill.representation.Representation;
import io.serdistill.train.LanguageInputKind;
import io.serdistill.train.ModelKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model package: one directory holding {@value ModelCard#WEIGHTS} and its {@value ModelCard#FILE}
 * ({@link ModelCard}). Loading verifies it: the card parses and is of a known format version, the weights' size and
 * SHA-256 are the card's, and the safetensors header holds exactly the card's tensors with the card's shapes; any
 * failure is a {@link PackageError} naming the package and what is wrong. A loaded package is immutable and may be
 * shared between threads; each thread scores through its own {@link #scorer}.
 *
 * <p>A run directory names its default package in {@value #DEFAULT_POINTER} ({@link #resolve}).
 */
public final class ModelPackage {
    /** Relative to a run directory: {"model": …, "package": path relative to the run directory, …}. */
    public static final String DEFAULT_POINTER = "models/default.json";

    private final String location;
    private final ModelCard card;
    private final byte[] weights;

    private ModelPackage(String location, ModelCard card, byte[] weights) {
        this.location = location;
        this.card = card;
        this.weights = weights;
    }

    /** Reads and verifies the package in directory {@code dir}. */
    public static ModelPackage open(Path dir) throws PackageError {
        String location = dir.toString();
        if (!Files.isDirectory(dir)) {
            throw new PackageError(location, Files.exists(dir) ? "not a directory" : "no such directory");
        }
        Path cardFile = dir.resolve(ModelCard.FILE);
        Path weightsFile = dir.resolve(ModelCard.WEIGHTS);
        for (Path f : List.of(cardFile, weightsFile)) {
            if (!Files.isRegularFile(f)) {
                throw new PackageError(location, "no " + f.getFileName() + " (a model package holds "
                        + ModelCard.FILE + " and " + ModelCard.WEIGHTS + ")");
            }
        }
        try {
            return of(location, Files.readAllBytes(cardFile), Files.readAllBytes(weightsFile));
        } catch (PackageError e) {
            throw e;
        } catch (IOException e) {
            throw new PackageError(location, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Verifies a package read by the caller (from a Hadoop FileSystem, say); {@code location} names it in errors. */
    public static ModelPackage of(String location, byte[] cardJson, byte[] weights) throws PackageError {
        ModelCard card = ModelCard.parse(new String(cardJson, StandardCharsets.UTF_8), location);
        verify(location, card, weights);
        return new ModelPackage(location, card, weights);
    }

    /**
     * The package {@code path} names: a package directory (it holds {@value ModelCard#FILE}), or a run directory,
     * whose {@value #DEFAULT_POINTER} names its default package.
     */
    public static Path resolve(Path path) throws PackageError {
        if (Files.isRegularFile(path.resolve(ModelCard.FILE))) {
            return path;
        }
        Path pointer = path.resolve(DEFAULT_POINTER);
        if (Files.isRegularFile(pointer)) {
            try {
                JsonNode p = Json.object(Files.readString(pointer));
                String pkg = p.path("package").asText("");
                if (pkg.isEmpty()) {
                    throw new PackageError(pointer.toString(), "names no package");
                }
                return path.resolve(pkg);
            } catch (PackageError e) {
                throw e;
            } catch (IOException e) {
                throw new PackageError(pointer.toString(), "cannot read: " + e.getMessage(), e);
            }
        }
        throw new PackageError(path.toString(), Files.isDirectory(path)
                ? "neither a model package (no " + ModelCard.FILE + ") nor a run directory with a default model (no "
                + DEFAULT_POINTER + "; the evaluate stage writes it)"
                : "no such directory");
    }

    /** The card's description of {@code weights}: its checksum, size and tensors (for writing a card). */
    public static ModelCard.Weights describe(byte[] weights, String source) throws IOException {
        Map<String, List<Long>> tensors = new LinkedHashMap<>();
        try (SafeTensorsFile file = SafeTensorsFile.of(weights, source)) {
            List<SafeTensors.Entry> entries = new ArrayList<>();
            for (String name : file.names()) {
                entries.add(file.entry(name));
            }
            entries.sort(java.util.Comparator.comparingLong(SafeTensors.Entry::begin));
            for (SafeTensors.Entry e : entries) {
                tensors.put(e.name(), Arrays.stream(e.shape()).boxed().toList());
            }
        }
        return new ModelCard.Weights(ModelCard.WEIGHTS, Sha256.of(weights), weights.length, tensors);
    }

    private static void verify(String location, ModelCard card, byte[] weights) throws PackageError {
        ModelCard.Weights w = card.weights();
        String file = location + "/" + ModelCard.WEIGHTS;
        if (w.bytes() != weights.length) {
            throw new PackageError(location, ModelCard.WEIGHTS + " has " + weights.length + " bytes, the card says "
                    + w.bytes() + " (" + file + " was changed or damaged)");
        }
        String sha = Sha256.of(weights);
        if (!sha.equals(w.sha256())) {
            throw new PackageError(location, ModelCard.WEIGHTS + " has SHA-256 " + sha + ", the card says "
                    + w.sha256() + " (" + file + " was changed or damaged)");
        }
        Map<String, List<Long>> actual;
        try {
            actual = describe(weights, file).tensors();
        } catch (IOException e) {
            throw new PackageError(location, ModelCard.WEIGHTS + " is not a safetensors file: " + e.getMessage(), e);
        }
        for (Map.Entry<String, List<Long>> e : w.tensors().entrySet()) {
            List<Long> shape = actual.get(e.getKey());
            if (shape == null) {
                throw new PackageError(location, "tensor '" + e.getKey() + "' of the card is missing from "
                        + ModelCard.WEIGHTS);
            }
            if (!shape.equals(e.getValue())) {
                throw new PackageError(location, "tensor '" + e.getKey() + "' has shape " + shape + " in "
                        + ModelCard.WEIGHTS + ", the card says " + e.getValue());
            }
        }
        for (String name : actual.keySet()) {
            if (!w.tensors().containsKey(name)) {
                throw new PackageError(location, ModelCard.WEIGHTS + " holds tensor '" + name
                        + "', which the card does not list");
            }
        }
        if (card.classes().size() < 2) {
            throw new PackageError(location, "the card lists " + card.classes().size() + " classes; need >= 2");
        }
    }

    public String location() {
        return location;
    }

    public ModelCard card() {
        return card;
    }

    /** The verified weights (do not modify). */
    public byte[] weights() {
        return weights;
    }

    /** The model family of the card. */
    public ModelKind kind() throws PackageError {
        try {
            return ModelLoaders.kind(card.modelKind(), location);
        } catch (PackageError e) {
            throw e;
        } catch (IOException e) {
            throw new PackageError(location, e.getMessage(), e);
        }
    }

    /**
     * The representation the card describes, its wav2vec2 checkpoint (if it has one) read from {@code encoderDir}
     * or, when empty, from the directory the run used; that checkpoint's config.json must be the card's and, where
     * the card has its checksum, its weights too.
     */
    public Representation representation(Optional<Path> encoderDir) throws PackageError {
        Representation r;
        try {
            r = card.representation().representation(location);
        } catch (PackageError e) {
            throw e;
        } catch (IOException e) {
            throw new PackageError(location, e.getMessage(), e);
        }
        ModelCard.Encoder enc = card.encoder();
        if (enc == null) {
            return r;
        }
        Path dir = encoderDir.orElse(Path.of(enc.trainedWith()));
        checkEncoder(dir, enc);
        return Wav2Vec2Sources.withModelDir(r, dir.toString());
    }

    private void checkEncoder(Path dir, ModelCard.Encoder enc) throws PackageError {
        String what = "the wav2vec2 checkpoint in " + dir;
        Path config = dir.resolve("config.json");
        Path checkpoint = dir.resolve(enc.checkpoint());
        if (!Files.isRegularFile(config) || !Files.isRegularFile(checkpoint)) {
            throw new PackageError(location, "needs " + what + " (config.json and " + enc.checkpoint()
                    + "; give its directory with --encoder)");
        }
        try {
            Wav2Vec2Config have = Wav2Vec2Config.load(config);
            if (enc.config() != null && !Wav2Vec2Config.parse(Json.compact(enc.config()), location + " encoder config")
                    .equals(have)) {
                throw new PackageError(location, what + ": its config.json differs from the one the model was "
                        + "trained with");
            }
            if (enc.sha256() != null) {
                String sha;
                try (InputStream in = Files.newInputStream(checkpoint)) {
                    sha = Sha256.of(in);
                }
                if (!sha.equals(enc.sha256())) {
                    throw new PackageError(location, what + ": " + enc.checkpoint() + " has SHA-256 " + sha
                            + ", the model was trained on " + enc.sha256());
                }
            }
        } catch (PackageError e) {
            throw e;
        } catch (IOException e) {
            throw new PackageError(location, what + ": " + e.getMessage(), e);
        }
    }

    /** A scorer for the calling thread (see {@link PackageScorer}). */
    public PackageScorer scorer(Optional<Path> encoderDir) throws PackageError {
        Representation r = representation(encoderDir);
        ModelKind.Scorer model;
        ModelKind kind = kind();
        try {
            model = kind.load(weights, location + "/" + ModelCard.WEIGHTS);
        } catch (PackageError e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new PackageError(location, "the weights do not load as " + card.modelKind().id() + ": "
                    + e.getMessage(), e);
        }
        return new PackageScorer(card, r, model,
                kind instanceof LanguageInputKind l ? l.languages() : List.of());
    }

    @Override
    public String toString() {
        return "ModelPackage[" + location + ", " + card.name() + "]";
    }
}
