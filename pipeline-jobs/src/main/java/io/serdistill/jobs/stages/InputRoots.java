package io.serdistill.jobs.stages;

import io.serdistill.config.SerConfig;
import io.serdistill.data.ManifestValidator;
import io.serdistill.jobs.fs.AudioFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/** Where manifest rows may point, for the stages that read a manifest's audio (manifest, infer). */
final class InputRoots {
    private InputRoots() {}

    /**
     * Where rows may point besides the manifest's own tree: ser.input.allowed-roots, the demo corpus directory and a
     * scanned corpus's root, each qualified as the manifest's URI is (a bare path takes the default FileSystem and
     * the working directory); and which schemes a FileSystem here reads (looked up once per scheme, on the driver).
     */
    static ManifestValidator.PathRules pathRules(SerConfig cfg, Configuration conf) {
        List<String> roots = new ArrayList<>();
        for (String r : cfg.input().allowedRoots()) {
            roots.add(qualified(r, conf));
        }
        roots.add(qualified(cfg.demo().dir(), conf));
        if (cfg.input().corpus().scansFiles()) {
            roots.add(qualified(cfg.input().corpus().root(), conf));
        }
        Map<String, java.util.Optional<String>> schemes = new java.util.HashMap<>();
        return new ManifestValidator.PathRules(roots, scheme -> schemes.computeIfAbsent(scheme,
                s -> java.util.Optional.ofNullable(AudioFiles.unsupportedScheme(s, conf))).orElse(null));
    }

    /** The root as a qualified URI; as written when its FileSystem is not available here (its rows say why). */
    private static String qualified(String root, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root);
            return p.getFileSystem(conf).makeQualified(p).toString();
        } catch (java.io.IOException | RuntimeException | LinkageError e) {
            return root;
        }
    }
}
