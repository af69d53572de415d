package io.serdistill.jobs.run;

import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Command-line options shared by every stage: {@code --conf FILE} (repeatable; later files win; a local path or a
 * Hadoop FileSystem URI such as {@code hdfs://nn/ser/site.conf}), {@code --set key=value} (repeatable; wins over
 * files; "ser." may be omitted), {@code --force} (re-run stages that already completed with the same config), {@code --force-unlock} (take over
 * the run directory's lock from a launch known to be gone; see {@link RunLock}).
 *
 * <p>{@code --conf-text NAME BASE64} is an overlay sent inline, as the launcher does in cluster deploy mode so that no
 * file has to reach the driver's machine: BASE64 is the file's UTF-8 text, NAME (the file it came from) is what error
 * messages name. It takes its place among the {@code --conf} files in command-line order.
 */
public record JobArgs(List<Overlay> overlays, Map<String, String> overrides, boolean force, boolean forceUnlock) {

    public static final String USAGE = "options: [--conf FILE|URI]... [--set key=value]... [--force] [--force-unlock]";
    private static final Pattern URI_LIKE = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://.*");

    /** Where one configuration overlay comes from; {@link #name()} is how messages refer to it. */
    public sealed interface Overlay {
        String name();

        /** A file on the driver's own disk, read by SerConfig directly. */
        record LocalFile(Path path) implements Overlay {
            @Override
            public String name() {
                return path.toString();
            }
        }

        /** A file on a Hadoop FileSystem (hdfs://, s3a://, file://, …), read on the driver. */
        record FileSystemFile(URI uri) implements Overlay {
            @Override
            public String name() {
                return uri.toString();
            }
        }

        /** An overlay's text given on the command line (UTF-8). */
        record Inline(String name, String text) implements Overlay {}
    }

    public static JobArgs parse(String[] args) {
        List<Overlay> overlays = new ArrayList<>();
        Map<String, String> overrides = new LinkedHashMap<>();
        boolean force = false;
        boolean forceUnlock = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conf", "-c" -> overlays.add(overlay(value(args, ++i, "--conf")));
                case "--conf-text" -> {
                    String name = value(args, ++i, "--conf-text");
                    overlays.add(new Overlay.Inline(name, decode(name, value(args, ++i, "--conf-text " + name))));
                }
                case "--set", "-s" -> {
                    Map.Entry<String, String> kv = SerConfig.splitOverride(value(args, ++i, "--set"));
                    overrides.put(kv.getKey(), kv.getValue());
                }
                case "--force" -> force = true;
                case "--force-unlock" -> forceUnlock = true;
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; " + USAGE);
            }
        }
        return new JobArgs(List.copyOf(overlays), overrides, force, forceUnlock);
    }

    private static Overlay overlay(String arg) {
        if (URI_LIKE.matcher(arg).matches()) {
            try {
                return new Overlay.FileSystemFile(new URI(arg));
            } catch (java.net.URISyntaxException e) {
                throw new ConfigError("--conf", "'" + arg + "' is not a valid URI: " + e.getMessage());
            }
        }
        return new Overlay.LocalFile(Path.of(arg));
    }

    private static String decode(String name, String base64) {
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("--conf-text " + name, "the text is not base64: " + e.getMessage());
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
        }
        return args[i];
    }

    /**
     * Loads the configuration. Overlays that are not local files are copied to a private temporary directory for
     * SerConfig, and errors about such a copy name the overlay instead.
     */
    public SerConfig config() throws ConfigError {
        if (overlays.stream().allMatch(o -> o instanceof Overlay.LocalFile)) {
            return SerConfig.load(overlays.stream().map(o -> ((Overlay.LocalFile) o).path()).toList(), overrides);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("ser-conf");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> names = new LinkedHashMap<>();
        try {
            List<Path> paths = new ArrayList<>();
            for (int i = 0; i < overlays.size(); i++) {
                Overlay o = overlays.get(i);
                if (o instanceof Overlay.LocalFile f) {
                    paths.add(f.path());
                    continue;
                }
                // The copy keeps the overlay's own file name, so HOCON's messages stay readable.
                Path copy = dir.resolve(i + "-" + fileName(o));
                Files.writeString(copy, text(o));
                names.put(copy.toString(), o.name());
                paths.add(copy);
            }
            return SerConfig.load(paths, overrides);
        } catch (ConfigError e) {
            throw renamed(e, names);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static String fileName(Overlay o) {
        String path = o instanceof Overlay.FileSystemFile f ? f.uri().getPath() : o.name();
        Path name = path == null || path.isEmpty() ? null : Path.of(path).getFileName();
        return name == null ? "overlay.conf" : name.toString();
    }

    private static String text(Overlay o) {
        if (o instanceof Overlay.Inline in) {
            return in.text();
        }
        if (o instanceof Overlay.FileSystemFile f) {
            return read(f.uri());
        }
        throw new IllegalStateException("SerConfig reads local files itself: " + o);
    }

    private static String read(URI uri) {
        try {
            FileSystem fs = FileSystem.get(uri, hadoopConf());
            try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(uri))) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (FileNotFoundException e) {
            throw new ConfigError("--conf", "file " + uri + " does not exist");
        } catch (IOException e) {
            throw new ConfigError("--conf " + uri, "cannot be read: " + e);
        }
    }

    /**
     * The Hadoop configuration the session will have: site files on the classpath plus spark-submit's
     * {@code spark.hadoop.*} settings, which reach the driver as system properties.
     */
    private static Configuration hadoopConf() {
        Configuration c = new Configuration();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("spark.hadoop."))
                .forEach(k -> c.set(k.substring("spark.hadoop.".length()), System.getProperty(k)));
        return c;
    }

    /** The same error with the temporary copies' paths replaced by the overlays' names. */
    private static ConfigError renamed(ConfigError e, Map<String, String> names) {
        String key = e.key();
        String original = e.getMessage().substring(("config key '" + key + "': ").length());
        String reason = original;
        for (Map.Entry<String, String> n : names.entrySet()) {
            key = key.replace(n.getKey(), n.getValue());
            reason = reason.replace(n.getKey(), n.getValue());
        }
        return key.equals(e.key()) && reason.equals(original) ? e : new ConfigError(key, reason, e);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory left behind is harmless.
        }
    }
}
