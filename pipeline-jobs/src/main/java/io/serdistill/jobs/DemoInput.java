package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.data.DemoCorpus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the manifest CSV comes from: {@code ser.input.manifest} when set (unless ser.input.corpus.kind = demo),
 * otherwise the generated demo corpus, which is written once to {@code ser.demo.dir} (a local directory) and
 * regenerated only when its options change. Scanned corpora (iemocap, cafe, fesc) do not come through here.
 */
final class DemoInput {
    private static final Logger LOG = LoggerFactory.getLogger("ser.demo");

    private DemoInput() {}

    static String manifestUri(SerConfig cfg, Configuration conf) throws IOException {
        if (!cfg.input().corpus().kind().equals("demo") && !cfg.input().manifest().isBlank()) {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(cfg.input().manifest());
            org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) {
                throw new java.io.FileNotFoundException("ser.input.manifest: " + p + " does not exist");
            }
            return fs.makeQualified(p).toString();
        }
        DemoCorpus.Options options = DemoCorpus.Options.defaults()
                .withLanguages(cfg.input().languages())
                .withSeed(cfg.demo().seed())
                .withSpeakers(cfg.demo().speakersPerLanguage())
                .withUtterances(cfg.demo().utterancesPerSpeakerPerEmotion());
        Path dir = Path.of(cfg.demo().dir()).toAbsolutePath().normalize();
        Path manifest = dir.resolve("manifest.csv");
        Path stamp = dir.resolve("corpus-options.txt");
        String wanted = options.toString();
        if (Files.isRegularFile(manifest) && Files.isRegularFile(stamp)
                && Files.readString(stamp, StandardCharsets.UTF_8).equals(wanted)) {
            LOG.info("demo corpus already at {} ({} utterances)", dir, options.size());
        } else {
            long t0 = System.nanoTime();
            DemoCorpus.Summary s = new DemoCorpus(options).write(dir);
            Files.writeString(stamp, wanted, StandardCharsets.UTF_8);
            LOG.info("generated demo corpus: {} utterances, {} s of audio, splits {} at {} in {} s", s.utterances(),
                    String.format("%.0f", s.totalSeconds()), s.bySplit(), dir,
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        }
        return manifest.toUri().toString();
    }
}
