package io.serdistill.predict;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioPreparer;
import io.serdistill.audio.Segmentation;
import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.json.Json;
import io.serdistill.packaging.ModelPackage;
import io.serdistill.packaging.PackageError;
import io.serdistill.packaging.PackageScorer;
import io.serdistill.packaging.Prediction;
import io.serdistill.packaging.SegmentedPrediction;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code ser predict}: labels audio files with one model package, without Spark (pipeline-core and ND4J only).
 * <pre>
 *   predict --model PACKAGE_OR_RUN [--top N] [--json] [--encoder DIR] [--language XX]
 *           [--segmenter windows|energy-vad] [--segment-seconds S] [--segment-hop-seconds H] [--max-file-seconds S]
 *           FILE_OR_DIR_OR_MANIFEST...
 * </pre>
 * PACKAGE_OR_RUN is a package directory or a run directory (its default package, {@link ModelPackage#resolve}).
 * Files are prepared and cut as the infer stage does, with the same defaults (ser.infer.* in reference.conf): read up
 * to --max-file-seconds; one longer than --segment-seconds is cut into windows (or energy-vad regions) and scored per
 * segment, its file result the speech-weighted mean of the segments' probabilities ({@link SegmentedPrediction}).
 * One line per file on stdout, in input order: {@code path<TAB>predicted<TAB>label:prob ...} (the N most probable
 * classes, default all; a cut file adds a fourth column, {@code aggregate of K segments …}, followed by one line per
 * segment, {@code path<TAB>predicted<TAB>label:prob ...<TAB>segment i/K START-END s}), or with {@code --json}
 * {@code {"path":…,"predicted":…,"probabilities":{…}}} (plus {@code "label"} where a manifest gives one, and for a cut
 * file {@code "num_segments"}, {@code "speech_s"} and {@code "segments":[{"start_s","end_s","speech_s","predicted",
 * "probabilities"}…]}). A package that takes the language as an input (ft-multi-lang) needs each file's language:
 * the manifest's {@code language} column, else {@code --language}; other packages ignore both. A file that cannot be
 * labelled (including one without a language such a package takes) prints {@code ser predict: PATH: REASON} on
 * stderr (and {@code {"path":…,"error":…}} on stdout with --json), and the others go on. Where labels are known, a
 * last line gives accuracy (WA) and UA over them ({@code # …}, or {@code {"summary":{…}}} with --json).
 * Exit codes: 0 all labelled, 1 some file failed, 2 usage or model error (bad option value, bad --model, missing or
 * damaged package, a --language the package does not take).
 */
public final class PredictCli {
    static final String USAGE = "usage: ser predict --model PACKAGE_OR_RUN [--top N] [--json] [--encoder DIR]"
            + " [--language XX] [--segmenter windows|energy-vad] [--segment-seconds S] [--segment-hop-seconds H]"
            + " [--max-file-seconds S] FILE_OR_DIR_OR_MANIFEST...";

    /** The segmentation options and the ser.infer.* keys whose defaults and rules they take. */
    private static final Map<String, String> INFER_KEYS = Map.of(
            "--segmenter", "ser.infer.segmentation",
            "--segment-seconds", "ser.infer.segment-seconds",
            "--segment-hop-seconds", "ser.infer.segment-hop-seconds",
            "--max-file-seconds", "ser.infer.max-file-seconds");

    private PredictCli() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Options after parsing; {@code top} 0 means every class; {@code language} null when not given. */
    record Options(Path model, int top, boolean json, Optional<Path> encoder, String language,
                   Segmentation segmentation, double maxFileSeconds, List<String> inputs) {}

    /** Thrown for command-line mistakes (exit 2). */
    static final class Usage extends Exception {
        Usage(String message) {
            super(message);
        }
    }

    static Options parse(String[] args) throws Usage {
        Path model = null;
        Path encoder = null;
        String language = null;
        int top = 0;
        boolean json = false;
        Map<String, String> infer = new LinkedHashMap<>();
        List<String> inputs = new ArrayList<>();
        boolean operandsOnly = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (operandsOnly || !a.startsWith("--")) {
                inputs.add(a);
                continue;
            }
            switch (a) {
                case "--" -> operandsOnly = true;
                case "--json" -> json = true;
                case "--model" -> model = Path.of(value(args, ++i, a));
                case "--encoder" -> encoder = Path.of(value(args, ++i, a));
                case "--language" -> {
                    language = value(args, ++i, a).strip();
                    if (language.isEmpty()) {
                        throw new Usage("--language needs a language code, e.g. en");
                    }
                }
                case "--segmenter", "--segment-seconds", "--segment-hop-seconds", "--max-file-seconds" ->
                        infer.put(a, value(args, ++i, a));
                case "--top" -> {
                    String v = value(args, ++i, a);
                    try {
                        top = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        top = -1;
                    }
                    if (top < 1) {
                        throw new Usage("--top must be a whole number >= 1, got '" + v + "'");
                    }
                }
                default -> throw new Usage("unknown option " + a);
            }
        }
        if (model == null) {
            throw new Usage("--model is required");
        }
        if (inputs.isEmpty()) {
            throw new Usage("no input files");
        }
        SerConfig.Infer settings = inferSettings(infer);
        return new Options(model, top, json, Optional.ofNullable(encoder), language, settings.segmentation(),
                settings.maxFileSeconds(), inputs);
    }

    /** ser.infer.*'s segmentation with the options given on the command line, checked by the same rules. */
    private static SerConfig.Infer inferSettings(Map<String, String> options) throws Usage {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (Map.Entry<String, String> o : options.entrySet()) {
            String v = o.getValue().strip();
            if (!o.getKey().equals("--segmenter")) {
                try {
                    Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new Usage(o.getKey() + " must be a number of seconds, got '" + o.getValue() + "'");
                }
            }
            overrides.put(INFER_KEYS.get(o.getKey()), v);
        }
        try {
            return SerConfig.load(List.of(), overrides).infer();
        } catch (ConfigError e) {
            String message = e.getMessage();
            for (Map.Entry<String, String> k : INFER_KEYS.entrySet()) {
                message = message.replace("config key '" + k.getValue() + "'", k.getKey())
                        .replace(k.getValue(), k.getKey());
            }
            throw new Usage(message);
        }
    }

    private static String value(String[] args, int i, String option) throws Usage {
        if (i >= args.length) {
            throw new Usage(option + " needs a value");
        }
        return args[i];
    }

    /** Runs the command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (Usage e) {
            err.println("ser predict: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        PackageScorer scorer;
        try {
            ModelPackage pkg = ModelPackage.open(ModelPackage.resolve(o.model()));
            scorer = pkg.scorer(o.encoder());
        } catch (PackageError e) {
            err.println("ser predict: " + e.getMessage());
            return 2;
        }
        if (o.language() != null && scorer.languageProblem(o.language()) != null) {
            err.println("ser predict: --language: " + scorer.languageProblem(o.language()));
            return 2;
        }
        AudioPreparer preparer = scorer.recordingPreparer(o.maxFileSeconds());
        List<String> classes = scorer.card().classes();
        int top = o.top() == 0 ? classes.size() : o.top();
        long[][] counts = new long[classes.size()][classes.size()];
        int failed = 0;
        int files = 0;
        for (PredictInputs.Item item : PredictInputs.expand(o.inputs())) {
            files++;
            String error = item.error();
            String language = item.language() != null ? item.language() : o.language();
            if (error == null) {
                error = scorer.languageProblem(language);
            }
            Scored p = null;
            if (error == null) {
                try {
                    p = predict(scorer, preparer, o, item.file(), language);
                    if (p == null) {
                        error = "NO_SPEECH: energy-vad found no speech";
                    }
                } catch (AudioFormatException e) {
                    error = e.problem().name() + ": " + e.getMessage();
                } catch (IOException e) {
                    error = "cannot read: " + e.getMessage();
                } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
                    error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                }
            }
            if (error != null) {
                failed++;
                err.println("ser predict: " + item.shown() + ": " + error);
                if (o.json()) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("path", item.shown());
                    line.put("error", error);
                    out.println(Json.compact(line));
                }
                continue;
            }
            int truth = item.label() == null ? -1 : classes.indexOf(item.label());
            if (item.label() != null && truth < 0) {
                err.println("ser predict: " + item.shown() + ": label '" + item.label() + "' is not one of the"
                        + " model's classes " + classes + "; left out of the accuracy");
            }
            if (truth >= 0) {
                counts[truth][p.result().aggregate().predicted()]++;
            }
            if (o.json()) {
                out.println(jsonLine(item, p, top));
            } else {
                textLines(out, item, p, top);
            }
        }
        summary(out, o.json(), counts, files, failed);
        return failed > 0 ? 1 : 0;
    }

    /** One file's result and whether it was read only up to --max-file-seconds. */
    private record Scored(SegmentedPrediction result, boolean cut) {
        boolean segmented() {
            return result.segments().size() > 1;
        }
    }

    /** The file's prediction, or null when energy-vad finds no speech in it. */
    private static Scored predict(PackageScorer scorer, AudioPreparer preparer, Options o, Path file, String language)
            throws IOException, AudioFormatException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(Files.isDirectory(file) ? "a directory" : "not a regular file");
        }
        AudioClip clip;
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            clip = preparer.prepare(in, Files.size(file));
        }
        Optional<SegmentedPrediction> p = scorer.predict(file.toString(), clip, o.segmentation(), language);
        boolean cut = clip.durationSeconds() >= o.maxFileSeconds() - 1.0 / clip.sampleRate();
        return p.map(r -> new Scored(r, cut)).orElse(null);
    }

    private static void textLines(PrintStream out, PredictInputs.Item item, Scored s, int top) {
        if (!s.segmented()) {
            out.println(textLine(item, s.result().aggregate(), top) + (s.cut() ? "\tread up to --max-file-seconds" : ""));
            return;
        }
        int n = s.result().segments().size();
        out.println(textLine(item, s.result().aggregate(), top) + "\t" + String.format(Locale.ROOT,
                "aggregate of %d segments (%.2f s of speech)%s", n, s.result().aggregate().seconds(),
                s.cut() ? ", read up to --max-file-seconds" : ""));
        for (int i = 0; i < n; i++) {
            SegmentedPrediction.Scored seg = s.result().segments().get(i);
            out.println(textLine(item, seg.prediction(), top) + "\t" + String.format(Locale.ROOT,
                    "segment %d/%d %.2f-%.2f s", i + 1, n, seg.segment().startSeconds(), seg.segment().endSeconds()));
        }
    }

    private static String textLine(PredictInputs.Item item, Prediction p, int top) {
        String probs = p.top(top).entrySet().stream()
                .map(e -> e.getKey() + ":" + String.format(Locale.ROOT, "%.4f", e.getValue()))
                .collect(Collectors.joining(" "));
        return item.shown() + "\t" + p.label() + "\t" + probs;
    }

    private static String jsonLine(PredictInputs.Item item, Scored s, int top) {
        Prediction p = s.result().aggregate();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("path", item.shown());
        line.put("predicted", p.label());
        line.put("probabilities", p.top(top));
        if (item.label() != null) {
            line.put("label", item.label());
        }
        if (s.cut()) {
            line.put("cut", true);
        }
        if (s.segmented()) {
            line.put("num_segments", s.result().segments().size());
            line.put("speech_s", p.seconds());
            List<Map<String, Object>> segments = new ArrayList<>();
            for (SegmentedPrediction.Scored seg : s.result().segments()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("start_s", seg.segment().startSeconds());
                m.put("end_s", seg.segment().endSeconds());
                m.put("speech_s", seg.segment().speechSeconds());
                m.put("predicted", seg.prediction().label());
                m.put("probabilities", seg.prediction().top(top));
                segments.add(m);
            }
            line.put("segments", segments);
        }
        return Json.compact(line);
    }

    private static void summary(PrintStream out, boolean json, long[][] counts, int files, int failed) {
        ConfusionMatrix cm = ConfusionMatrix.ofCounts(counts);
        if (cm.total() == 0) {
            return;
        }
        if (json) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("files", files);
            s.put("failed", failed);
            s.put("labelled", cm.total());
            s.put("wa", cm.accuracy());
            s.put("ua", cm.unweightedRecall());
            out.println(Json.compact(Map.of("summary", s)));
        } else {
            out.println(String.format(Locale.ROOT, "# %d labelled of %d files (%d failed): accuracy (WA) %.1f %%,"
                    + " UA %.1f %%", cm.total(), files, failed, 100 * cm.accuracy(), 100 * cm.unweightedRecall()));
        }
    }
}
