package io.serdistill.jobs.stages;

import io.serdistill.config.SerConfig;
import io.serdistill.data.Folds;
import io.serdistill.data.ManifestEntry;
import io.serdistill.data.ManifestParser;
import io.serdistill.data.ManifestValidator;
import io.serdistill.data.Reject;
import io.serdistill.data.corpus.CorpusAdapter;
import io.serdistill.data.corpus.CorpusScan;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * manifest: corpus → validated Parquet manifest table + rejects, with the run's fold applied. The source is a
 * manifest CSV (ser.input.manifest or the generated demo corpus) or a corpus directory scanned by an adapter
 * (ser.input.corpus.kind = iemocap | cafe | fesc), whose rows get the same validation as a CSV's and are written
 * into the run as a manifest CSV (corpus/manifest.csv).
 * Splits come from the CSV (ser.folds.scheme = given, checked speaker-disjoint) or from the computed fold
 * ser.folds.fold; every fold's definition is stored in folds.json. Manifests are small (thousands of rows), so all
 * of this runs on the driver, which keeps exact row numbers for error messages.
 */
public final class ManifestStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.manifest");

    @Override
    public String name() {
        return "manifest";
    }

    @Override
    public FoldRole foldRole() {
        return FoldRole.DEFINES_FOLDS;
    }

    /**
     * The input's identity, for the stage marker: the manifest CSV's SHA-256, a scanned corpus directory's listing
     * (paths, sizes, modification times), or the demo corpus's generator options.
     */
    @Override
    public Map<String, String> inputIdentity(StageContext ctx) throws Exception {
        SerConfig.Corpus corpus = ctx.config().input().corpus();
        Configuration conf = ctx.hadoop().get();
        return corpus.scansFiles() ? new HadoopCorpusFiles(corpus.root(), conf).identity()
                : DemoInput.identity(ctx.config(), conf);
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        Configuration conf = ctx.hadoop().get();
        SerConfig.Corpus corpus = cfg.input().corpus();
        SerConfig.FoldSpec foldSpec = cfg.folds();
        boolean computedFolds = foldSpec.scheme() != Folds.Scheme.GIVEN;
        Map<String, Object> counts = new LinkedHashMap<>();
        List<Reject> rejects = new ArrayList<>();
        int corpusRejected = 0;
        String csvUri;
        ManifestValidator.Result parsed;
        if (corpus.scansFiles()) {
            CorpusAdapter adapter = CorpusAdapter.of(corpus.kind().label(), corpus.labelMap(), corpus.labelToken());
            CorpusScan scan = adapter.scan(new HadoopCorpusFiles(corpus.root(), conf));
            csvUri = ctx.layout().corpusManifest();
            HadoopFiles.writeText(csvUri, scan.toCsv(), conf);
            rejects.addAll(scan.rejects());
            corpusRejected = scan.rejects().size();
            LOG.info("{} corpus at {}: {} audio files seen, {} kept, {} rejected; manifest written to {}",
                    adapter.corpus(), corpus.root(), scan.seen(), scan.rows().size(), scan.rejects().size(), csvUri);
            counts.put("corpus_files", scan.seen());
            counts.put("corpus_rejected", scan.rejects().size());
            parsed = new ManifestValidator(cfg.input().languages(), cfg.input().labelMap(), computedFolds,
                    InputRoots.pathRules(cfg, conf)).validate(scan.rows(), csvUri);
        } else {
            csvUri = DemoInput.manifestUri(cfg, conf);
            String csv = new String(HadoopFiles.readBytes(csvUri, conf), StandardCharsets.UTF_8);
            parsed = new ManifestParser(cfg.input().languages(), cfg.input().labelMap(), computedFolds,
                    InputRoots.pathRules(cfg, conf)).parse(csv, csvUri);
        }
        rejects.addAll(parsed.rejects());
        for (Reject r : rejects) {
            LOG.warn("{} {}", csvUri, r.describe());
        }
        if (parsed.entries().isEmpty()) {
            Tables.writeRejects(ctx.spark(), ctx.layout(), name(), rejects.stream().map(Tables::rejectRow).toList());
            throw new IllegalStateException(csvUri + ": no usable rows (" + rejects.size() + " rejected)");
        }
        Folds.Definition folds = Folds.define(parsed.entries(), foldSpec.scheme(), foldSpec.k(), foldSpec.devSpeakers(),
                foldSpec.fold(), cfg.run().seed());
        HadoopFiles.writeText(ctx.layout().folds(), folds.toJson(), conf);
        List<ManifestEntry> entries = Folds.assign(parsed.entries(), folds.selectedFold());

        List<Row> rows = entries.stream().map(ManifestStage::row).toList();
        Tables.overwrite(ctx.spark().createDataFrame(rows, Tables.MANIFEST).coalesce(1), ctx.layout().manifest());
        Tables.writeRejects(ctx.spark(), ctx.layout(), name(), rejects.stream().map(Tables::rejectRow).toList());
        Map<String, Long> perLanguageSplit = new LinkedHashMap<>();
        for (ManifestEntry e : entries) {
            perLanguageSplit.merge(e.language() + "/" + e.split(), 1L, Long::sum);
        }
        long rowsIn = parsed.dataRows() + corpusRejected;
        LOG.info("manifest {}: {} rows, {} usable, {} rejected; fold {} of {} ({}): test speakers {}, dev {}; "
                        + "per language/split {}", csvUri, rowsIn, entries.size(), rejects.size(), folds.selected(),
                folds.folds().size(), folds.scheme(), folds.selectedFold().testSpeakers(),
                folds.selectedFold().devSpeakers(), perLanguageSplit);
        counts.put("rows", rowsIn);
        counts.put("usable", entries.size());
        counts.put("rejected", rejects.size());
        counts.put("source", csvUri);
        counts.put("fold_scheme", folds.scheme());
        counts.put("fold", folds.selected());
        counts.put("folds", folds.folds().size());
        counts.put("per_language_split", perLanguageSplit);
        return counts;
    }

    private static Row row(ManifestEntry e) {
        return RowFactory.create(e.uttId(), e.row(), e.path(), e.language(), e.emotion().label(), e.emotion().ordinal(),
                e.speaker(), e.split(), e.corpus(), e.session());
    }
}
