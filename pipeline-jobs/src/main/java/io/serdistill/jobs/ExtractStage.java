package io.serdistill.jobs;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioOptions;
import io.serdistill.audio.AudioPreparer;
import io.serdistill.audio.ChannelMode;
import io.serdistill.config.SerConfig;
import io.serdistill.data.RejectReason;
import io.serdistill.features.FbankOptions;
import io.serdistill.features.FeatureMatrix;
import io.serdistill.features.KaldiFbank;
import io.serdistill.features.UtterancePooling;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * extract: decode each manifest row's audio and compute log-mel filterbank features, sharded over partitions
 * (one decoder, resampler and FFT plan per task). Output: features/fbank/language=…/split=…/ with framewise
 * features and their statistics pooling; unusable files go to rejects/stage=extract with a reason code.
 * Fails if rows in ≠ features + rejects.
 */
public final class ExtractStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.extract");
    public static final String KIND = "fbank";

    /** What a task needs, as plain serialisable values. Durations in seconds, frame sizes in milliseconds. */
    record Settings(int sampleRate, int channel, double maxSeconds, double minSeconds, int melBins,
                    double frameLengthMs, double frameShiftMs, double dither) implements Serializable {
        static Settings of(SerConfig c) {
            return new Settings(c.audio().sampleRate(), c.audio().channel(), c.audio().maxSeconds(),
                    c.audio().minSeconds(), c.features().fbank().numMelBins(), c.features().fbank().frameLengthMs(),
                    c.features().fbank().frameShiftMs(), c.features().fbank().dither());
        }

        AudioPreparer preparer() {
            return new AudioPreparer(new AudioOptions(sampleRate,
                    channel < 0 ? ChannelMode.DOWNMIX : ChannelMode.select(channel), maxSeconds, minSeconds));
        }

        KaldiFbank fbank() {
            return new KaldiFbank(FbankOptions.defaults().toBuilder().sampleRate(sampleRate).numMelBins(melBins)
                    .frameLengthMs(frameLengthMs).frameShiftMs(frameShiftMs).dither(dither).build());
        }
    }

    /** One row per manifest row: features when reason is null, otherwise the reject. */
    static final StructType RESULT = new StructType()
            .add("utt_id", DataTypes.StringType, false)
            .add("row", DataTypes.LongType, false)
            .add("path", DataTypes.StringType, false)
            .add("language", DataTypes.StringType, false)
            .add("emotion", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("speaker", DataTypes.StringType, false)
            .add("split", DataTypes.StringType, false)
            .add("corpus", DataTypes.StringType, false)
            .add("session", DataTypes.StringType, false)
            .add("duration_s", DataTypes.DoubleType, true)
            .add("num_frames", DataTypes.IntegerType, true)
            .add("dim", DataTypes.IntegerType, true)
            .add("pooled", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("frames", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("reason", DataTypes.StringType, true)
            .add("message", DataTypes.StringType, true);

    public static void main(String[] args) {
        StageRunner.mainExit(List.of(new ExtractStage()), args);
    }

    @Override
    public String name() {
        return "extract";
    }

    @Override
    public Map<String, Object> run(StageContext ctx) {
        Dataset<Row> manifest = ctx.spark().read().parquet(ctx.layout().manifest());
        long rowsIn = manifest.count();
        int partitions = ctx.config().features().partitions() > 0 ? ctx.config().features().partitions()
                : Math.max(1, 4 * ctx.spark().sparkContext().defaultParallelism());
        partitions = (int) Math.max(1, Math.min(partitions, rowsIn));
        Settings settings = Settings.of(ctx.config());
        HadoopConf hadoop = ctx.hadoop();
        JavaRDD<Row> results = manifest.repartition(partitions).javaRDD()
                .mapPartitions(rows -> extractPartition(rows, settings, hadoop));
        Dataset<Row> all = ctx.spark().createDataFrame(results, RESULT).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Dataset<Row> features = all.filter(col("reason").isNull()).drop("reason", "message");
            features.write().mode(SaveMode.Overwrite).partitionBy("language", "split").parquet(ctx.layout().features(KIND));
            Dataset<Row> rejects = all.filter(col("reason").isNotNull())
                    .select("row", "utt_id", "path", "reason", "message");
            rejects.coalesce(1).write().mode(SaveMode.Overwrite).parquet(ctx.layout().rejects(name()));
            long featureRows = ctx.spark().read().parquet(ctx.layout().features(KIND)).count();
            List<Row> rejected = ctx.spark().read().parquet(ctx.layout().rejects(name())).collectAsList();
            for (Row r : rejected) {
                LOG.warn("rejected row {} ({}): {}: {}", r.getLong(0), r.getString(2), r.getString(3), r.getString(4));
            }
            if (featureRows + rejected.size() != rowsIn) {
                throw new IllegalStateException("extract lost rows: manifest has " + rowsIn + " rows but features hold "
                        + featureRows + " and rejects " + rejected.size());
            }
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("rows", rowsIn);
            counts.put("features", featureRows);
            counts.put("rejected", (long) rejected.size());
            counts.put("partitions", partitions);
            Row seconds = features.agg(org.apache.spark.sql.functions.sum("duration_s")).first();
            counts.put("audio_seconds", seconds.isNullAt(0) ? 0.0 : seconds.getDouble(0));
            return counts;
        } finally {
            all.unpersist();
        }
    }

    /** Per task: one preparer and one fbank plan, reused for every row of the partition. */
    static Iterator<Row> extractPartition(Iterator<Row> rows, Settings settings, HadoopConf hadoop) {
        AudioPreparer preparer = settings.preparer();
        KaldiFbank fbank = settings.fbank();
        Configuration conf = hadoop.get();
        List<Row> out = new ArrayList<>();
        while (rows.hasNext()) {
            out.add(extractOne(rows.next(), preparer, fbank, conf));
        }
        return out.iterator();
    }

    static Row extractOne(Row m, AudioPreparer preparer, KaldiFbank fbank, Configuration conf) {
        String path = m.getAs("path");
        try {
            byte[] bytes;
            try {
                bytes = RunLayout.readBytes(path, conf);
            } catch (FileNotFoundException e) {
                return reject(m, RejectReason.MISSING_FILE, "file not found: " + path);
            } catch (IOException e) {
                return reject(m, RejectReason.UNREADABLE, "could not read " + path + ": " + e.getMessage());
            }
            AudioClip clip = preparer.prepare(bytes);
            FeatureMatrix f = fbank.computeFromUnitRange(clip.samples());
            if (f.frames() == 0) {
                return reject(m, RejectReason.TOO_SHORT, String.format("%.3f s gives no %s frame",
                        clip.durationSeconds(), KIND));
            }
            for (float v : f.data()) {
                if (!Float.isFinite(v)) {
                    return reject(m, RejectReason.NON_FINITE, "features hold a non-finite value");
                }
            }
            return RowFactory.create(m.getAs("utt_id"), m.getAs("row"), path, m.getAs("language"), m.getAs("emotion"),
                    m.getAs("label"), m.getAs("speaker"), m.getAs("split"), m.getAs("corpus"), m.getAs("session"),
                    clip.durationSeconds(), f.frames(), f.dim(), UtterancePooling.meanStd(f), f.data(), null, null);
        } catch (AudioFormatException e) {
            return reject(m, e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            return reject(m, RejectReason.UNREADABLE, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Row reject(Row m, RejectReason reason, String message) {
        return RowFactory.create(m.getAs("utt_id"), m.getAs("row"), m.getAs("path"), m.getAs("language"),
                m.getAs("emotion"), m.getAs("label"), m.getAs("speaker"), m.getAs("split"), m.getAs("corpus"),
                m.getAs("session"), null, null, null, null, null, reason.name(), message);
    }
}
