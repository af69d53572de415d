package io.serdistill.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.serdistill.data.Emotion;
import io.serdistill.distill.TeacherWeighting;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.train.CheckpointPolicy;
import io.serdistill.train.LearningRateSchedule;
import io.serdistill.train.ModelKind;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.TrainingOptions;
import io.serdistill.train.Wav2Vec2FineTuneKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The whole run configuration, typed and validated once at load time. Every error names the offending key.
 * The raw {@link Config} is kept so a run can record exactly what it ran with.
 */
public record SerConfig(
        Run run,
        String outputRoot,
        Spark spark,
        Input input,
        Demo demo,
        Audio audio,
        Features features,
        Training teachers,
        Training student,
        Distill distill,
        List<String> evaluateSplits,
        Resources resources,
        FoldSpec folds,
        Warehouse warehouse,
        Config raw) {

    public record Run(String id, long seed) {}

    public record Spark(String master, String appName, Map<String, String> settings) {}

    /** {@code manifest} empty means the demo corpus is generated (unless {@code corpus} names an adapter). */
    public record Input(String manifest, List<String> languages, Map<String, Emotion> labelMap, Corpus corpus) {}

    /**
     * Where utterances come from. {@code kind}: auto (csv when ser.input.manifest is set, else demo), csv, demo,
     * iemocap, cafe, fesc. {@code labelMap} (keys lower-case) replaces the adapter's default label map when not
     * empty; {@code labelToken} is the 0-based file-name token FESC reads the label from, -1 = any token.
     */
    public record Corpus(String kind, String root, Map<String, Emotion> labelMap, int labelToken) {
        public static final List<String> KINDS = List.of("auto", "csv", "demo", "iemocap", "cafe", "fesc");

        /** True when an adapter scans {@code root} (rather than a manifest CSV being read). */
        public boolean scansFiles() {
            return List.of("iemocap", "cafe", "fesc").contains(kind);
        }
    }

    /**
     * How speakers are split into train/dev/test. {@code scheme}: given (the manifest's split column),
     * leave-one-session-out, leave-one-speaker-out, k-fold; {@code fold} is the fold this run holds out.
     */
    /** {@code all}: run every fold of the scheme (each as a sub-run) and summarise them; else only {@code fold}. */
    public record FoldSpec(String scheme, int k, int devSpeakers, int fold, boolean all, int parallelism) {
        public static final List<String> SCHEMES = List.of("given", "leave-one-session-out", "leave-one-speaker-out",
                "k-fold");
    }

    public record Demo(String dir, long seed, int speakersPerLanguage, int utterancesPerSpeakerPerEmotion) {}

    /** {@code channel} is -1 for downmix, otherwise the 0-based channel to keep. Durations in seconds. */
    public record Audio(int sampleRate, int channel, double maxSeconds, double minSeconds) {}

    /** {@code normalize}: none, utterance (per-utterance CMVN) or global (CMVN from the train split's frames). */
    /**
     * Frozen wav2vec2 features: {@code layer} -1 averages every hidden state's time-mean (uniform layer weighting),
     * k selects hidden state k (0 = after the feature projection / positional conv).
     */
    public record Wav2Vec2(String modelDir, boolean normalize, String store, int batchSize, int layer,
                           boolean layerWeights, String mode, int projectorDim, String pooling, int attentionDim) {
        /** Extraction stores every hidden state's time-mean (MLP heads train on them). */
        public static final String LAYER_MEANS = "layer-means";
        /** Extraction stores the chosen hidden state frame by frame (heads pool the frames). */
        public static final String FRAMES = "frames";
        public static final List<String> STORES = List.of(LAYER_MEANS, FRAMES);
        public static final List<String> POOLINGS = List.of("mean", "attentive-statistics");

        /** {@link #pooling} as the head's pooling. */
        public HeadSpec.Pooling headPooling() {
            return pooling.equals("mean") ? HeadSpec.Pooling.MEAN : HeadSpec.Pooling.ATTENTIVE_STATS;
        }

        /** The encoder stays frozen; extract stores hidden-state means and the models are MLP heads on them. */
        public static final String FROZEN_ENCODER = "frozen-encoder";
        /** The paper's recipe: extract stores the frozen CNN's frames; every model fine-tunes the transformer. */
        public static final String FINETUNE = "finetune";
        public static final List<String> MODES = List.of(FROZEN_ENCODER, FINETUNE);
    }

    public record Features(String kind, int partitions, Fbank fbank, String normalize, boolean normalizeVariance,
                           Wav2Vec2 wav2vec2) {
        public static final List<String> NORMALIZE = List.of("none", "utterance", "global");

        /** wav2vec2 in fine-tuning mode: teachers and students fine-tune the encoder on stored CNN frames. */
        public boolean finetunesWav2Vec2() {
            return kind.equals("wav2vec2") && wav2vec2.mode().equals(Wav2Vec2.FINETUNE);
        }

        /** Frozen wav2vec2 stored frame by frame (store = frames): teachers and students are heads pooling frames. */
        public boolean storesWav2Vec2Frames() {
            return kind.equals("wav2vec2") && !finetunesWav2Vec2() && wav2vec2.store().equals(Wav2Vec2.FRAMES);
        }

        /** Whether models read frame sequences (CNN frames or stored hidden states) rather than pooled vectors. */
        public boolean modelsReadFrames() {
            return finetunesWav2Vec2() || storesWav2Vec2Frames();
        }

        /**
         * The directory under features/ this configuration's features go to: the kind, "wav2vec2-cnn" for the CNN
         * frames of fine-tuning mode, or "wav2vec2-frames" for frozen hidden states frame by frame (other tables than
         * the frozen encoder's hidden-state means).
         */
        public String table() {
            return finetunesWav2Vec2() ? "wav2vec2-cnn" : storesWav2Vec2Frames() ? "wav2vec2-frames" : kind;
        }
    }

    public record Fbank(int numMelBins, double frameLengthMs, double frameShiftMs, double dither) {}

    /**
     * Optimisation settings of one model family (teachers or student); {@code checkpointPolicy} comes from the
     * shared ser.train.checkpoint block.
     */
    public record Training(List<Integer> hidden, int epochs, int batchSize, double learningRate,
                           double weightDecay, int patience, LearningRateSchedule.Shape schedule,
                           double warmupFraction, double clipNorm, boolean classWeighted,
                           CheckpointPolicy checkpointPolicy) {

        /** Plain fine-tuning (alpha = 1) with this family's settings. */
        public TrainingOptions fineTuning(long seed) {
            return new TrainingOptions(hidden, epochs, batchSize, learningRate, weightDecay, patience, schedule,
                    warmupFraction, clipNorm, classWeighted, 1.0, 1.0, null, List.of(), seed, 1, checkpointPolicy);
        }

        /** Distillation from {@code teachers} mixed by {@code weighting}, with this family's settings. */
        public TrainingOptions distillation(double alpha, double temperature, TeacherWeighting weighting,
                                            List<String> teachers, long seed) {
            return new TrainingOptions(hidden, epochs, batchSize, learningRate, weightDecay, patience, schedule,
                    warmupFraction, clipNorm, classWeighted, alpha, temperature, weighting, teachers, seed, 1,
                    checkpointPolicy);
        }
    }

    /** {@code alpha}: CE weight of multi-teacher students; {@code singleTeacherAlpha}: of single-teacher (KD) ones. */
    public record Distill(double temperature, double alpha, double singleTeacherAlpha, double beta, List<String> methods) {}

    /**
     * GPUs per training task (0 = CPU), the executor discovery script and the vendor, for Spark's GPU scheduling; the
     * cores of a training executor (each training task holds them all) and its heap and off-heap memory ("" = the
     * cluster's spark.executor.memory / memoryOverhead).
     */
    public record Resources(int gpuPerTask, String discoveryScript, String vendor, int executorCores,
                            String executorMemory, String executorMemoryOverhead) {}

    /** Where publish appends each run's results; {@code root} is a FileSystem URI or path. */
    public record Warehouse(String root, boolean registerHive, String database, int bootstrapResamples) {}

    public static final List<String> METHODS = io.serdistill.distill.StudentPlan.METHODS;
    public static final List<String> SPLITS = List.of("train", "dev", "test");
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}");
    private static final Pattern SQL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    /**
     * What teachers and students are for these features: an {@link io.serdistill.model.EmotionClassifier} on pooled
     * vectors, wav2vec2 fine-tuned on CNN frames, or a head pooling stored hidden-state frames.
     */
    public ModelKind modelKind() {
        Wav2Vec2 w = features.wav2vec2();
        if (features.finetunesWav2Vec2()) {
            return new Wav2Vec2FineTuneKind(w.modelDir(), w.layerWeights(), w.projectorDim(), w.headPooling(),
                    w.attentionDim());
        }
        if (features.storesWav2Vec2Frames()) {
            return new Wav2Vec2FrameHeadKind(w.modelDir(), w.headPooling(), w.attentionDim(), w.projectorDim());
        }
        return new PooledClassifierKind();
    }

    /** reference.conf only. */
    public static SerConfig defaults() {
        return load(List.of(), Map.of());
    }

    /**
     * Loads reference.conf, then each overlay file in order (later wins), then {@code overrides}
     * ("ser.run.id" → "x"; values parsed as HOCON so lists and numbers work).
     */
    public static SerConfig load(List<Path> overlays, Map<String, String> overrides) {
        Config merged = ConfigFactory.empty();
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            merged = merged.withFallback(parseOverride(o.getKey(), o.getValue()));
        }
        for (int i = overlays.size() - 1; i >= 0; i--) {
            Path p = overlays.get(i);
            if (!Files.isRegularFile(p)) {
                throw new ConfigError("--conf", "file " + p + " does not exist");
            }
            try {
                merged = merged.withFallback(ConfigFactory.parseFile(p.toFile(),
                        ConfigParseOptions.defaults().setAllowMissing(false)));
            } catch (ConfigException e) {
                throw new ConfigError("--conf " + p, e.getMessage(), e);
            }
        }
        Config resolved;
        try {
            // Unresolved reference, so defaults such as ${ser.output.root}"/warehouse" follow the overrides.
            resolved = merged.withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
        } catch (ConfigException e) {
            throw new ConfigError(e.origin() == null ? "ser" : e.origin().description(), e.getMessage(), e);
        }
        return from(resolved);
    }

    /** Parses "key=value" pairs as given on a command line. */
    public static Map.Entry<String, String> splitOverride(String arg) {
        int eq = arg.indexOf('=');
        if (eq <= 0) {
            throw new ConfigError(arg, "an override must look like key=value");
        }
        String key = arg.substring(0, eq).trim();
        return Map.entry(key.startsWith("ser.") ? key : "ser." + key, arg.substring(eq + 1).trim());
    }

    private static Config parseOverride(String key, String value) {
        try {
            return ConfigFactory.parseString(key + " = " + value);
        } catch (ConfigException e) {
            // Not valid HOCON as written (e.g. a URI with ':'): take it as a plain string.
            return ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
        }
    }

    /** Blocks whose keys are free-form (user-named Spark settings, corpus labels). */
    private static final List<String> OPEN_BLOCKS = List.of("ser.spark.settings", "ser.input.label-map",
            "ser.input.corpus.label-map");

    /** Validates a resolved config holding a {@code ser} block. */
    public static SerConfig from(Config c) {
        rejectUnknownKeys(c);
        return build(c);
    }

    /** A misspelt key would otherwise be ignored silently and the default used: name it instead. */
    private static void rejectUnknownKeys(Config c) {
        Config reference = ConfigFactory.defaultReference();
        if (!c.hasPath("ser")) {
            throw new ConfigError("ser", "no ser block in the configuration");
        }
        for (Map.Entry<String, com.typesafe.config.ConfigValue> e : c.getConfig("ser").entrySet()) {
            String key = "ser." + e.getKey();
            if (OPEN_BLOCKS.stream().anyMatch(b -> key.startsWith(b + "."))) {
                continue;
            }
            if (!reference.hasPathOrNull(key)) {
                throw new ConfigError(key, "is not a known setting (misspelt?); see reference.conf for every key");
            }
        }
    }

    private static SerConfig build(Config c) {
        String runId = get(c, "ser.run.id", Config::getString);
        require(RUN_ID.matcher(runId).matches(), "ser.run.id",
                "must be 1-128 characters of letters, digits, '.', '_' or '-', got '" + runId + "'");
        Run run = new Run(runId, get(c, "ser.run.seed", Config::getLong));

        String root = get(c, "ser.output.root", Config::getString);
        require(!root.isBlank(), "ser.output.root", "must not be empty");

        Map<String, String> sparkSettings = new LinkedHashMap<>();
        get(c, "ser.spark.settings", Config::getConfig).entrySet()
                .forEach(e -> sparkSettings.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped())));
        Spark spark = new Spark(get(c, "ser.spark.master", Config::getString), get(c, "ser.spark.app-name", Config::getString), sparkSettings);

        List<String> languages = get(c, "ser.input.languages", Config::getStringList);
        require(!languages.isEmpty(), "ser.input.languages", "must list at least one language");
        for (String lang : languages) {
            require(LANGUAGE.matcher(lang).matches(), "ser.input.languages",
                    "'" + lang + "' is not an ISO 639 code (2-3 lower-case letters)");
        }
        require(languages.stream().distinct().count() == languages.size(), "ser.input.languages",
                "lists a language twice: " + languages);
        Map<String, Emotion> labelMap = labelMap(c, "ser.input.label-map");
        Corpus corpus = new Corpus(get(c, "ser.input.corpus.kind", Config::getString),
                get(c, "ser.input.corpus.root", Config::getString), labelMap(c, "ser.input.corpus.label-map"),
                get(c, "ser.input.corpus.label-token", Config::getInt));
        require(Corpus.KINDS.contains(corpus.kind()), "ser.input.corpus.kind",
                "'" + corpus.kind() + "' is not one of " + Corpus.KINDS);
        require(!corpus.scansFiles() || !corpus.root().isBlank(), "ser.input.corpus.root",
                "must name the corpus directory when ser.input.corpus.kind = " + corpus.kind());
        require(corpus.labelToken() >= -1, "ser.input.corpus.label-token", "must be >= -1 (-1 = any token)");
        Input input = new Input(get(c, "ser.input.manifest", Config::getString), List.copyOf(languages), labelMap, corpus);
        require(!corpus.kind().equals("csv") || !input.manifest().isBlank(), "ser.input.manifest",
                "must name the manifest CSV when ser.input.corpus.kind = csv");

        FoldSpec folds = new FoldSpec(get(c, "ser.folds.scheme", Config::getString), get(c, "ser.folds.k", Config::getInt),
                get(c, "ser.folds.dev-speakers", Config::getInt), get(c, "ser.folds.fold", Config::getInt),
                get(c, "ser.folds.all", Config::getBoolean), get(c, "ser.folds.parallelism", Config::getInt));
        require(folds.parallelism() >= 0, "ser.folds.parallelism", "must be >= 0 (0 = every fold at once)");
        require(FoldSpec.SCHEMES.contains(folds.scheme()), "ser.folds.scheme",
                "'" + folds.scheme() + "' is not one of " + FoldSpec.SCHEMES);
        require(folds.k() >= 2, "ser.folds.k", "must be >= 2, got " + folds.k());
        require(folds.devSpeakers() >= 0, "ser.folds.dev-speakers", "must be >= 0, got " + folds.devSpeakers());
        require(folds.fold() >= 0, "ser.folds.fold", "must be >= 0, got " + folds.fold());
        require(!folds.all() || !folds.scheme().equals("given"), "ser.folds.all",
                "needs a computed ser.folds.scheme (leave-one-session-out, leave-one-speaker-out or k-fold), not given");
        require(!folds.scheme().equals("k-fold") || folds.fold() < folds.k(), "ser.folds.fold",
                "must be below ser.folds.k = " + folds.k() + ", got " + folds.fold());
        require(!corpus.scansFiles() || !folds.scheme().equals("given"), "ser.folds.scheme",
                "must be computed (e.g. leave-one-session-out) when ser.input.corpus.kind = " + corpus.kind()
                        + ": a scanned corpus has no split column");

        Demo demo = new Demo(get(c, "ser.demo.dir", Config::getString), get(c, "ser.demo.seed", Config::getLong),
                get(c, "ser.demo.speakers-per-language", Config::getInt), get(c, "ser.demo.utterances-per-speaker-per-emotion", Config::getInt));
        require(demo.speakersPerLanguage() >= 3, "ser.demo.speakers-per-language",
                "must be at least 3 (train, dev and test speakers), got " + demo.speakersPerLanguage());
        require(demo.utterancesPerSpeakerPerEmotion() >= 1, "ser.demo.utterances-per-speaker-per-emotion",
                "must be at least 1");

        String channel = get(c, "ser.audio.channel", Config::getString);
        int channelIndex;
        if (channel.equals("downmix")) {
            channelIndex = -1;
        } else {
            try {
                channelIndex = Integer.parseInt(channel);
            } catch (NumberFormatException e) {
                throw new ConfigError("ser.audio.channel", "must be \"downmix\" or a channel number, got '" + channel + "'");
            }
            require(channelIndex >= 0, "ser.audio.channel", "channel number must be >= 0, got " + channelIndex);
        }
        Audio audio = new Audio(get(c, "ser.audio.sample-rate", Config::getInt), channelIndex,
                get(c, "ser.audio.max-seconds", Config::getDouble), get(c, "ser.audio.min-seconds", Config::getDouble));
        require(audio.sampleRate() >= 8000 && audio.sampleRate() <= 48000, "ser.audio.sample-rate",
                "must be between 8000 and 48000 Hz, got " + audio.sampleRate());
        require(audio.maxSeconds() >= 0, "ser.audio.max-seconds", "must be >= 0 (0 = no limit)");
        require(audio.minSeconds() > 0, "ser.audio.min-seconds", "must be > 0");
        require(audio.maxSeconds() == 0 || audio.maxSeconds() > audio.minSeconds(), "ser.audio.max-seconds",
                "must exceed ser.audio.min-seconds");

        String kind = get(c, "ser.features.kind", Config::getString);
        require(kind.equals("fbank") || kind.equals("wav2vec2"), "ser.features.kind",
                "'" + kind + "' is not supported; use \"fbank\" or \"wav2vec2\"");
        Wav2Vec2 w2v = new Wav2Vec2(get(c, "ser.features.wav2vec2.model-dir", Config::getString),
                get(c, "ser.features.wav2vec2.normalize", Config::getBoolean),
                get(c, "ser.features.wav2vec2.store", Config::getString),
                get(c, "ser.features.wav2vec2.batch-size", Config::getInt),
                get(c, "ser.features.wav2vec2.layer", Config::getInt),
                get(c, "ser.features.wav2vec2.layer-weights", Config::getBoolean),
                get(c, "ser.features.wav2vec2.mode", Config::getString),
                get(c, "ser.features.wav2vec2.projector-dim", Config::getInt),
                get(c, "ser.features.wav2vec2.pooling", Config::getString),
                get(c, "ser.features.wav2vec2.attention-dim", Config::getInt));
        require(Wav2Vec2.MODES.contains(w2v.mode()), "ser.features.wav2vec2.mode",
                "'" + w2v.mode() + "' is not one of " + Wav2Vec2.MODES);
        require(w2v.projectorDim() > 0, "ser.features.wav2vec2.projector-dim", "must be > 0, got " + w2v.projectorDim());
        if (kind.equals("wav2vec2")) {
            require(!w2v.modelDir().isBlank(), "ser.features.wav2vec2.model-dir",
                    "must name a Hugging Face model directory (config.json + model.safetensors) when ser.features.kind"
                            + " = wav2vec2; nothing is ever downloaded");
        }
        require(Wav2Vec2.STORES.contains(w2v.store()), "ser.features.wav2vec2.store",
                "'" + w2v.store() + "' is not one of " + Wav2Vec2.STORES);
        boolean frames = w2v.store().equals(Wav2Vec2.FRAMES);
        require(!frames || w2v.mode().equals(Wav2Vec2.FROZEN_ENCODER), "ser.features.wav2vec2.store",
                "\"frames\" applies to mode = frozen-encoder only (finetune always stores CNN frames); leave layer-means");
        require(!frames || !w2v.layerWeights(), "ser.features.wav2vec2.layer-weights",
                "is not supported with ser.features.wav2vec2.store = frames (one hidden state, or their average, is"
                        + " stored frame by frame); use store = layer-means for learned layer weights");
        require(Wav2Vec2.POOLINGS.contains(w2v.pooling()), "ser.features.wav2vec2.pooling",
                "'" + w2v.pooling() + "' is not one of " + Wav2Vec2.POOLINGS);
        require(w2v.pooling().equals("mean") || frames || w2v.mode().equals(Wav2Vec2.FINETUNE),
                "ser.features.wav2vec2.pooling", "'" + w2v.pooling() + "' needs frames: use store = frames or mode ="
                        + " finetune (layer-means are already mean pooled)");
        require(w2v.attentionDim() > 0, "ser.features.wav2vec2.attention-dim", "must be > 0, got " + w2v.attentionDim());
        require(w2v.batchSize() == 1, "ser.features.wav2vec2.batch-size",
                "only 1 is supported yet (group-norm models normalise over padding), got " + w2v.batchSize());
        require(w2v.layer() >= -1, "ser.features.wav2vec2.layer", "must be -1 (average of all) or a hidden-state index");
        require(!w2v.mode().equals(Wav2Vec2.FINETUNE) || w2v.layer() == -1, "ser.features.wav2vec2.layer",
                "applies to mode = frozen-encoder only; fine-tuned models pool the last hidden state, or all of them"
                        + " with ser.features.wav2vec2.layer-weights = true; leave layer at -1");
        Fbank fbank = new Fbank(get(c, "ser.features.fbank.num-mel-bins", Config::getInt),
                get(c, "ser.features.fbank.frame-length-ms", Config::getDouble), get(c, "ser.features.fbank.frame-shift-ms", Config::getDouble),
                get(c, "ser.features.fbank.dither", Config::getDouble));
        require(fbank.numMelBins() >= 8 && fbank.numMelBins() <= 256, "ser.features.fbank.num-mel-bins",
                "must be between 8 and 256, got " + fbank.numMelBins());
        require(fbank.frameShiftMs() > 0 && fbank.frameLengthMs() >= fbank.frameShiftMs(),
                "ser.features.fbank.frame-length-ms", "must be >= frame-shift-ms > 0");
        require(fbank.dither() >= 0, "ser.features.fbank.dither", "must be >= 0");
        int partitions = get(c, "ser.features.partitions", Config::getInt);
        require(partitions >= 0, "ser.features.partitions", "must be >= 0 (0 = automatic)");
        String normalize = get(c, "ser.features.normalize", Config::getString);
        require(Features.NORMALIZE.contains(normalize), "ser.features.normalize",
                "'" + normalize + "' is not one of " + Features.NORMALIZE);
        require(kind.equals("fbank") || normalize.equals("none"), "ser.features.normalize",
                "applies to fbank frames only; use none with ser.features.kind = " + kind);
        Features features = new Features(kind, partitions, fbank, normalize,
                get(c, "ser.features.normalize-variance", Config::getBoolean), w2v);

        CheckpointPolicy checkpoints = checkpointPolicy(c);
        Training teachers = training(c, "ser.teachers", checkpoints);
        Training student = training(c, "ser.student", checkpoints);

        Distill distill = new Distill(get(c, "ser.distill.temperature", Config::getDouble), get(c, "ser.distill.alpha", Config::getDouble),
                get(c, "ser.distill.single-teacher-alpha", Config::getDouble),
                get(c, "ser.distill.beta", Config::getDouble), get(c, "ser.distill.methods", Config::getStringList));
        require(distill.temperature() > 0, "ser.distill.temperature", "must be > 0, got " + distill.temperature());
        require(distill.alpha() >= 0 && distill.alpha() <= 1, "ser.distill.alpha",
                "must be within [0, 1], got " + distill.alpha());
        require(distill.singleTeacherAlpha() >= 0 && distill.singleTeacherAlpha() <= 1, "ser.distill.single-teacher-alpha",
                "must be within [0, 1], got " + distill.singleTeacherAlpha());
        require(distill.beta() >= 0 && distill.beta() <= 1, "ser.distill.beta",
                "must be within [0, 1], got " + distill.beta());
        require(!distill.methods().isEmpty(), "ser.distill.methods", "must list at least one method");
        for (String m : distill.methods()) {
            require(METHODS.contains(m), "ser.distill.methods", "'" + m + "' is not one of " + METHODS);
        }

        List<String> splits = get(c, "ser.evaluate.splits", Config::getStringList);
        for (String s : splits) {
            require(SPLITS.contains(s), "ser.evaluate.splits", "'" + s + "' is not one of " + SPLITS);
        }
        Resources resources = new Resources(get(c, "ser.resources.gpu.per-task", Config::getInt),
                get(c, "ser.resources.gpu.discovery-script", Config::getString),
                get(c, "ser.resources.gpu.vendor", Config::getString),
                get(c, "ser.resources.gpu.executor-cores", Config::getInt),
                get(c, "ser.resources.gpu.executor-memory", Config::getString).trim(),
                get(c, "ser.resources.gpu.executor-memory-overhead", Config::getString).trim());
        require(resources.gpuPerTask() >= 0, "ser.resources.gpu.per-task", "must be >= 0 (0 = CPU only)");
        require(resources.executorCores() >= 1, "ser.resources.gpu.executor-cores", "must be >= 1");
        require(resources.executorMemory().isEmpty() || resources.executorMemory().matches("\\d+[kmgtKMGT]?"),
                "ser.resources.gpu.executor-memory", "must be a JVM memory size such as 8g, or \"\" for the cluster default");
        require(resources.executorMemoryOverhead().isEmpty()
                        || resources.executorMemoryOverhead().matches("\\d+[kmgtKMGT]?"),
                "ser.resources.gpu.executor-memory-overhead",
                "must be a JVM memory size such as 8g, or \"\" for the cluster default");
        Warehouse warehouse = warehouse(c);
        return new SerConfig(run, root, spark, input, demo, audio, features, teachers, student, distill,
                List.copyOf(splits), resources, folds, warehouse, c);
    }

    /** A block of corpus label → class entries; keys lower-case, quotes removed. */
    private static Map<String, Emotion> labelMap(Config c, String block) {
        Map<String, Emotion> map = new LinkedHashMap<>();
        for (Map.Entry<String, com.typesafe.config.ConfigValue> e : get(c, block, Config::getConfig).entrySet()) {
            String target = String.valueOf(e.getValue().unwrapped());
            String key = block + "." + e.getKey();
            Emotion emotion = Emotion.parse(target).orElseThrow(() -> new ConfigError(key,
                    "maps to '" + target + "', which is not one of " + Emotion.labels()));
            map.put(e.getKey().replace("\"", "").toLowerCase(Locale.ROOT), emotion);
        }
        return map;
    }

    private static Warehouse warehouse(Config c) {
        Warehouse w = new Warehouse(get(c, "ser.warehouse.root", Config::getString),
                get(c, "ser.warehouse.register-hive", Config::getBoolean), get(c, "ser.warehouse.database", Config::getString),
                get(c, "ser.warehouse.bootstrap-resamples", Config::getInt));
        require(!w.root().isBlank(), "ser.warehouse.root", "must not be empty");
        require(SQL_NAME.matcher(w.database()).matches(), "ser.warehouse.database",
                "must be letters, digits and '_' (a catalog database name), got '" + w.database() + "'");
        require(w.bootstrapResamples() >= 1, "ser.warehouse.bootstrap-resamples",
                "must be >= 1 (1000 or more for a stable interval), got " + w.bootstrapResamples());
        return w;
    }

    private static CheckpointPolicy checkpointPolicy(Config c) {
        int epochs = get(c, "ser.train.checkpoint.every-epochs", Config::getInt);
        double seconds = get(c, "ser.train.checkpoint.every-seconds", Config::getDouble);
        require(epochs >= 0, "ser.train.checkpoint.every-epochs", "must be >= 0 (0 = not by epochs), got " + epochs);
        require(seconds >= 0 && !Double.isInfinite(seconds), "ser.train.checkpoint.every-seconds",
                "must be >= 0 (0 = not by time), got " + seconds);
        return new CheckpointPolicy(epochs, seconds);
    }

    private static Training training(Config c, String path, CheckpointPolicy checkpoints) {
        List<Integer> hidden = get(c, path + ".hidden", Config::getIntList);
        for (int h : hidden) {
            require(h > 0, path + ".hidden", "layer sizes must be > 0, got " + hidden);
        }
        String scheduleName = get(c, path + ".schedule", Config::getString);
        LearningRateSchedule.Shape schedule;
        try {
            schedule = LearningRateSchedule.Shape.valueOf(scheduleName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(path + ".schedule", "'" + scheduleName + "' is not one of constant, linear, cosine");
        }
        Training t = new Training(List.copyOf(hidden), get(c, path + ".epochs", Config::getInt),
                get(c, path + ".batch-size", Config::getInt), get(c, path + ".learning-rate", Config::getDouble),
                get(c, path + ".weight-decay", Config::getDouble), get(c, path + ".patience", Config::getInt),
                schedule, get(c, path + ".warmup-fraction", Config::getDouble),
                get(c, path + ".clip-norm", Config::getDouble), get(c, path + ".class-weighted", Config::getBoolean),
                checkpoints);
        require(t.warmupFraction() >= 0 && t.warmupFraction() < 1, path + ".warmup-fraction",
                "must be within [0, 1), got " + t.warmupFraction());
        require(t.clipNorm() >= 0, path + ".clip-norm", "must be >= 0 (0 = no clipping), got " + t.clipNorm());
        require(t.epochs() >= 1, path + ".epochs", "must be >= 1, got " + t.epochs());
        require(t.batchSize() >= 1, path + ".batch-size", "must be >= 1, got " + t.batchSize());
        require(t.learningRate() > 0 && t.learningRate() < 1, path + ".learning-rate",
                "must be within (0, 1), got " + t.learningRate());
        require(t.weightDecay() >= 0, path + ".weight-decay", "must be >= 0");
        require(t.patience() >= 0, path + ".patience", "must be >= 0 (0 = no early stopping)");
        return t;
    }

    /** Reads one key; a missing key or a value of the wrong type becomes a ConfigError naming it. */
    private static <T> T get(Config c, String key, java.util.function.BiFunction<Config, String, T> getter) {
        try {
            return getter.apply(c, key);
        } catch (ConfigException e) {
            throw new ConfigError(key, e.getMessage(), e);
        }
    }

    private static void require(boolean ok, String key, String reason) {
        if (!ok) {
            throw new ConfigError(key, reason);
        }
    }

    /** This configuration with some keys replaced (full paths, values as HOCON), validated again. */
    public SerConfig with(Map<String, String> overrides) {
        Config merged = raw;
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            merged = parseOverride(o.getKey(), o.getValue()).withFallback(merged);
        }
        return from(merged.resolve());
    }

    /** The {@code ser} block as compact JSON, recorded with every run. */
    public String toJson() {
        return raw.getConfig("ser").root().render(ConfigRenderOptions.concise());
    }

    /**
     * SHA-256 of the rendered {@code ser} block without the settings that cannot change results (Spark tuning,
     * where results are published, how often training checkpoints, the fine-tuning keys when not fine-tuning):
     * stage markers use it to tell whether a stage ran with this config. warehouse.* stays out so that publishing
     * elsewhere re-runs no training; the publish stage's marker records those settings itself (PublishStage's input
     * identity in pipeline-jobs).
     */
    public String hash() {
        Config ser = raw.getConfig("ser").withoutPath("spark").withoutPath("warehouse")
                .withoutPath("train.checkpoint");
        if (ser.hasPath("train") && ser.getConfig("train").isEmpty()) {
            // Left as an empty block it would still change the hash of runs started before ser.train existed.
            ser = ser.withoutPath("train");
        }
        if (!features.modelsReadFrames()) {
            // Keys added with fine-tuning mode, without effect otherwise: left out, so runs started before they
            // existed keep their hash and their finished stages.
            ser = ser.withoutPath("features.wav2vec2.mode").withoutPath("features.wav2vec2.projector-dim");
        }
        if (features.wav2vec2().pooling().equals("mean")) {
            // Added with framewise heads; the default changes nothing, so older runs keep their hash.
            ser = ser.withoutPath("features.wav2vec2.pooling").withoutPath("features.wav2vec2.attention-dim");
        }
        String json = ser.root().render(ConfigRenderOptions.concise());
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
