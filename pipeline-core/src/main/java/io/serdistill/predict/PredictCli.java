package io.serdistill.predict;

import io.serdistill.audio.AudioFormatException;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.json.Json;
import io.serdistill.packaging.ModelPackage;
import io.serdistill.packaging.PackageError;
import io.serdistill.packaging.PackageScorer;
import io.serdistill.packaging.Prediction;
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
 *   predict --model PACKAGE_OR_RUN [--top N] [--json] [--encoder DIR] FILE_OR_DIR_OR_MANIFEST...
 * </pre>
 * PACKAGE_OR_RUN is a package directory or a run directory (its default package, {@link ModelPackage#resolve}).
 * One line per file on stdout, in input order: {@code path<TAB>predicted<TAB>label:prob ...} (the N most probable
 * classes, default all), or with {@code --json} {@code {"path":…,"predicted":…,"probabilities":{…}}} (plus
 * {@code "label"} where a manifest gives one). A file that cannot be labelled prints {@code ser predict: PATH: REASON}
 * on stderr (and {@code {"path":…,"error":…}} on stdout with --json), and the others go on. Where labels are known, a
 * last line gives accuracy (WA) and UA over them ({@code # …}, or {@code {"summary":{…}}} with --json).
 * Exit codes: 0 all labelled, 1 some file failed, 2 usage or model error (bad --model, missing or damaged package).
 */
public final class PredictCli {
    static final String USAGE = "usage: ser predict --model PACKAGE_OR_RUN [--top N] [--json] [--encoder DIR]"
            + " FILE_OR_DIR_OR_MANIFEST...";

    private PredictCli() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Options after parsing; {@code top} 0 means every class. */
    record Options(Path model, int top, boolean json, Optional<Path> encoder, List<String> inputs) {}

    /** Thrown for command-line mistakes (exit 2). */
    static final class Usage extends Exception {
        Usage(String message) {
            super(message);
        }
    }

    static Options parse(String[] args) throws Usage {
        Path model = null;
        Path encoder = null;
        int top = 0;
        boolean json = false;
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
        return new Options(model, top, json, Optional.ofNullable(encoder), inputs);
    }

    private static String value(String[] args, int i, String option) throws Usage {
        if (i >= args.length) {
            throw new Usage(option + " needs a value");
        }
        return args[i];
    }

    /** Runs the command; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
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
        List<String> classes = scorer.card().classes();
        int top = o.top() == 0 ? classes.size() : o.top();
        long[][] counts = new long[classes.size()][classes.size()];
        int failed = 0;
        int files = 0;
        for (PredictInputs.Item item : PredictInputs.expand(o.inputs())) {
            files++;
            String error = item.error();
            Prediction p = null;
            if (error == null) {
                try {
                    p = predict(scorer, item.file());
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
                counts[truth][p.predicted()]++;
            }
            out.println(o.json() ? jsonLine(item, p, top) : textLine(item, p, top));
        }
        summary(out, o.json(), counts, files, failed);
        return failed > 0 ? 1 : 0;
    }

    private static Prediction predict(PackageScorer scorer, Path file) throws IOException, AudioFormatException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(Files.isDirectory(file) ? "a directory" : "not a regular file");
        }
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return scorer.predict(file.toString(), in, Files.size(file));
        }
    }

    private static String textLine(PredictInputs.Item item, Prediction p, int top) {
        String probs = p.top(top).entrySet().stream()
                .map(e -> e.getKey() + ":" + String.format(Locale.ROOT, "%.4f", e.getValue()))
                .collect(Collectors.joining(" "));
        return item.shown() + "\t" + p.label() + "\t" + probs;
    }

    private static String jsonLine(PredictInputs.Item item, Prediction p, int top) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("path", item.shown());
        line.put("predicted", p.label());
        line.put("probabilities", p.top(top));
        if (item.label() != null) {
            line.put("label", item.label());
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
