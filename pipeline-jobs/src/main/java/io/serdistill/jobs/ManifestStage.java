package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import io.serdistill.data.ManifestEntry;
import io.serdistill.data.ManifestParser;
import io.serdistill.data.Reject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * manifest: CSV → validated Parquet manifest table + rejects. Manifests are small (thousands of rows), so the
 * CSV is parsed on the driver, which keeps exact row numbers for error messages.
 */
public final class ManifestStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.manifest");

    public static void main(String[] args) {
        StageRunner.mainExit(List.of(new ManifestStage()), args);
    }

    @Override
    public String name() {
        return "manifest";
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        SerConfig cfg = ctx.config();
        String csvUri = DemoInput.manifestUri(cfg, ctx.hadoop().get());
        String csv = new String(RunLayout.readBytes(csvUri, ctx.hadoop().get()), StandardCharsets.UTF_8);
        ManifestParser.Result parsed = new ManifestParser(cfg.input().languages(), cfg.input().labelMap()).parse(csv, csvUri);
        for (Reject r : parsed.rejects()) {
            LOG.warn("{} {}", csvUri, r.describe());
        }
        List<Row> rows = parsed.entries().stream().map(ManifestStage::row).toList();
        Tables.overwrite(ctx.spark().createDataFrame(rows, Tables.MANIFEST).coalesce(1), ctx.layout().manifest());
        Tables.writeRejects(ctx.spark(), ctx.layout(), name(), parsed.rejects().stream().map(Tables::rejectRow).toList());
        if (parsed.entries().isEmpty()) {
            throw new IllegalStateException(csvUri + ": no usable rows (" + parsed.rejects().size() + " rejected)");
        }
        Map<String, Long> perLanguageSplit = new LinkedHashMap<>();
        for (ManifestEntry e : parsed.entries()) {
            perLanguageSplit.merge(e.language() + "/" + e.split(), 1L, Long::sum);
        }
        LOG.info("manifest {}: {} rows, {} usable, {} rejected; per language/split {}", csvUri, parsed.dataRows(),
                parsed.entries().size(), parsed.rejects().size(), perLanguageSplit);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("rows", parsed.dataRows());
        counts.put("usable", parsed.entries().size());
        counts.put("rejected", parsed.rejects().size());
        counts.put("source", csvUri);
        return counts;
    }

    private static Row row(ManifestEntry e) {
        return RowFactory.create(e.uttId(), e.row(), e.path(), e.language(), e.emotion().label(), e.emotion().ordinal(),
                e.speaker(), e.split(), e.corpus(), e.session());
    }
}
