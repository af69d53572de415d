package io.serdistill.jobs.stages;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioOptions;
import io.serdistill.audio.AudioPreparer;
import io.serdistill.config.SerConfig;
import io.serdistill.data.Emotion;
import io.serdistill.data.RejectReason;
import io.serdistill.features.FeatureMatrix;
import io.serdistill.features.FeatureNormalizer;
import io.serdistill.features.FloatBlob;
import io.serdistill.features.GlobalStats;
import io.serdistill.features.Normalization;
import io.serdistill.features.UtteranceFeatures;
import io.serdistill.jobs.fs.AudioFiles;
import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.fs.ParquetRowCounts;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.Tables;
import io.serdistill.jobs.spark.AudioIdentity;
import io.serdistill.jobs.spark.SizePacking;
import io.serdistill.json.Json;
import io.serdistill.representation.Representation;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.DoubleAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * extract: decode each manifest row's audio and compute log-mel filterbank features, sharded over size-balanced
 * partitions (file bytes as the proxy for duration, packed by the tasks, {@link SizePacking}; one decoder, resampler
 * and FFT plan per task). Output: features/fbank/language=…/split=…/ with framewise features (optionally CMVN-normalised
 * per utterance or with the train split's global statistics, stored in features/fbank_stats.json) and their
 * statistics pooling. With ser.features.kind = wav2vec2 the rows hold every hidden state's time-mean
 * (features/wav2vec2/), or, in mode finetune, the frozen CNN's frames (features/wav2vec2-cnn/: num_frames x 512
 * floats, one frame per 20 ms, ~100 KB per second of audio), computed once here because the CNN never trains, or,
 * with store = frames, the chosen hidden state frame by frame (features/wav2vec2-frames/: num_frames x hidden,
 * ~154 KB per second of audio for base).
 * Unusable files go to rejects/stage=extract with a reason code. Fails if rows in ≠ features + rejects, counted in the
 * written files. Every output is overwritten, so re-running the stage over the same run gives the same tables.
 *
 * <p>Spark jobs: a small one packs the manifest ({@link SizePacking}: the tasks look up file sizes and return a row
 * count and byte sum per language x split; the extraction job then shuffles the manifest's short columns into the
 * packed partitions); one extracts and writes the features (with global CMVN, a statistics job before it); one writes the
 * rejects. The rows-in check reads the Parquet footers on the driver, without a job. No manifest row and no file
 * listing is collected on the driver; rejected rows are (they travel back in an accumulator, for the log and the
 * rejects table).
 */
