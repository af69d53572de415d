package io.serdistill.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.serdistill.audio.AudioOptions;
import io.serdistill.audio.ChannelMode;
import io.serdistill.audio.Segmentation;
import io.serdistill.data.Emotion;
import io.serdistill.data.Folds;
import io.serdistill.data.Split;
import io.serdistill.data.corpus.CorpusKind;
import io.serdistill.model.KlReduction;
import io.serdistill.model.TrainingEngine;
import io.serdistill.distill.StudentMethod;
import io.serdistill.distill.TeacherEnsemble;
import io.serdistill.features.FbankOptions;
import io.serdistill.features.Normalization;
import io.serdistill.features.PoolingStat;
import io.serdistill.representation.Representation;
import io.serdistill.distill.TeacherWeighting;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.train.CheckpointPolicy;
import io.serdistill.train.LearningRateSchedule;
import io.serdistill.train.InvalidOption;
import io.serdistill.train.LinearReferenceKind;
import io.serdistill.train.ModelKind;
import io.serdistill.train.Objective;
import io.serdistill.train.Optimisation;
import io.serdistill.train.TdnnKind;
import io.serdistill.train.TdnnOptions;
import io.serdistill.train.Regularisation;
import io.serdistill.train.TrainingOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
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
        AudioOptions audio,
        Features features,
        Training teachers,
        Training student,
        Distill distill,
        List<Split> evaluateSplits,
        Resources resources,
        FoldSpec folds,
        Warehouse warehouse,
        Reference reference,
        Infer infer,
        Selection selection,
        Config raw) {

    /**
     * The run's id, its seed and how many times every trained model is trained ({@code seeds}, each time with the
     * seed {@link #replicateSeed} derives for that replicate).
     */
    public record Run(String id, long seed, int seeds) {
        /** Between the seeds of two replicates of one model: above every per-model offset the stages add (1000 per language, 7 for students). */
        static final long REPLICATE_STRIDE = 1_000_003L;

        public Run(String id, long seed) {
            this(id, seed, 1);
        }

        /**
         * The training seed of replicate {@code replicate} (1-based) of a model whose single-seed training seed is
         * {@code modelSeed}: replicate 1 keeps it, so a model's first seed trains as in a run with seeds = 1.
         */
        public static long replicateSeed(long modelSeed, int replicate) {
            if (replicate < 1) {
                throw new IllegalArgumentException("replicates count from 1, got " + replicate);
            }
            return modelSeed + REPLICATE_STRIDE * (replicate - 1);
        }
    }

    public record Spark(String master, String appName, Map<String, String> settings) {}

    /**
     * {@code manifest} empty means the demo corpus is generated (unless {@code corpus} names an adapter).
     * {@code allowedRoots}: directories (paths or URIs, as written) whose files manifest rows may name besides the
     * manifest's own directory tree (and the demo or scanned corpus directory).
     */
    public record Input(String manifest, List<String> languages, Map<String, Emotion> labelMap, Corpus corpus,
                        List<String> allowedRoots) {}

    /**
     * Where utterances come from. {@code kind}: auto (csv when ser.input.manifest is set, else demo), csv, demo,
     * iemocap, cafe, fesc. {@code labelMap} (keys lower-case) replaces the adapter's default label map when not
     * empty; {@code labelToken} is the 0-based file-name token FESC reads the label from, -1 = any token.
     */
    public record Corpus(CorpusKind kind, String root, Map<String, Emotion> labelMap, int labelToken) {
        /** True when an adapter scans {@code root} (rather than a manifest CSV being read). */
        public boolean scansFiles() {
            return kind.scansFiles();
        }
    }

    /**
     * How speakers are split into train/dev/test; {@code fold} is the fold this run holds out, and {@code all} runs
     * every fold of the scheme (each as a sub-run) and summarises them.
     */
    public record FoldSpec(Folds.Scheme scheme, int k, int devSpeakers, int fold, boolean all, int parallelism) {}

    public record Demo(String dir, long seed, int speakersPerLanguage, int utterancesPerSpeakerPerEmotion) {}

    /**
     * Features: {@code partitions} of the extract job (0 = automatic) and the {@link Representation} models get,
     * which owns everything that follows from it (extractor, table, input column, model family).
     */
    public record Features(int partitions, Representation representation) {}

    /**
     * One model family's settings (teachers, or students): the MLP's hidden widths (pooled representations only), its
     * optimisation and regularisation, the shared ser.train.checkpoint policy, and which model it is ({@code model};
     * with {@link Architecture#TDNN}, {@code tdnn} gives its shape).
     */
    public record Training(List<Integer> hidden, Optimisation optimisation, Regularisation regularisation,
                           CheckpointPolicy checkpointPolicy, Architecture model, TdnnOptions tdnn,
                           TrainingEngine engine) {

        /** Trained by the {@link TrainingEngine#AUTO} engine. */
        public Training(List<Integer> hidden, Optimisation optimisation, Regularisation regularisation,
                        CheckpointPolicy checkpointPolicy, Architecture model, TdnnOptions tdnn) {
            this(hidden, optimisation, regularisation, checkpointPolicy, model, tdnn, TrainingEngine.AUTO);
        }

        /**
         * These settings trained for exactly {@code epochs} epochs: what a refit on every training speaker uses,
         * without a dev split to stop on (the learning-rate schedule spans those epochs).
         */
        public Training withEpochs(int epochs) {
            if (optimisation.optimiser() == Optimisation.Optimiser.LBFGS) {
                // L-BFGS reads no epoch count: it runs to convergence (or its iteration limit) whatever the folds chose.
                return this;
            }
            return new Training(hidden, optimisation.withEpochs(epochs), regularisation, checkpointPolicy, model, tdnn,
                    engine);
        }

        /** Labels only (alpha = 1) with this family's settings. */
        public TrainingOptions fineTuning(long seed) {
            return new TrainingOptions(optimisation, regularisation, Objective.labels(), seed, checkpointPolicy, engine);
        }

        /** Distillation from {@code teachers} mixed by {@code weighting}, with this family's settings. */
        public TrainingOptions distillation(double alpha, double temperature, TeacherWeighting weighting,
                                            List<String> teachers, long seed) {
            return distillation(alpha, temperature, weighting, teachers, KlReduction.BATCHMEAN, seed);
        }

        /** As above with the KL term reduced over a batch as {@code klReduction} says. */
        public TrainingOptions distillation(double alpha, double temperature, TeacherWeighting weighting,
                                            List<String> teachers, KlReduction klReduction, long seed) {
            return new TrainingOptions(optimisation, regularisation,
                    new Objective(alpha, temperature, weighting, teachers, klReduction),
                    seed, checkpointPolicy, engine);
        }
    }

    /**
     * ser.teachers.model, ser.student.model: what a family is. MLP: the representation's own model (an MLP on pooled
     * vectors, or the wav2vec2 heads); TDNN: a {@link TdnnKind} over the fbank frames.
     */
    public enum Architecture {
        MLP, TDNN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code alpha}: CE weight of multi-teacher students; {@code singleTeacherAlpha}: of single-teacher (KD) ones;
     * {@code klReduction}: how the KD term's KL is reduced over a batch.
     */
    /** {@code teacherEnsemble}: where students' soft targets come from when teachers train with several seeds. */
    public record Distill(double temperature, double alpha, double singleTeacherAlpha, double beta,
                          List<StudentMethod> methods, KlReduction klReduction, TeacherEnsemble teacherEnsemble) {}

    /**
     * GPUs per training task (0 = CPU), the executor discovery script and the vendor, for Spark's GPU scheduling; the
     * cores of a training executor (each training task holds them all) and its heap and off-heap memory ("" = the
     * cluster's spark.executor.memory / memoryOverhead).
     */
    public record Resources(int gpuPerTask, String discoveryScript, String vendor, int executorCores,
                            String executorMemory, String executorMemoryOverhead) implements java.io.Serializable {}

    /**
     * The linear reference ({@code linear}: whether runs train it) and how its L2 strength is chosen
     * ({@link LinearReferenceKind}).
     */
    public record Reference(boolean linear, LinearReferenceKind kind) {}

    /**
     * Model selection over each family's grid (ser.teachers.grid, ser.student.grid; ser.selection.*): every grid
     * point is trained on {@code innerFolds} speaker-grouped inner folds of the run's training speakers (train and
     * dev; never test) and scored by its mean inner-fold UA. With {@code refit} the chosen point then trains on every
     * training speaker for the median of its inner folds' best epochs; without, it trains as the family does today
     * (train split, selected on dev). A family with an empty grid trains as configured, whatever these say.
     */
    public record Selection(SelectionGrid teachers, SelectionGrid student, int innerFolds, boolean refit) {
        /** Whether any family selects. */
        public boolean any() {
            return !teachers.isEmpty() || !student.isEmpty();
        }
    }

    /** Where publish appends each run's results; {@code root} is a FileSystem URI or path. */
    public record Warehouse(String root, boolean registerHive, String database, int bootstrapResamples) {}

    /**
     * The infer stage (ser.infer.*): the package it applies ({@code model}: a package directory or a run directory,
     * whose default package it takes; "" until infer runs), the manifest of audio to label ({@code manifest}: a CSV
     * with a {@code path} column; "" until infer runs), where its tables go ({@code output}), its partitions (0 =
     * automatic), the wav2vec2 checkpoint directory ({@code encoderDir}, "" = the one the card names), how much of
     * a recording is read ({@code maxFileSeconds}) and how long ones are cut ({@code segmentation}).
     */
    public record Infer(String model, String manifest, String output, int partitions, String encoderDir,
                        double maxFileSeconds, Segmentation segmentation) {}

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}");
    private static final Pattern SQL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

    /** What {@code family}'s models (teachers or students) are for the configured representation. */
    public ModelKind modelKind(Training family) {
        if (family.model() == Architecture.TDNN) {
            // Validated at load: a TDNN family needs fbank features.
            Representation.Fbank fbank = (Representation.Fbank) features.representation();
            return new TdnnKind(fbank.options().featureDim(), family.tdnn());
        }
        return features.representation().modelKind(family.hidden());
    }

    /** The features column {@code family}'s models read: the frames for a TDNN, else the representation's. */
    public String inputColumn(Training family) {
        return family.model() == Architecture.TDNN ? Representation.FRAMES : features.representation().inputColumn();
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
            "ser.input.corpus.label-map", "ser.teachers.grid", "ser.student.grid");

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
        // Read as a number first: getInt would truncate 1.5 to 1.
        Number seeds = get(c, "ser.run.seeds", Config::getNumber);
        require(seeds.doubleValue() >= 1 && seeds.doubleValue() <= Integer.MAX_VALUE
                        && seeds.doubleValue() == Math.rint(seeds.doubleValue()), "ser.run.seeds",
                "must be an integer >= 1 (how many seeds every model trains with), got " + seeds);
        Run run = new Run(runId, get(c, "ser.run.seed", Config::getLong), seeds.intValue());

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
        Corpus corpus = new Corpus(choice(c, "ser.input.corpus.kind", CorpusKind.values(), CorpusKind::label),
                get(c, "ser.input.corpus.root", Config::getString), labelMap(c, "ser.input.corpus.label-map"),
                get(c, "ser.input.corpus.label-token", Config::getInt));
        require(!corpus.scansFiles() || !corpus.root().isBlank(), "ser.input.corpus.root",
                "must name the corpus directory when ser.input.corpus.kind = " + corpus.kind().label());
        require(corpus.labelToken() >= -1, "ser.input.corpus.label-token", "must be >= -1 (-1 = any token)");
        List<String> allowedRoots = get(c, "ser.input.allowed-roots", Config::getStringList);
        for (String r : allowedRoots) {
            require(!r.isBlank(), "ser.input.allowed-roots", "lists an empty root");
            require(java.util.Arrays.stream(r.split("/")).noneMatch(seg -> seg.equals("..") || seg.equals(".")),
                    "ser.input.allowed-roots", "'" + r + "' has a '.' or '..' segment; name the directory itself");
        }
        Input input = new Input(get(c, "ser.input.manifest", Config::getString), List.copyOf(languages), labelMap, corpus,
                List.copyOf(allowedRoots));
        require(corpus.kind() != CorpusKind.CSV || !input.manifest().isBlank(), "ser.input.manifest",
                "must name the manifest CSV when ser.input.corpus.kind = csv");

        FoldSpec folds = new FoldSpec(choice(c, "ser.folds.scheme", Folds.Scheme.values(), Folds.Scheme::label),
                get(c, "ser.folds.k", Config::getInt),
                get(c, "ser.folds.dev-speakers", Config::getInt), get(c, "ser.folds.fold", Config::getInt),
                get(c, "ser.folds.all", Config::getBoolean), get(c, "ser.folds.parallelism", Config::getInt));
        require(folds.parallelism() >= 0, "ser.folds.parallelism", "must be >= 0 (0 = every fold at once)");
        require(folds.k() >= 2, "ser.folds.k", "must be >= 2, got " + folds.k());
        require(folds.devSpeakers() >= 0, "ser.folds.dev-speakers", "must be >= 0, got " + folds.devSpeakers());
        require(folds.fold() >= 0, "ser.folds.fold", "must be >= 0, got " + folds.fold());
        require(!folds.all() || folds.scheme() != Folds.Scheme.GIVEN, "ser.folds.all",
                "needs a computed ser.folds.scheme (leave-one-session-out, leave-one-speaker-out or k-fold), not given");
        require(folds.scheme() != Folds.Scheme.K_FOLD || folds.fold() < folds.k(), "ser.folds.fold",
                "must be below ser.folds.k = " + folds.k() + ", got " + folds.fold());
        require(!corpus.scansFiles() || folds.scheme() != Folds.Scheme.GIVEN, "ser.folds.scheme",
                "must be computed (e.g. leave-one-session-out) when ser.input.corpus.kind = " + corpus.kind().label()
                        + ": a scanned corpus has no split column");

        Demo demo = new Demo(get(c, "ser.demo.dir", Config::getString), get(c, "ser.demo.seed", Config::getLong),
                get(c, "ser.demo.speakers-per-language", Config::getInt), get(c, "ser.demo.utterances-per-speaker-per-emotion", Config::getInt));
        require(demo.speakersPerLanguage() >= 3, "ser.demo.speakers-per-language",
                "must be at least 3 (train, dev and test speakers), got " + demo.speakersPerLanguage());
        require(demo.utterancesPerSpeakerPerEmotion() >= 1, "ser.demo.utterances-per-speaker-per-emotion",
                "must be at least 1");

        AudioOptions audio = audio(c);
        Features features = new Features(get(c, "ser.features.partitions", Config::getInt), representation(c, audio));
        require(features.partitions() >= 0, "ser.features.partitions", "must be >= 0 (0 = automatic)");

        CheckpointPolicy checkpoints = checkpointPolicy(c);
        TrainingEngine engine = choice(c, "ser.train.engine", TrainingEngine.values(), TrainingEngine::label);
        Representation rep = features.representation();
        Training teachers = training(c, "ser.teachers", checkpoints, engine, rep);
        Training student = training(c, "ser.student", checkpoints, engine, rep);
        for (Map.Entry<String, Training> family : Map.of("ser.teachers", teachers, "ser.student", student).entrySet()) {
            require(family.getValue().model() != Architecture.TDNN
                            || features.representation() instanceof Representation.Fbank, family.getKey() + ".model",
                    "tdnn reads fbank frames: it needs ser.features.kind = fbank");
        }

        Distill distill = new Distill(get(c, "ser.distill.temperature", Config::getDouble), get(c, "ser.distill.alpha", Config::getDouble),
                get(c, "ser.distill.single-teacher-alpha", Config::getDouble),
                get(c, "ser.distill.beta", Config::getDouble),
                choices(c, "ser.distill.methods", StudentMethod.values(), StudentMethod::label),
                choice(c, "ser.distill.kl-reduction", KlReduction.values(), KlReduction::label),
                choice(c, "ser.distill.teacher-ensemble", TeacherEnsemble.values(), TeacherEnsemble::label));
        require(distill.temperature() > 0, "ser.distill.temperature", "must be > 0, got " + distill.temperature());
        require(distill.alpha() >= 0 && distill.alpha() <= 1, "ser.distill.alpha",
                "must be within [0, 1], got " + distill.alpha());
        require(distill.singleTeacherAlpha() >= 0 && distill.singleTeacherAlpha() <= 1, "ser.distill.single-teacher-alpha",
                "must be within [0, 1], got " + distill.singleTeacherAlpha());
        require(distill.beta() >= 0 && distill.beta() <= 1, "ser.distill.beta",
                "must be within [0, 1], got " + distill.beta());
        require(!distill.methods().isEmpty(), "ser.distill.methods", "must list at least one method");

        List<Split> splits = choices(c, "ser.evaluate.splits", Split.values(), Split::label);
        require(!splits.isEmpty(), "ser.evaluate.splits", "must list at least one split (e.g. [dev, test])");
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
        Selection selection = selection(c, checkpoints, engine, teachers, student, rep);
        SerConfig cfg = new SerConfig(run, root, spark, input, demo, audio, features, teachers, student, distill,
                List.copyOf(splits), resources, folds, warehouse, reference(c), infer(c), selection, c);
        for (StudentMethod m : distill.methods()) {
            if (m.languageInput()) {
                try {
                    cfg.modelKind(student).withLanguageInput(input.languages());
                } catch (InvalidOption e) {
                    throw new ConfigError("ser.distill.methods", m.label() + " " + e.reason(), e);
                }
            }
        }
        return cfg;
    }

    private static AudioOptions audio(Config c) {
        String channel = get(c, "ser.audio.channel", Config::getString);
        ChannelMode mode;
        if (channel.equals("downmix")) {
            mode = ChannelMode.DOWNMIX;
        } else {
            int index;
            try {
                index = Integer.parseInt(channel);
            } catch (NumberFormatException e) {
                throw new ConfigError("ser.audio.channel", "must be \"downmix\" or a channel number, got '" + channel + "'");
            }
            require(index >= 0, "ser.audio.channel", "channel number must be >= 0, got " + index);
            mode = ChannelMode.select(index);
        }
        int rate = get(c, "ser.audio.sample-rate", Config::getInt);
        double maxSeconds = get(c, "ser.audio.max-seconds", Config::getDouble);
        double minSeconds = get(c, "ser.audio.min-seconds", Config::getDouble);
        require(rate >= 8000 && rate <= 48000, "ser.audio.sample-rate", "must be between 8000 and 48000 Hz, got " + rate);
        require(maxSeconds >= 0, "ser.audio.max-seconds", "must be >= 0 (0 = no limit)");
        require(minSeconds > 0, "ser.audio.min-seconds", "must be > 0");
        require(maxSeconds == 0 || maxSeconds > minSeconds, "ser.audio.max-seconds", "must exceed ser.audio.min-seconds");
        return new AudioOptions(rate, mode, maxSeconds, minSeconds);
    }

    /** ser.features.wav2vec2.mode: fine-tune the transformer on stored CNN frames, or keep the encoder frozen. */
    private enum Wav2Vec2Mode {
        FROZEN_ENCODER, FINETUNE;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** ser.features.wav2vec2.store (frozen encoder): every hidden state's time-mean, or one hidden state's frames. */
    private enum Wav2Vec2Store {
        LAYER_MEANS, FRAMES;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** ser.features.kind and its block: the one place the keys become a {@link Representation}. */
    private static Representation representation(Config c, AudioOptions audio) {
        String kind = get(c, "ser.features.kind", Config::getString);
        require(kind.equals("fbank") || kind.equals("wav2vec2"), "ser.features.kind",
                "'" + kind + "' is not supported; use \"fbank\" or \"wav2vec2\"");
        Normalization normalize = choice(c, "ser.features.normalize", Normalization.values(), Normalization::label);
        boolean normalizeVariance = get(c, "ser.features.normalize-variance", Config::getBoolean);
        FbankOptions fbank = fbank(c, audio);
        String w = "ser.features.wav2vec2.";
        String modelDir = get(c, w + "model-dir", Config::getString);
        boolean normalizeWaveform = get(c, w + "normalize", Config::getBoolean);
        Wav2Vec2Store store = choice(c, w + "store", Wav2Vec2Store.values(), Wav2Vec2Store::label);
        int batchSize = get(c, w + "batch-size", Config::getInt);
        int layer = get(c, w + "layer", Config::getInt);
        boolean layerWeights = get(c, w + "layer-weights", Config::getBoolean);
        Wav2Vec2Mode mode = choice(c, w + "mode", Wav2Vec2Mode.values(), Wav2Vec2Mode::label);
        int projectorDim = get(c, w + "projector-dim", Config::getInt);
        HeadSpec.Pooling pooling = choice(c, w + "pooling", HeadSpec.Pooling.values(), HeadSpec.Pooling::label);
        int attentionDim = get(c, w + "attention-dim", Config::getInt);
        require(projectorDim > 0, w + "projector-dim", "must be > 0, got " + projectorDim);
        boolean frames = store == Wav2Vec2Store.FRAMES;
        require(!frames || mode == Wav2Vec2Mode.FROZEN_ENCODER, w + "store",
                "\"frames\" applies to mode = frozen-encoder only (finetune always stores CNN frames); leave layer-means");
        require(!frames || !layerWeights, w + "layer-weights",
                "is not supported with ser.features.wav2vec2.store = frames (one hidden state, or their average, is"
                        + " stored frame by frame); use store = layer-means for learned layer weights");
        require(pooling == HeadSpec.Pooling.MEAN || frames || mode == Wav2Vec2Mode.FINETUNE, w + "pooling",
                "'" + pooling.label() + "' needs frames: use store = frames or mode = finetune (layer-means are already"
                        + " mean pooled)");
        require(attentionDim > 0, w + "attention-dim", "must be > 0, got " + attentionDim);
        require(batchSize == 1, w + "batch-size",
                "only 1 is supported yet (group-norm models normalise over padding), got " + batchSize);
        require(layer >= -1, w + "layer", "must be -1 (average of all) or a hidden-state index");
        require(mode != Wav2Vec2Mode.FINETUNE || layer == -1, w + "layer",
                "applies to mode = frozen-encoder only; fine-tuned models pool the last hidden state, or all of them"
                        + " with ser.features.wav2vec2.layer-weights = true; leave layer at -1");
        require(kind.equals("fbank") || normalize == Normalization.NONE, "ser.features.normalize",
                "applies to fbank frames only; use none with ser.features.kind = " + kind);
        List<PoolingStat> stats = choices(c, "ser.features.fbank.pooling", PoolingStat.values(), PoolingStat::label);
        require(!stats.isEmpty() && stats.stream().distinct().count() == stats.size(), "ser.features.fbank.pooling",
                "must list each of " + Arrays.stream(PoolingStat.values()).map(PoolingStat::label).toList()
                        + " at most once, and at least one; got " + stats.stream().map(PoolingStat::label).toList());
        if (kind.equals("fbank")) {
            return new Representation.Fbank(fbank, normalize, normalizeVariance, stats);
        }
        require(!modelDir.isBlank(), w + "model-dir",
                "must name a Hugging Face model directory (config.json + model.safetensors) when ser.features.kind"
                        + " = wav2vec2; nothing is ever downloaded");
        Representation.Wav2Vec2Source source = new Representation.Wav2Vec2Source(modelDir, normalizeWaveform);
        Representation.FrameHead head = new Representation.FrameHead(pooling, attentionDim, projectorDim);
        if (mode == Wav2Vec2Mode.FINETUNE) {
            return new Representation.FineTune(source, layerWeights, head);
        }
        if (frames) {
            return new Representation.Frames(source, layer, head);
        }
        return layerWeights ? new Representation.LayerWeights(source, layer) : new Representation.LayerMeans(source, layer);
    }

    /** The fbank keys over Kaldi's defaults (torchaudio's, with 80 mel bins), at the audio's sample rate. */
    private static FbankOptions fbank(Config c, AudioOptions audio) {
        String f = "ser.features.fbank.";
        int bins = get(c, f + "num-mel-bins", Config::getInt);
        double length = get(c, f + "frame-length-ms", Config::getDouble);
        double shift = get(c, f + "frame-shift-ms", Config::getDouble);
        double dither = get(c, f + "dither", Config::getDouble);
        require(bins >= 8 && bins <= 256, f + "num-mel-bins", "must be between 8 and 256, got " + bins);
        require(shift > 0 && length >= shift, f + "frame-length-ms", "must be >= frame-shift-ms > 0");
        require(dither >= 0, f + "dither", "must be >= 0");
        try {
            return FbankOptions.defaults().toBuilder().sampleRate(audio.targetRate()).numMelBins(bins)
                    .frameLengthMs(length).frameShiftMs(shift).dither(dither).build();
        } catch (IllegalArgumentException e) {
            throw new ConfigError("ser.features.fbank", e.getMessage(), e);
        }
    }

    /** One of an enum's values, by its config spelling; anything else names the key and every valid spelling. */
    private static <E extends Enum<E>> E choice(Config c, String key, E[] values, Function<E, String> label) {
        return parseChoice(key, get(c, key, Config::getString), values, label);
    }

    /** A list of an enum's values, by their config spellings (see {@link #choice}). */
    private static <E extends Enum<E>> List<E> choices(Config c, String key, E[] values, Function<E, String> label) {
        return get(c, key, Config::getStringList).stream().map(v -> parseChoice(key, v, values, label)).toList();
    }

    private static <E extends Enum<E>> E parseChoice(String key, String value, E[] values, Function<E, String> label) {
        for (E e : values) {
            if (label.apply(e).equals(value)) {
                return e;
            }
        }
        throw new ConfigError(key, "'" + value + "' is not one of " + Arrays.stream(values).map(label).toList());
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

    /** ser.infer.*: only the keys' own rules; that model and manifest are set is the infer stage's launch check. */
    private static Infer infer(Config c) {
        String k = "ser.infer.";
        int partitions = get(c, k + "partitions", Config::getInt);
        double maxFile = get(c, k + "max-file-seconds", Config::getDouble);
        double seconds = get(c, k + "segment-seconds", Config::getDouble);
        double hop = get(c, k + "segment-hop-seconds", Config::getDouble);
        String mode = get(c, k + "segmentation", Config::getString);
        String output = get(c, k + "output", Config::getString);
        require(partitions >= 0, k + "partitions", "must be >= 0 (0 = 4 x Spark's default parallelism), got " + partitions);
        require(maxFile > 0 && !Double.isInfinite(maxFile), k + "max-file-seconds", "must be > 0, got " + maxFile);
        require(seconds > 0 && !Double.isInfinite(seconds), k + "segment-seconds", "must be > 0, got " + seconds);
        require(hop > 0 && hop <= seconds, k + "segment-hop-seconds",
                "must be > 0 and at most ser.infer.segment-seconds (" + seconds + "), got " + hop);
        require(maxFile >= seconds, k + "max-file-seconds", "must be >= ser.infer.segment-seconds (" + seconds + ")");
        require(!output.isBlank(), k + "output", "must not be empty");
        Segmentation segmentation;
        if (mode.equals("windows")) {
            segmentation = new Segmentation.Windows(seconds, hop);
        } else if (mode.equals("energy-vad")) {
            double threshold = get(c, k + "vad.threshold-db", Config::getDouble);
            double minSpeech = get(c, k + "vad.min-speech-seconds", Config::getDouble);
            double minSilence = get(c, k + "vad.min-silence-seconds", Config::getDouble);
            require(threshold > 0 && !Double.isInfinite(threshold), k + "vad.threshold-db", "must be > 0 dB, got " + threshold);
            require(minSpeech >= 0, k + "vad.min-speech-seconds", "must be >= 0, got " + minSpeech);
            require(minSilence >= 0, k + "vad.min-silence-seconds", "must be >= 0, got " + minSilence);
            segmentation = new Segmentation.EnergyVad(seconds, hop, threshold, minSpeech, minSilence);
        } else {
            throw new ConfigError(k + "segmentation", "'" + mode + "' is not one of [windows, energy-vad]");
        }
        return new Infer(get(c, k + "model", Config::getString).trim(), get(c, k + "manifest", Config::getString).trim(),
                output, partitions, get(c, k + "encoder-dir", Config::getString).trim(), maxFile, segmentation);
    }

    private static Reference reference(Config c) {
        boolean linear = get(c, "ser.reference.linear", Config::getBoolean);
        List<Double> grid = get(c, "ser.reference.c-grid", Config::getDoubleList);
        int folds = get(c, "ser.reference.folds", Config::getInt);
        try {
            return new Reference(linear, new LinearReferenceKind(grid, folds));
        } catch (InvalidOption e) {
            throw new ConfigError("ser.reference." + e.option(), e.reason(), e);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("ser.reference.c-grid", e.getMessage(), e);
        }
    }

    /** ser.teachers.grid, ser.student.grid and ser.selection.*; the grids' points are validated like their families. */
    private static Selection selection(Config c, CheckpointPolicy checkpoints, TrainingEngine engine, Training teachers,
                                       Training student, Representation rep) {
        SelectionGrid teacherGrid = SelectionGrid.parse(c, "ser.teachers",
                at -> training(at, "ser.teachers", checkpoints, engine, rep));
        SelectionGrid studentGrid = SelectionGrid.parse(c, "ser.student",
                at -> training(at, "ser.student", checkpoints, engine, rep));
        for (SelectionGrid g : List.of(teacherGrid, studentGrid)) {
            Training family = g == teacherGrid ? teachers : student;
            require(g.isEmpty() || family.model() != Architecture.TDNN
                            || !g.points().get(0).values().containsKey("hidden"), g.family() + ".grid.hidden",
                    "a tdnn family has no hidden widths to vary (its shape is " + g.family() + ".tdnn)");
        }
        int innerFolds = get(c, "ser.selection.inner-folds", Config::getInt);
        require(innerFolds >= 2, "ser.selection.inner-folds", "must be >= 2, got " + innerFolds);
        return new Selection(teacherGrid, studentGrid, innerFolds, get(c, "ser.selection.refit", Config::getBoolean));
    }

    private static CheckpointPolicy checkpointPolicy(Config c) {
        int epochs = get(c, "ser.train.checkpoint.every-epochs", Config::getInt);
        double seconds = get(c, "ser.train.checkpoint.every-seconds", Config::getDouble);
        require(epochs >= 0, "ser.train.checkpoint.every-epochs", "must be >= 0 (0 = not by epochs), got " + epochs);
        require(seconds >= 0 && !Double.isInfinite(seconds), "ser.train.checkpoint.every-seconds",
                "must be >= 0 (0 = not by time), got " + seconds);
        return new CheckpointPolicy(epochs, seconds);
    }

    /** ser.teachers.optimiser / ser.student.optimiser as written: auto resolves per family and representation. */
    private enum OptimiserChoice {
        AUTO, ADAMW, LBFGS;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code path}: ser.teachers or ser.student. The optimiser resolves here: auto is lbfgs for an MLP on pooled fbank
     * statistics and adamw for every other model (TDNN, wav2vec2 heads); lbfgs is refused for frame models.
     */
    private static Training training(Config c, String path, CheckpointPolicy checkpoints, TrainingEngine engine,
                                     Representation rep) {
        List<Integer> hidden = List.copyOf(get(c, path + ".hidden", Config::getIntList));
        for (int h : hidden) {
            require(h > 0, path + ".hidden", "layer sizes must be > 0, got " + hidden);
        }
        LearningRateSchedule.Shape schedule = choice(c, path + ".schedule", LearningRateSchedule.Shape.values(),
                s -> s.name().toLowerCase(Locale.ROOT));
        try {
            Architecture model = choice(c, path + ".model", Architecture.values(), Architecture::label);
            TdnnOptions tdnn = tdnn(c, path + ".tdnn");
            OptimiserChoice written = choice(c, path + ".optimiser", OptimiserChoice.values(), OptimiserChoice::label);
            boolean pooled = model == Architecture.MLP && !rep.readsFrameSequences();
            require(written != OptimiserChoice.LBFGS || pooled, path + ".optimiser",
                    "lbfgs trains MLPs on pooled vectors only, not " + (model == Architecture.TDNN ? "model = tdnn"
                            : "this representation's frame models") + " (use adamw or auto)");
            Regularisation regularisation = new Regularisation(get(c, path + ".input-dropout", Config::getDouble),
                    get(c, path + ".dropout", Config::getDouble), get(c, path + ".input-noise", Config::getDouble),
                    get(c, path + ".label-smoothing", Config::getDouble), get(c, path + ".l2", Config::getDouble));
            Optimisation.Optimiser optimiser = written == OptimiserChoice.LBFGS
                    || written == OptimiserChoice.AUTO && pooled && rep instanceof Representation.Fbank
                            && !regularisation.perturbsInputs()
                    ? Optimisation.Optimiser.LBFGS : Optimisation.Optimiser.ADAMW;
            boolean cv = lbfgsPenaltySearched(c, path + ".lbfgs.l2");
            Optimisation optimisation = new Optimisation(get(c, path + ".epochs", Config::getInt),
                    get(c, path + ".batch-size", Config::getInt), get(c, path + ".learning-rate", Config::getDouble),
                    get(c, path + ".weight-decay", Config::getDouble), get(c, path + ".patience", Config::getInt),
                    schedule, get(c, path + ".warmup-fraction", Config::getDouble),
                    get(c, path + ".clip-norm", Config::getDouble), get(c, path + ".class-weighted", Config::getBoolean),
                    optimiser, get(c, path + ".lbfgs.max-iterations", Config::getInt),
                    cv ? 0.0 : get(c, path + ".lbfgs.l2", Config::getDouble), cv ? penaltySearch(c) : null);
            if (cv) {
                require(hidden.isEmpty() && model == Architecture.MLP, path + ".lbfgs.l2",
                        "cv chooses a linear model's penalty as the linear reference chooses its C: needs hidden = [],"
                                + " got " + (model == Architecture.MLP ? hidden : "model = tdnn"));
            }
            if (optimiser == Optimisation.Optimiser.LBFGS) {
                require(!regularisation.perturbsInputs(), path + ".optimiser",
                        "lbfgs needs " + path + ".input-dropout, dropout and input-noise = 0 (full-batch L-BFGS needs"
                                + " a deterministic loss)");
            }
            return new Training(hidden, optimisation, regularisation, checkpoints, model, tdnn, engine);
        } catch (InvalidOption e) {
            throw new ConfigError(path + "." + e.option(), e.reason(), e);
        }
    }

    /**
     * Whether {@code key} (a family's lbfgs.l2) is {@code cv}, the penalty chosen by cross-validation in the training
     * task; any other string is an error naming the key (a number is read by the caller).
     */
    private static boolean lbfgsPenaltySearched(Config c, String key) {
        if (!c.hasPath(key) || c.getValue(key).valueType() != ConfigValueType.STRING) {
            return false;
        }
        String written = c.getString(key).trim();
        if (written.equals(LBFGS_L2_CV)) {
            return true;
        }
        try {
            Double.parseDouble(written); // HOCON reads a quoted number as a number too
            return false;
        } catch (NumberFormatException e) {
            throw new ConfigError(key, "must be a penalty >= 0 or " + LBFGS_L2_CV + ", got '" + written + "'");
        }
    }

    /** The value of a family's lbfgs.l2 that chooses the penalty by speaker-grouped cross-validation. */
    public static final String LBFGS_L2_CV = "cv";

    /** lbfgs.l2 = cv searches the linear reference's C grid over its folds (ser.reference.*). */
    private static Optimisation.PenaltySearch penaltySearch(Config c) {
        return new Optimisation.PenaltySearch(get(c, "ser.reference.c-grid", Config::getDoubleList),
                get(c, "ser.reference.folds", Config::getInt));
    }

    /** {@code path}: a family's TDNN block (ser.teachers.tdnn, ser.student.tdnn). */
    private static TdnnOptions tdnn(Config c, String path) {
        String t = path + ".";
        String a = t + "spec-augment.";
        try {
            return new TdnnOptions(get(c, t + "channels", Config::getIntList), get(c, t + "kernel-sizes", Config::getIntList),
                    get(c, t + "dilations", Config::getIntList), get(c, t + "attention-dim", Config::getInt),
                    get(c, t + "layer-norm", Config::getBoolean),
                    new TdnnOptions.Masking(get(c, a + "time-masks", Config::getInt),
                            get(c, a + "time-mask-width", Config::getInt), get(c, a + "freq-masks", Config::getInt),
                            get(c, a + "freq-mask-width", Config::getInt)));
        } catch (InvalidOption e) {
            throw new ConfigError(t + e.option(), e.reason(), e);
        }
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
     * where results are published, how often training checkpoints, and the keys the configured representation does
     * not read): stage markers use it to tell whether a stage ran with this config, so changing or adding such a key
     * keeps a run's finished stages. warehouse.* stays out so that publishing elsewhere re-runs no training; the
     * publish stage's marker records those settings itself (PublishStage's input identity in pipeline-jobs).
     */
    public String hash() {
        // infer.* configures a stage outside the pipeline, which records its settings in its own marker.
        Config ser = raw.getConfig("ser").withoutPath("spark").withoutPath("warehouse")
                .withoutPath("train.checkpoint").withoutPath("infer");
        if (teachers.engine() == TrainingEngine.SAMEDIFF) {
            // The graph engine is what every run before the choice trained with: those runs keep their hash.
            ser = ser.withoutPath("train.engine");
        }
        if (ser.hasPath("train") && ser.getConfig("train").isEmpty()) {
            // An empty block reads nothing, but would still change the rendered text.
            ser = ser.withoutPath("train");
        }
        for (Map.Entry<String, Training> family : Map.of("teachers", teachers, "student", student).entrySet()) {
            // An MLP family reads no TDNN key (and, so that runs from before the choice keep their hash, not the
            // choice either); a TDNN family reads no hidden widths.
            String f = family.getKey();
            ser = family.getValue().model() == Architecture.MLP
                    ? ser.withoutPath(f + ".model").withoutPath(f + ".tdnn") : ser.withoutPath(f + ".hidden");
            if (family.getValue().optimisation().optimiser() == Optimisation.Optimiser.ADAMW) {
                // AdamW reads no L-BFGS key (and, so that runs from before the choice keep their hash, not the choice).
                ser = ser.withoutPath(f + ".optimiser").withoutPath(f + ".lbfgs");
            }
        }
        // An empty grid selects nothing, and without a grid the selection keys are not read: runs from before
        // model selection keep their hash.
        for (SelectionGrid g : List.of(selection.teachers(), selection.student())) {
            String path = g.family().substring("ser.".length()) + ".grid";
            if (g.isEmpty()) {
                ser = ser.withoutPath(path);
            } else if (g.auto()) {
                // What auto resolved to, so that a release that changes auto's points changes the hash.
                ser = ser.withValue(path, ConfigValueFactory.fromAnyRef(Map.of(SelectionGrid.AUTO,
                        g.points().stream().map(SelectionGrid.Point::label).toList())));
            }
        }
        if (!selection.any()) {
            ser = ser.withoutPath("selection");
        }
        Representation rep = features.representation();
        if (!rep.readsFrameSequences()) {
            // Without frame-sequence models the mode is the frozen encoder and no projector is built.
            ser = ser.withoutPath("features.wav2vec2.mode").withoutPath("features.wav2vec2.projector-dim");
        }
        boolean meanPooling = !(rep instanceof Representation.Frames f && f.head().pooling() != HeadSpec.Pooling.MEAN)
                && !(rep instanceof Representation.FineTune t && t.head().pooling() != HeadSpec.Pooling.MEAN);
        if (meanPooling) {
            // Mean pooling has no attention: the attention bottleneck is not read.
            ser = ser.withoutPath("features.wav2vec2.pooling").withoutPath("features.wav2vec2.attention-dim");
        }
        if (run.seeds() == 1) {
            // One seed trains what a run from before the key trained (and the ensemble of one teacher is that
            // teacher), so those runs keep their hash.
            ser = ser.withoutPath("run.seeds").withoutPath("distill.teacher-ensemble");
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
