package io.serdistill.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.audio.AudioOptions;
import io.serdistill.audio.ChannelMode;
import io.serdistill.features.FeatureNormalizer;
import io.serdistill.json.Json;
import io.serdistill.representation.Representation;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model card of a model package ({@value #FILE} beside {@value #WEIGHTS}): everything needed to turn a WAV file
 * into this model's input and its output into emotions without the run directory, and to judge the model. Written
 * and read with the project's JSON mapping ({@link Json}); field names are the record components'.
 *
 * @param format             always {@value #FORMAT}
 * @param formatVersion      {@value #FORMAT_VERSION}; a reader refuses versions it does not know
 * @param name               the model's name in its run (teacher-en, student-mtkd-language, reference-linear-multi)
 * @param role               teacher, student or reference
 * @param method             the training method (ft-mono, mtkd-language, reference-linear, …)
 * @param modelKind          the model family and its options ({@link ModelLoaders})
 * @param classes            class labels in output order
 * @param languages          the languages it was trained on
 * @param distillation       how a student was trained (alpha, temperature, teacher weighting); null otherwise
 * @param audio              decoding, channel mixing, resampling and cutting of the input WAV
 * @param representation     the features the model reads (fbank options and pooling, or the wav2vec2 layer/head)
 * @param input              the features the model takes: {@code pooled} (one vector) or {@code frames}
 * @param frameNormalisation the train split's frame statistics when the representation normalises frames globally
 *                           (applied to {@code frames} inputs); null otherwise. Pooled vectors are standardised
 *                           inside the model, by its {@code input_mean}/{@code input_std} tensors
 * @param encoder            the wav2vec2 checkpoint a wav2vec2 representation needs (its config.json and the
 *                           checksum of its model.safetensors), which the user supplies; null for fbank
 * @param metrics            split → language (and {@code all}) → UA/WA/n from the evaluate stage
 * @param provenance         run id, config hash, seed, git commit, when it was trained
 * @param weights            {@value #WEIGHTS}'s checksum, size and tensors, checked on every load
 */
public record ModelCard(String format, int formatVersion, String name, String role, String method,
                        KindSpec modelKind, List<String> classes, List<String> languages,
                        Map<String, Object> distillation, Audio audio, RepresentationSpec representation,
                        String input, FrameNormalisation frameNormalisation, Encoder encoder,
                        Map<String, Map<String, Scores>> metrics, Provenance provenance, Weights weights) {

    public static final String FORMAT = "ser-model-package";
    public static final int FORMAT_VERSION = 1;
    public static final String FILE = "model-card.json";
    public static final String WEIGHTS = "model.safetensors";

    public ModelCard {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modelKind, "modelKind");
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(audio, "audio");
        Objects.requireNonNull(representation, "representation");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(weights, "weights");
        classes = List.copyOf(classes);
        languages = languages == null ? List.of() : List.copyOf(languages);
        metrics = metrics == null ? Map.of() : metrics;
        if (!input.equals(Representation.POOLED) && !input.equals(Representation.FRAMES)) {
            throw new IllegalArgumentException("input must be " + Representation.POOLED + " or "
                    + Representation.FRAMES + ", got " + input);
        }
    }

    /**
     * {@link AudioOptions} as the card writes them: the channel mode in its config spelling ({@code downmix},
     * {@code channel:N}).
     */
    public record Audio(int targetRate, String channelMode, double maxSeconds, double minSeconds) {
        public static Audio of(AudioOptions o) {
            return new Audio(o.targetRate(), o.channelMode().toString(), o.maxSeconds(), o.minSeconds());
        }

        public AudioOptions options() {
            return new AudioOptions(targetRate, ChannelMode.parse(channelMode), maxSeconds, minSeconds);
        }
    }

    /** A model family: its registered id and its {@link io.serdistill.train.ModelKind} record as JSON. */
    public record KindSpec(String id, JsonNode options) {
        public KindSpec {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * A {@link Representation} variant: its record's simple name and the record as JSON, so a new variant needs no
     * change here.
     */
    public record RepresentationSpec(String type, JsonNode options) {
        public RepresentationSpec {
            Objects.requireNonNull(type, "type");
        }

        public static RepresentationSpec of(Representation representation) throws IOException {
            return new RepresentationSpec(representation.getClass().getSimpleName(),
                    Json.object(Json.compact(representation)));
        }

        /** The variant named {@link #type}, read back; {@code source} names the package in errors. */
        public Representation representation(String source) throws IOException {
            for (Class<?> variant : Representation.class.getPermittedSubclasses()) {
                if (variant.getSimpleName().equals(type)) {
                    try {
                        return (Representation) Json.read(Json.compact(options == null ? Json.newObject() : options),
                                variant, source + " representation");
                    } catch (IOException | RuntimeException e) {
                        throw new PackageError(source, "representation " + type + " does not load: " + e.getMessage(), e);
                    }
                }
            }
            throw new PackageError(source, "representation '" + type + "' is not one this version knows");
        }
    }

    /** Global CMVN of frames (features/{table}_stats.json of the run): population mean and variance per column. */
    public record FrameNormalisation(long frames, boolean normalizeVariance, double[] mean, double[] variance) {
        public FeatureNormalizer normalizer() {
            return normalizeVariance ? FeatureNormalizer.meanAndVariance(mean, variance)
                    : FeatureNormalizer.meanOnly(mean);
        }
    }

    /**
     * The wav2vec2 checkpoint the representation runs (not in the package: the user supplies the directory).
     *
     * @param checkpoint  the weights file's name in that directory
     * @param sha256      its checksum when the packaging machine could read it, else null (then unchecked)
     * @param config      its config.json
     * @param trainedWith the directory the run read it from
     */
    public record Encoder(String checkpoint, String sha256, ObjectNode config, String trainedWith) {}

    /** UA and WA in [0, 1] over n utterances. */
    public record Scores(double ua, double wa, long n) {}

    public record Provenance(String runId, String configHash, long seed, String gitCommit, String created) {}

    /** The weights file: its SHA-256, its size in bytes, and every tensor's shape by name, in file order. */
    public record Weights(String file, String sha256, long bytes, Map<String, List<Long>> tensors) {
        public Weights {
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(tensors, "tensors");
        }
    }

    /** The card as the package's {@value #FILE} holds it. */
    public String toJson() {
        return Json.pretty(this) + "\n";
    }

    /** Reads a card; {@code source} names the package in errors. */
    public static ModelCard parse(String json, String source) throws PackageError {
        ModelCard card;
        try {
            card = Json.read(json, ModelCard.class, source + "/" + FILE);
        } catch (IOException | RuntimeException e) {
            throw new PackageError(source, FILE + " is not a model card: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(card.format())) {
            throw new PackageError(source, FILE + " is not a " + FORMAT + " card (format " + card.format() + ")");
        }
        if (card.formatVersion() != FORMAT_VERSION) {
            throw new PackageError(source, FILE + " has format version " + card.formatVersion() + "; this version"
                    + " reads version " + FORMAT_VERSION);
        }
        return card;
    }

    /** The mean dev UA over {@code languages} (each must have dev scores), or NaN when some are missing. */
    public double meanUa(String split, List<String> languages) {
        Map<String, Scores> bySplit = metrics.get(split);
        if (bySplit == null || languages.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        for (String l : languages) {
            Scores s = bySplit.get(l);
            if (s == null) {
                return Double.NaN;
            }
            sum += s.ua();
        }
        return sum / languages.size();
    }
}
