package io.serdistill.jobs;

import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import io.serdistill.data.corpus.CorpusKind;
import io.serdistill.jobs.run.Stage;
import io.serdistill.representation.Representation;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks at launch, before the Spark session starts, that what the config names can be reached: every location has
 * a FileSystem for its scheme, and the inputs of the stages launched exist (the manifest CSV, a scanned corpus's
 * root, the wav2vec2 model directory). Each failure is a {@link ConfigError} naming the key (exit 2), where it
 * would otherwise fail stages later, after work was done.
 *
 * <p>The wav2vec2 model directory is a local path that every executor has (often shipped with --archives, so the
 * driver of a cluster run may not have it): it is checked only when the master is local, where the driver's disk is
 * the executors' disk.
 */
final class Preflight {
    private Preflight() {}

    static void check(SerConfig config, List<Stage> stages, Configuration conf) {
        List<String> names = stages.stream().map(Stage::name).toList();
        fileSystem("ser.output.root", config.outputRoot(), conf);
        if (names.contains("publish")) {
            fileSystem("ser.warehouse.root", config.warehouse().root(), conf);
        }
        SerConfig.Corpus corpus = config.input().corpus();
        if (names.contains("manifest")) {
            if (corpus.scansFiles()) {
                requireExists("ser.input.corpus.root", corpus.root(), conf, true);
            } else if (corpus.kind() != CorpusKind.DEMO && !config.input().manifest().isBlank()) {
                requireExists("ser.input.manifest", config.input().manifest(), conf, false);
            } else {
                fileSystem("ser.demo.dir", config.demo().dir(), conf);
            }
        }
        if (names.contains("infer")) {
            SerConfig.Infer infer = config.infer();
            if (infer.model().isEmpty()) {
                throw new ConfigError("ser.infer.model", "must name a model package or a run directory (--set"
                        + " infer.model=runs/demo)");
            }
            if (infer.manifest().isEmpty()) {
                throw new ConfigError("ser.infer.manifest", "must name a CSV with a path column (--set"
                        + " infer.manifest=new-audio.csv)");
            }
            requireExists("ser.infer.model", infer.model(), conf, true);
            requireExists("ser.infer.manifest", infer.manifest(), conf, false);
            fileSystem("ser.infer.output", infer.output(), conf);
        }
        boolean readsModel = names.contains("extract") || names.contains("teachers") || names.contains("distill");
        Optional<String> modelDir = modelDir(config.features().representation());
        if (readsModel && modelDir.isPresent() && master(config).startsWith("local")) {
            java.nio.file.Path dir = java.nio.file.Path.of(modelDir.get());
            if (!Files.isDirectory(dir)) {
                throw new ConfigError("ser.features.wav2vec2.model-dir", "'" + modelDir.get() + "' is not a directory"
                        + (Files.exists(dir) ? "" : " (it does not exist)")
                        + "; it must hold a Hugging Face wav2vec2 model (config.json + model.safetensors)");
            }
        }
    }

    private static String master(SerConfig config) {
        return System.getProperty("spark.master", config.spark().master());
    }

    private static Optional<String> modelDir(Representation r) {
        Representation.Wav2Vec2Source source = null;
        if (r instanceof Representation.LayerMeans m) {
            source = m.source();
        } else if (r instanceof Representation.LayerWeights m) {
            source = m.source();
        } else if (r instanceof Representation.Frames m) {
            source = m.source();
        } else if (r instanceof Representation.FineTune m) {
            source = m.source();
        }
        return Optional.ofNullable(source).map(Representation.Wav2Vec2Source::modelDir);
    }

    /** The FileSystem of {@code location}, or a ConfigError naming {@code key} (no such scheme, malformed URI). */
    private static FileSystem fileSystem(String key, String location, Configuration conf) {
        try {
            return new Path(location).getFileSystem(conf);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(key, "'" + location + "' is not a valid path or URI: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new ConfigError(key, "'" + location + "' cannot be reached: " + Failures.oneLine(e)
                    + " (an unknown scheme, or its FileSystem's jars are not on the classpath)");
        }
    }

    private static void requireExists(String key, String location, Configuration conf, boolean directory) {
        FileSystem fs = fileSystem(key, location, conf);
        try {
            Path p = new Path(location);
            if (!fs.exists(p)) {
                throw new ConfigError(key, "'" + location + "' does not exist");
            }
            if (directory != fs.getFileStatus(p).isDirectory()) {
                throw new ConfigError(key, "'" + location + "' is " + (directory ? "not a directory" : "a directory, not a file"));
            }
        } catch (IOException e) {
            throw new ConfigError(key, "'" + location + "' cannot be read: " + Failures.oneLine(e));
        }
    }
}
