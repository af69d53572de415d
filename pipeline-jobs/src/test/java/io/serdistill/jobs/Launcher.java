package io.serdistill.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs submit/ser (bash) from the checkout and reads what {@code --print-submit} prints. */
final class Launcher {
    /** What one launcher call did. */
    record Result(int exitCode, String stdout, String stderr) {}

    /**
     * A printed spark-submit command: the options before the jar (in order, values unquoted), the jar and the
     * application arguments.
     */
    record Submit(List<Map.Entry<String, String>> options, String jar, List<String> appArgs) {
        String option(String name) {
            return options.stream().filter(o -> o.getKey().equals(name)).map(Map.Entry::getValue).findFirst().orElse(null);
        }

        /**
         * The config overlays the application arguments name, in order: a path or URI for {@code --conf}, and
         * "NAME=TEXT" (decoded) for {@code --conf-text NAME BASE64}.
         */
        List<String> overlays() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < appArgs.size(); i++) {
                if (appArgs.get(i).equals("--conf")) {
                    out.add(appArgs.get(++i));
                } else if (appArgs.get(i).equals("--conf-text")) {
                    String name = appArgs.get(++i);
                    out.add(name + "=" + new String(java.util.Base64.getDecoder().decode(appArgs.get(++i)), StandardCharsets.UTF_8));
                }
            }
            return out;
        }

        /** The application arguments with each {@code --conf-text NAME BASE64} shortened to {@code --conf-text NAME}. */
        List<String> appArgsWithoutText() {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < appArgs.size(); i++) {
                out.add(appArgs.get(i));
                if (appArgs.get(i).equals("--conf-text")) {
                    out.add(appArgs.get(++i));
                    i++;
                }
            }
            return out;
        }

        /** The --conf settings as key → value. */
        Map<String, String> conf() {
            Map<String, String> conf = new LinkedHashMap<>();
            options.stream().filter(o -> o.getKey().equals("--conf")).forEach(o -> {
                int eq = o.getValue().indexOf('=');
                conf.put(o.getValue().substring(0, eq), o.getValue().substring(eq + 1));
            });
            return conf;
        }
    }

    private Launcher() {}

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("submit/ser"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("submit/ser not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", repoRoot().resolve("submit/ser").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(repoRoot().toFile());
        // Only what the test sets: a developer's own SER_* settings must not leak in.
        pb.environment().keySet().removeIf(k -> k.startsWith("SER_") || k.equals("SPARK_HOME") || k.equals("SPARK_SUBMIT")
                || k.equals("SPARK_CONF_DIR"));
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        return new Result(p.waitFor(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** Runs {@code --print-submit args…}, which must succeed, and parses the command it prints. */
    static Submit printSubmit(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("--print-submit"));
        all.addAll(List.of(args));
        Result r = run(env, all.toArray(String[]::new));
        if (r.exitCode() != 0) {
            throw new AssertionError("ser --print-submit exited " + r.exitCode() + ": " + r.stderr());
        }
        return parse(r.stdout());
    }

    /** One option per line ("--name value"), the last line "jar args…", lines joined by " \". */
    static Submit parse(String printed) {
        List<List<String>> lines = new ArrayList<>();
        for (String line : printed.strip().split("\n")) {
            lines.add(words(line.strip().replaceAll("\\s*\\\\$", "")));
        }
        List<Map.Entry<String, String>> options = new ArrayList<>();
        for (List<String> line : lines.subList(1, lines.size() - 1)) {
            if (line.size() != 2 || !line.get(0).startsWith("--")) {
                throw new AssertionError("not an option line: " + line);
            }
            options.add(Map.entry(line.get(0), line.get(1)));
        }
        List<String> last = lines.get(lines.size() - 1);
        return new Submit(options, last.get(0), last.subList(1, last.size()));
    }

    /** Splits bash printf %q output into words: backslash escapes and single quotes. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                w.append(line.charAt(++i));
                inWord = true;
            } else if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                w.append(line, i + 1, end);
                i = end;
                inWord = true;
            } else if (c == ' ') {
                if (inWord) {
                    words.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(w.toString());
        }
        return words;
    }
}
