package io.serdistill.jobs;

import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options shared by every stage: {@code --conf FILE} (repeatable; later files win),
 * {@code --set key=value} (repeatable; wins over files; "ser." may be omitted), {@code --force} (re-run stages
 * that already completed with the same config).
 */
public record JobArgs(List<Path> confFiles, Map<String, String> overrides, boolean force) {

    public static final String USAGE = "options: [--conf FILE]... [--set key=value]... [--force]";

    public static JobArgs parse(String[] args) {
        List<Path> files = new ArrayList<>();
        Map<String, String> overrides = new LinkedHashMap<>();
        boolean force = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conf", "-c" -> files.add(Path.of(value(args, ++i, "--conf")));
                case "--set", "-s" -> {
                    Map.Entry<String, String> kv = SerConfig.splitOverride(value(args, ++i, "--set"));
                    overrides.put(kv.getKey(), kv.getValue());
                }
                case "--force" -> force = true;
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'; " + USAGE);
            }
        }
        return new JobArgs(List.copyOf(files), overrides, force);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
        }
        return args[i];
    }

    public SerConfig config() throws ConfigError {
        return SerConfig.load(confFiles, overrides);
    }
}