public final class ExtractStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.extract");

    /** What a task needs: the audio front end, the representation to extract and the run's languages. */
    record Settings(AudioOptions audio, Representation representation, List<String> languages) implements Serializable {
        static Settings of(SerConfig c) {
            return new Settings(c.audio(), c.features().representation(), List.copyOf(c.input().languages()));
        }

        /** This task's extractor; a wav2vec2 model that cannot load fails the task (and the job), naming the path. */
        UtteranceFeatures features() {
            return representation.extractor();
        }

        AudioPreparer preparer() {
            return new AudioPreparer(audio);
        }
    }

    /** One row per manifest row: the manifest's columns, then the features when reason is null, otherwise the reject. */
    static final StructType RESULT = Tables.MANIFEST
            .add("duration_s", DataTypes.DoubleType, true)
            .add("num_frames", DataTypes.IntegerType, true)
            .add("dim", DataTypes.IntegerType, true)
            .add("pooled", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            // num_frames x dim float32, row-major, little-endian (FloatBlob): one value per utterance.
            .add("frames", DataTypes.BinaryType, true)
            .add("reason", DataTypes.StringType, true)
            .add("message", DataTypes.StringType, true);

    @Override
    public String name() {
        return "extract";
    }

    /**
     * The audio the manifest names, by size and modification time ({@link AudioIdentity}, listed by the tasks): a WAV
     * replaced under the same path re-runs extract and every later stage, though the manifest's content is unchanged.
     */
    @Override
    public Map<String, String> inputIdentity(StageContext ctx) throws IOException {
        if (!HadoopFiles.exists(ctx.layout().manifest(), ctx.hadoop().get())) {
            throw new IllegalStateException("extract: the manifest stage's output " + ctx.layout().manifest()
                    + " is gone; run manifest again (--force)");
        }
        return AudioIdentity.of(JavaSparkContext.fromSparkContext(ctx.spark().sparkContext()),
                ctx.spark().read().schema(Tables.MANIFEST).parquet(ctx.layout().manifest()), ctx.hadoop());
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws IOException {
        long started = System.nanoTime();
        SparkSession spark = ctx.spark();
        SerConfig cfg = ctx.config();
        // The manifest stage writes Tables.MANIFEST; naming it saves a job that would read a footer to infer it.
        Dataset<Row> manifest = spark.read().schema(Tables.MANIFEST).parquet(ctx.layout().manifest());
        int partitions = cfg.features().partitions() > 0 ? cfg.features().partitions()
                : Math.max(1, 4 * spark.sparkContext().defaultParallelism());
        HadoopConf hadoop = ctx.hadoop();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Once per executor rather than inside every task's closure (a Hadoop Configuration is ~1,000 entries).
        Broadcast<HadoopConf> hadoopB = jsc.broadcast(hadoop);
        // Rows laid out by the output partitions (language, split; then the manifest's order), and cut into
        // contiguous size-balanced runs: a task then writes one or two language/split files instead of one per language x split (each Parquet writer
        // costs a file, its checksum and ~ms of setup; fewer, larger files read faster too). Packed by the tasks
        // (SizePacking): the driver holds a few numbers per partition, never the manifest's rows or file listings.
        SizePacking.Packed packing = SizePacking.pack(jsc, manifest, partitions, hadoopB, SizePacking.LPT_MAX_ROWS);
        long rowsIn = packing.rowsIn();
        if (rowsIn == 0) {
            packing.release();
            hadoopB.destroy();
            // A completed manifest stage writes at least one row; none means its output is gone or was replaced.
            throw new IllegalStateException("extract: the manifest at " + ctx.layout().manifest() + " has no rows; "
                    + "run manifest again (--force)");
        }
        partitions = packing.partitions();
        LOG.info("extract: {} rows, {} MB of audio files in {} partitions (heaviest / mean = {})", rowsIn,
                String.format("%.1f", packing.bytes() / 1e6), partitions, String.format("%.3f", packing.imbalance()));
        Settings settings = Settings.of(cfg);
        // One job extracts and writes the features, streaming: a task holds one utterance's features at a time, and
        // the rows it rejects travel back to the driver in an accumulator (they are few and small), so nothing
        // decodes audio twice and no stage waits on a cache. Only global CMVN reads the features twice (statistics,
        // then the write); there the rows the tasks made are kept (an RDD cache of the Java objects: a Dataset cache
        // would add a job that only builds it).
        Representation representation = cfg.features().representation();
        boolean twoPasses = representation.normalization() == Normalization.GLOBAL;
        CollectionAccumulator<Row> rejectsSeen = spark.sparkContext().collectionAccumulator("extract rejects");
        DoubleAccumulator audioSeconds = spark.sparkContext().doubleAccumulator("extract audio seconds");
        JavaRDD<Row> results = packing.rows()
                .mapPartitions(part -> extractPartition(part, settings, hadoopB.value()));
        if (twoPasses) {
            results = results.persist(StorageLevel.MEMORY_AND_DISK());
        }
        long planned = System.nanoTime();
        try {
            JavaRDD<Row> extracted = results.filter(r -> {
                if (r.isNullAt(REASON)) {
                    audioSeconds.add(r.getDouble(DURATION_S));
                    return true;
                }
                rejectsSeen.add(RowFactory.create(r.get(ROW), r.get(UTT_ID), r.get(PATH), r.get(REASON), r.get(MESSAGE)));
                return false;
            });
            Dataset<Row> features = spark.createDataFrame(extracted, RESULT).drop("reason", "message");
            String statsUri = ctx.layout().featureStats(representation.table());
            if (twoPasses) {
                Representation.Fbank fbank = (Representation.Fbank) representation;
                GlobalStats stats = trainStats(features, fbank.options().numMelBins());
                HadoopFiles.writeText(statsUri, statsJson(stats, fbank.normalizeVariance()), hadoop.get());
                features = normalized(spark, features, stats.toNormalizer(fbank.normalizeVariance()));
                LOG.info("global CMVN from {} train frames, stored in {}", stats.count(), statsUri);
            } else if (HadoopFiles.exists(statsUri, hadoop.get())) {
                // Left by an earlier run with normalize = global: it no longer describes these features.
                new org.apache.hadoop.fs.Path(statsUri).getFileSystem(hadoop.get())
                        .delete(new org.apache.hadoop.fs.Path(statsUri), false);
            }
            // The write job's pass is the one that counts the audio (global CMVN's statistics pass ran the filter too).
            // It is a single stage (no shuffle) of result tasks, and Spark merges a result task's accumulator updates
            // once per partition even when the task is retried or speculated, so each feature row adds its seconds
            // once. audio_seconds is a reported figure only: the row check below reads the written files.
            audioSeconds.reset();
            // Feature values are nearly all distinct, so a dictionary attempt is wasted CPU: plain encoding for the
            // feature columns only.
            features.write().mode(SaveMode.Overwrite)
                    .option("parquet.enable.dictionary#frames", "false")
                    .option("parquet.enable.dictionary#pooled.list.element", "false")
                    // Float32 features do not compress; compressing only costs time (docs/benchmarks.md).
                    .option("compression", "none")
                    .partitionBy("language", "split").parquet(ctx.featuresPath());
            long written = System.nanoTime();
            // A row can be reported twice (two passes; a retried or speculative task): one per manifest row number,
            // in row order.
            Map<Long, Row> rejectsByRow = new TreeMap<>();
            for (Row r : rejectsSeen.value()) {
                rejectsByRow.putIfAbsent(r.getLong(0), r);
            }
            List<Row> rejected = new ArrayList<>(rejectsByRow.values());
            Tables.writeRejects(spark, ctx.layout(), name(), rejected);
            // The check counts what was written, not what was meant to be: the record counts in the two tables'
            // Parquet footers, read on the driver (no job, no column data). The rows to log are the ones just written.
            long featureRows = ParquetRowCounts.of(ctx.featuresPath(), hadoop.get());
            long rejectRows = ParquetRowCounts.of(ctx.layout().rejects(name()), hadoop.get());
            Map<String, Long> byReason = new TreeMap<>();
            for (Row r : rejected) {
                LOG.warn("rejected row {} ({}): {}: {}", r.getLong(0), r.getString(2), r.getString(3), r.getString(4));
                byReason.merge(r.getString(3), 1L, Long::sum);
            }
            requireEveryRowAccountedFor(rowsIn, featureRows, rejectRows);
            long checked = System.nanoTime();
            LOG.info("extract: planned in {} s, extracted and wrote features in {} s, wrote rejects and checked "
                    + "the counts in {} s", seconds(planned - started), seconds(written - planned),
                    seconds(checked - written));
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("rows", rowsIn);
            counts.put("features", featureRows);
            counts.put("rejected", rejectRows);
            counts.put("rejected_by_reason", byReason);
            counts.put("partitions", partitions);
            counts.put("partition_imbalance", packing.imbalance());
            counts.put("normalize", representation.normalization().label());
            counts.put("audio_seconds", audioSeconds.sum());
            return counts;
        } finally {
            if (twoPasses) {
                results.unpersist(false);
            }
            packing.release();
            hadoopB.destroy();
        }
    }

    private static final int UTT_ID = RESULT.fieldIndex("utt_id");
    private static final int ROW = RESULT.fieldIndex("row");
    private static final int PATH = RESULT.fieldIndex("path");
    private static final int REASON = RESULT.fieldIndex("reason");
    private static final int MESSAGE = RESULT.fieldIndex("message");
    private static final int DURATION_S = RESULT.fieldIndex("duration_s");

    private static String seconds(long nanos) {
        return String.format("%.2f", nanos / 1e9);
    }

    /** The stage's invariant: nothing is dropped silently. */
    static void requireEveryRowAccountedFor(long rowsIn, long featureRows, long rejectRows) {
        if (featureRows + rejectRows != rowsIn) {
            throw new IllegalStateException("extract lost or duplicated rows: " + rowsIn + " manifest rows in, but "
                    + featureRows + " feature rows + " + rejectRows + " rejects = " + (featureRows + rejectRows)
                    + " (difference " + (rowsIn - featureRows - rejectRows) + ")");
        }
    }

    /** Frame mean and variance over the train split only, so dev and test never inform the normalisation. */
    static GlobalStats trainStats(Dataset<Row> features, int dim) {
        GlobalStats stats = features.filter(col("split").equalTo("train")).select("num_frames", "dim", "frames")
                .javaRDD()
                .aggregate(GlobalStats.empty(dim),
                        (s, r) -> s.plus(new FeatureMatrix(r.getInt(0), r.getInt(1), FloatBlob.decode(r.getAs(2)))),
                        GlobalStats::merge);
        if (stats.count() == 0) {
            throw new IllegalStateException("ser.features.normalize = global needs train-split frames; there are none");
        }
        return stats;
    }

    private static Dataset<Row> normalized(SparkSession spark, Dataset<Row> features, FeatureNormalizer normalizer) {
        StructType schema = features.schema();
        int framesCol = schema.fieldIndex("frames");
        int numFramesCol = schema.fieldIndex("num_frames");
        int dimCol = schema.fieldIndex("dim");
        JavaRDD<Row> rows = features.javaRDD().map(r -> {
            Object[] values = new Object[r.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = r.get(i);
            }
            FeatureMatrix raw = new FeatureMatrix(r.getInt(numFramesCol), r.getInt(dimCol),
                    FloatBlob.decode(r.getAs(framesCol)));
            values[framesCol] = FloatBlob.encode(normalizer.apply(raw).data());
            return RowFactory.create(values);
        });
        return spark.createDataFrame(rows, schema);
    }

    private static String statsJson(GlobalStats stats, boolean normalizeVariance) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", "fbank"); // normalisation applies to fbank frames only
        json.put("split", "train");
        json.put("frames", stats.count());
        json.put("dim", stats.dim());
        json.put("normalize_variance", normalizeVariance);
        json.put("mean", stats.mean());
        json.put("variance", stats.variance());
        return Json.pretty(json);
    }

    /** Per task: one preparer and one extractor (FFT plan or loaded encoder), reused for every row of the partition. */
    static Iterator<Row> extractPartition(Iterator<Row> rows, Settings settings, HadoopConf hadoop) {
        AudioPreparer preparer = settings.preparer();
        UtteranceFeatures extractor = settings.features();
        Configuration conf = hadoop.get();
        // Lazily, row by row: the Parquet writer downstream holds one utterance's features, not a partition's.
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                return extractOne(rows.next(), preparer, extractor, settings, conf);
            }
        };
    }

    static Row extractOne(Row m, AudioPreparer preparer, UtteranceFeatures extractor, Settings settings, Configuration conf) {
        String path = m.getAs("path");
        // The manifest stage checks these too; a manifest written under another config must not slip through.
        String language = m.getAs("language");
        if (!settings.languages().contains(language)) {
            return reject(m, RejectReason.UNKNOWN_LANGUAGE, "language '" + language + "' is not one of "
                    + settings.languages() + " (ser.input.languages)");
        }
        int label = m.<Integer>getAs("label");
        String emotion = m.getAs("emotion");
        if (label < 0 || label >= Emotion.COUNT || !Emotion.values()[label].label().equals(emotion)) {
            return reject(m, RejectReason.UNKNOWN_LABEL, "label " + label + " / emotion '" + emotion
                    + "' is not one of " + Emotion.labels());
        }
        try {
            AudioClip clip;
            try (AudioFiles.Opened in = AudioFiles.open(path, conf)) {
                clip = preparer.prepare(in.stream(), in.length());
            } catch (AudioFiles.Unusable e) {
                return reject(m, e.reason(), e.getMessage());
            } catch (IOException e) {
                return reject(m, RejectReason.UNREADABLE, "could not read " + path + ": " + e.getMessage());
            }
            UtteranceFeatures.Extracted extracted = extractor.extract(clip.samples());
            FeatureMatrix f = extracted.matrix();
            for (float v : f.data()) {
                if (!Float.isFinite(v)) {
                    return reject(m, RejectReason.NON_FINITE, "features hold a non-finite value");
                }
            }
            float[] frames = settings.representation() instanceof Representation.Fbank fbank
                    && fbank.normalization() == Normalization.UTTERANCE
                    ? FeatureNormalizer.perUtterance(f, fbank.normalizeVariance()).data() : f.data();
            return RowFactory.create(m.getAs("utt_id"), m.getAs("row"), path, m.getAs("language"), m.getAs("emotion"),
                    m.getAs("label"), m.getAs("speaker"), m.getAs("split"), m.getAs("corpus"), m.getAs("session"),
                    clip.durationSeconds(), f.frames(), f.dim(), extracted.pooled(), FloatBlob.encode(frames), null, null);
        } catch (AudioFormatException e) {
            return reject(m, RejectReason.of(e.problem()), e.getMessage());
        } catch (RuntimeException | Error e) {
            // One file must not kill the executor: an OutOfMemoryError or StackOverflowError here came from this
            // row's data, whose objects are unreachable once it is rejected. A LinkageError is the installation's
            // fault (a missing class or native library), not the row's: it fails the task.
            if (e instanceof LinkageError) {
                throw e;
            }
            return reject(m, RejectReason.EXTRACTION_FAILED, e.getClass().getSimpleName() + " while extracting "
                    + path + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    private static Row reject(Row m, RejectReason reason, String message) {
        return RowFactory.create(m.getAs("utt_id"), m.getAs("row"), m.getAs("path"), m.getAs("language"),
                m.getAs("emotion"), m.getAs("label"), m.getAs("speaker"), m.getAs("split"), m.getAs("corpus"),
                m.getAs("session"), null, null, null, null, null, reason.name(), message);
    }
}
