package io.serdistill.jobs.stages;

import io.serdistill.data.corpus.CorpusKind;
import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.StageInputs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the manifest CSV comes from: {@code ser.input.manifest} when set (unless ser.input.corpus.kind = demo),
 * otherwise the generated demo corpus, which is written once to {@code ser.demo.dir} (a path or any FileSystem URI,
 * written through the FileSystem API so executors on other machines read it) and regenerated only when its options
 * or the generator's version change. Scanned corpora (iemocap, cafe, fesc) do not come through here.
 */
final class DemoInput {
    private static final Logger LOG = LoggerFactory.getLogger("ser.demo");
    /** Next to the demo manifest: the generator options it was written with. */
    private static final String STAMP_FILE = "corpus-options.txt";

    private DemoInput() {}

    static String manifestUri(SerConfig cfg, Configuration conf) throws IOException {
        if (readsCsv(cfg)) {
            return csvManifest(cfg, conf).toString();
        }
        DemoCorpus.Options options = demoOptions(cfg);
        Path dir = demoDir(cfg, conf);
        FileSystem fs = dir.getFileSystem(conf);
        Path manifest = new Path(dir, DemoCorpus.MANIFEST_FILE);
        Path stamp = new Path(dir, STAMP_FILE);
        String wanted = stamp(options);
        if (fs.isFile(manifest) && fs.isFile(stamp)
                && new String(HadoopFiles.readBytes(stamp.toString(), conf), StandardCharsets.UTF_8).equals(wanted)) {
            LOG.info("demo corpus already at {} ({} utterances)", dir, options.size());
        } else {
            long t0 = System.nanoTime();
            // Checksum-free on file:: a .crc beside each WAV would only go stale when someone edits the corpus by
            // hand, and then fail the read.
            FileSystem out = fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
            DemoCorpus.Summary s = new DemoCorpus(options).write((path, bytes) -> {
                try (OutputStream o = out.create(new Path(dir, path), true)) {
                    o.write(bytes);
                }
            });
            HadoopFiles.writeText(stamp.toString(), wanted, conf);
            LOG.info("generated demo corpus: {} utterances, {} s of audio, splits {} at {} in {} s", s.utterances(),
                    String.format("%.0f", s.totalSeconds()), s.bySplit(), dir,
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        }
        return manifest.toString();
    }

    /**
     * What the manifest stage reads, for its marker: the CSV's URI and SHA-256 of its content, or the demo corpus's
     * directory and generator options (the corpus is a function of them).
     */
    static Map<String, String> identity(SerConfig cfg, Configuration conf) throws IOException {
        Map<String, String> identity = new LinkedHashMap<>();
        if (readsCsv(cfg)) {
            Path csv = csvManifest(cfg, conf);
            identity.put("manifest", csv.toString());
            identity.put("manifest_sha256", StageInputs.sha256(HadoopFiles.readBytes(csv.toString(), conf)));
        } else {
            identity.put("demo_dir", demoDir(cfg, conf).toString());
            identity.put("demo_options", stamp(demoOptions(cfg)));
        }
        return identity;
    }

    /** The corpus is a function of the options and the generator's version: a new generator regenerates it. */
    private static String stamp(DemoCorpus.Options options) {
        return options + " generator " + DemoCorpus.GENERATOR_VERSION;
    }

    private static boolean readsCsv(SerConfig cfg) {
        return cfg.input().corpus().kind() != CorpusKind.DEMO && !cfg.input().manifest().isBlank();
    }

    private static Path csvManifest(SerConfig cfg, Configuration conf) throws IOException {
        Path p = new Path(cfg.input().manifest());
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            throw new FileNotFoundException("ser.input.manifest: " + p + " does not exist");
        }
        return fs.makeQualified(p);
    }

    private static Path demoDir(SerConfig cfg, Configuration conf) throws IOException {
        Path p = new Path(cfg.demo().dir());
        return p.getFileSystem(conf).makeQualified(p);
    }

    private static DemoCorpus.Options demoOptions(SerConfig cfg) {
        return DemoCorpus.Options.defaults()
                .withLanguages(cfg.input().languages())
                .withSeed(cfg.demo().seed())
                .withSpeakers(cfg.demo().speakersPerLanguage())
                .withUtterances(cfg.demo().utterancesPerSpeakerPerEmotion());
    }
}
