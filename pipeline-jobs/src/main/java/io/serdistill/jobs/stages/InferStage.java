package io.serdistill.jobs.stages;

import io.serdistill.audio.AudioClip;
import io.serdistill.audio.AudioFormatException;
import io.serdistill.audio.AudioPreparer;
import io.serdistill.audio.Segmentation;
import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import io.serdistill.data.ManifestValidator;
import io.serdistill.data.RejectReason;
import io.serdistill.jobs.fs.AudioFiles;
import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.fs.ParquetRowCounts;
import io.serdistill.jobs.run.Stage;
import io.serdistill.jobs.run.StageContext;
import io.serdistill.jobs.run.StageInputs;
import io.serdistill.json.Json;
import io.serdistill.packaging.ModelCard;
import io.serdistill.packaging.ModelPackage;
import io.serdistill.packaging.PackageError;
import io.serdistill.packaging.PackageScorer;
import io.serdistill.packaging.Prediction;
import io.serdistill.packaging.SegmentedPrediction;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

/**
 * infer: one model package (ser.infer.model) labels a manifest of unlabelled audio (ser.infer.manifest: a CSV with a
 * {@code path} column, optionally {@code utt_id}, and {@code language}, which a package taking the language as an
 * input needs: a row without one of its languages is rejected as UNKNOWN_LANGUAGE), sharded over Spark tasks, each with its own scorer ({@link PackageScorer}: decoder, feature
 * extractor, model graph) reused for every row of its partition. A recording longer than ser.infer.segment-seconds is
 * cut ({@link Segmentation}) and gets a row per segment plus its file row, the speech-weighted aggregate; a shorter
 * one gets its file row only, scored exactly as {@code ser predict} scores it.
 *
 * <p>Output: {output}/predictions/run_id={run}/level={file|segment}/ and {output}/rejects/run_id={run}/ (rows that
 * could not be labelled, with a reason), each run's partition overwritten, so re-running replaces and never
 * duplicates. Fails if manifest rows ≠ file rows + rejects, counted in the written files' footers.
 *
 * <p>Nothing row-sized reaches the driver: the manifest is read as a distributed CSV, numbered ({@code zipWithIndex},
 * a job that counts each partition) and spread round robin over the partitions (a shuffle of the manifest's small
 * columns; no file listing or size lookup: rows are not size-balanced as extract's are). The results are cached on
 * the executors, then written as predictions and as rejects, and summed by level and reject reason in one small job; rows in is a
 * distributed count of the CSV, and the rows-in check reads the written files' footers.
 */
public final class InferStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ser.infer");

    public static final String FILE = "file";
    public static final String SEGMENT = "segment";
    private static final String REJECT = "reject";

    /** Every output row of a task: prediction rows (file, segment) and rejects, told apart by level. */
    static final StructType RESULT = new StructType()
            .add("level", DataTypes.StringType, false)
            .add("row", DataTypes.LongType, false)
            .add("utt_id", DataTypes.StringType, true)
            .add("path", DataTypes.StringType, true)
            .add("segment", DataTypes.IntegerType, true)
            .add("num_segments", DataTypes.IntegerType, true)
            .add("start_s", DataTypes.DoubleType, true)
            .add("end_s", DataTypes.DoubleType, true)
            .add("speech_s", DataTypes.DoubleType, true)
            .add("predicted", DataTypes.StringType, true)
            .add("probabilities", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType, false), true)
            .add("cut", DataTypes.BooleanType, true)
            .add("reason", DataTypes.StringType, true)
            .add("message", DataTypes.StringType, true);

    /** What a task needs besides the package's bytes. */
    record Settings(String location, String manifestUri, List<String> allowedRoots, String encoderDir,
                    double maxFileSeconds, Segmentation segmentation) implements Serializable {}

    @Override
    public String name() {
        return "infer";
    }

    /**
     * The infer settings, the manifest CSV's size and modification time, and the package's weights checksum: a change
     * of any re-runs infer. The audio files are not listed (a manifest may name millions): a file replaced under
     * the same path needs --force.
     */
    @Override
    public Map<String, String> inputIdentity(StageContext ctx) throws IOException {
        SerConfig.Infer infer = ctx.config().infer();
        Configuration conf = ctx.hadoop().get();
        Map<String, String> id = new LinkedHashMap<>();
        id.put("infer", ctx.config().raw().getConfig("ser.infer").root()
                .render(com.typesafe.config.ConfigRenderOptions.concise()));
        FileStatus manifest = status(infer.manifest(), conf);
        id.put("manifest", manifest.getPath() + "\t" + manifest.getLen() + "\t" + manifest.getModificationTime());
        String pkg = packageLocation(infer.model(), conf);
        id.put("package", pkg);
        id.put("package_card_sha256", StageInputs.sha256(HadoopFiles.readBytes(pkg + "/" + ModelCard.FILE, conf)));
        return id;
    }

    /** {@code model} as a package directory: itself when it holds a card, else the run's default package. */
    static String packageLocation(String model, Configuration conf) throws IOException {
        String dir = qualified(model, conf).replaceAll("/+$", "");
        if (HadoopFiles.exists(dir + "/" + ModelCard.FILE, conf)) {
            return dir;
        }
        String pointer = dir + "/" + ModelPackage.DEFAULT_POINTER;
        if (!HadoopFiles.exists(pointer, conf)) {
            throw new ConfigError("ser.infer.model", "'" + model + "' is neither a model package (no " + ModelCard.FILE
                    + ") nor a run directory with a default model (no " + ModelPackage.DEFAULT_POINTER + ")");
        }
        String pkg = Json.object(new String(HadoopFiles.readBytes(pointer, conf), StandardCharsets.UTF_8))
                .path("package").asText("");
        if (pkg.isEmpty()) {
            throw new ConfigError("ser.infer.model", pointer + " names no package");
        }
        return dir + "/" + pkg;
    }

    @Override
    public Map<String, Object> run(StageContext ctx) throws Exception {
        long started = System.nanoTime();
        SparkSession spark = ctx.spark();
        SerConfig cfg = ctx.config();
        SerConfig.Infer infer = cfg.infer();
        Configuration conf = ctx.hadoop().get();
        String location = packageLocation(infer.model(), conf);
        byte[] cardBytes = HadoopFiles.readBytes(location + "/" + ModelCard.FILE, conf);
        byte[] weights = HadoopFiles.readBytes(location + "/" + ModelCard.WEIGHTS, conf);
        // Verified here once, so a damaged package fails the stage before any task starts.
        ModelPackage pkg = ModelPackage.of(location, cardBytes, weights);
        String model = pkg.card().name();
        String manifestUri = status(infer.manifest(), conf).getPath().toString();
        Dataset<Row> csv = spark.read().option("header", "true").option("mode", "PERMISSIVE").csv(manifestUri);
        List<String> columns = List.of(csv.columns());
        if (!columns.contains("path")) {
            throw new ConfigError("ser.infer.manifest", manifestUri + " has no 'path' column (its header: " + columns + ")");
        }
        boolean hasIds = columns.contains("utt_id");
        Dataset<Row> named = csv.select(col("path"), hasIds ? col("utt_id") : lit(null).cast("string").as("utt_id"),
                columns.contains("language") ? col("language") : lit(null).cast("string").as("language"));
        int partitions = infer.partitions() > 0 ? infer.partitions()
                : Math.max(1, 4 * spark.sparkContext().defaultParallelism());
        Settings settings = new Settings(location, manifestUri,
                List.copyOf(InputRoots.pathRules(cfg, conf).allowedRoots()), infer.encoderDir(),
                infer.maxFileSeconds(), infer.segmentation());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<byte[]> cardB = jsc.broadcast(cardBytes);
        Broadcast<byte[]> weightsB = jsc.broadcast(weights);
        Broadcast<HadoopConf> hadoopB = jsc.broadcast(ctx.hadoop());
        JavaRDD<Row> results = named.javaRDD().zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .repartition(partitions)
                .mapPartitions(part -> inferPartition(part, settings, cardB.value(), weightsB.value(), hadoopB.value()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        long planned = System.nanoTime();
        LOG.info("infer: planned {} partitions of {} with {} in {} s", partitions, manifestUri, model,
                String.format("%.2f", (planned - started) / 1e9));
        String predictionsUri = predictions(infer, cfg.run().id());
        String rejectsUri = rejects(infer, cfg.run().id());
        try {
            Dataset<Row> all = spark.createDataFrame(results, RESULT);
            all.filter(col("level").notEqual(REJECT)).drop("reason", "message")
                    .withColumn("model", lit(model))
                    .select("level", "row", "utt_id", "path", "model", "segment", "num_segments", "start_s", "end_s",
                            "speech_s", "predicted", "probabilities", "cut")
                    .write().mode(SaveMode.Overwrite).partitionBy("level").parquet(predictionsUri);
            all.filter(col("level").equalTo(REJECT)).select("row", "utt_id", "path", "reason", "message")
                    .write().mode(SaveMode.Overwrite).parquet(rejectsUri);
            long written = System.nanoTime();
            // One job over the cached results sums rows and seconds by level and rejects by reason.
            Map<String, Long> byLevel = new TreeMap<>();
            Map<String, Double> secondsByLevel = new TreeMap<>();
            Map<String, Long> byReason = new TreeMap<>();
            for (Row r : all.groupBy("level", "reason").agg(count(lit(1)), sum(col("end_s").minus(col("start_s"))))
                    .collectAsList()) {
                String level = r.getString(0);
                byLevel.merge(level, r.getLong(2), Long::sum);
                secondsByLevel.merge(level, r.isNullAt(3) ? 0.0 : r.getDouble(3), Double::sum);
                if (REJECT.equals(level)) {
                    byReason.put(r.getString(1), r.getLong(2));
                }
            }
            long rowsIn = csv.count();
            String fileLevel = predictionsUri + "/level=" + FILE;
            long fileRows = HadoopFiles.exists(fileLevel, conf) ? ParquetRowCounts.of(fileLevel, conf) : 0;
            long rejectRows = ParquetRowCounts.of(rejectsUri, conf);
            requireEveryRowAccountedFor(rowsIn, fileRows, rejectRows);
            double audioSeconds = secondsByLevel.getOrDefault(FILE, 0.0);
            double seconds = (System.nanoTime() - planned) / 1e9;
            LOG.info("infer: {} rows of {} with {}: {} files ({} segments, {} s of audio), {} rejected {}; planned in"
                            + " {} s, scored and wrote in {} s ({} audio s/s)", rowsIn, manifestUri, model, fileRows,
                    byLevel.getOrDefault(SEGMENT, 0L), String.format("%.1f", audioSeconds), rejectRows, byReason,
                    String.format("%.2f", (planned - started) / 1e9), String.format("%.2f", (written - planned) / 1e9),
                    String.format("%.1f", audioSeconds / seconds));
            Map<String, Object> counts = new LinkedHashMap<>();
            counts.put("rows", rowsIn);
            counts.put("files", fileRows);
            counts.put("segments", byLevel.getOrDefault(SEGMENT, 0L));
            counts.put("rejected", rejectRows);
            counts.put("rejected_by_reason", byReason);
            counts.put("model", model);
            counts.put("package", location);
            counts.put("predictions", predictionsUri);
            counts.put("partitions", partitions);
            counts.put("audio_seconds", audioSeconds);
            counts.put("planned_s", (planned - started) / 1e9);
            counts.put("scored_and_written_s", (written - planned) / 1e9);
            return counts;
        } finally {
            results.unpersist(false);
            cardB.destroy();
            weightsB.destroy();
            hadoopB.destroy();
        }
    }

    /** {output}/predictions/run_id={run}. */
    public static String predictions(SerConfig.Infer infer, String runId) {
        return infer.output().replaceAll("/+$", "") + "/predictions/run_id=" + runId;
    }

    /** {output}/rejects/run_id={run}. */
    public static String rejects(SerConfig.Infer infer, String runId) {
        return infer.output().replaceAll("/+$", "") + "/rejects/run_id=" + runId;
    }

    /** The stage's invariant: every manifest row is a file row or a reject. */
    static void requireEveryRowAccountedFor(long rowsIn, long fileRows, long rejectRows) {
        if (fileRows + rejectRows != rowsIn) {
            throw new IllegalStateException("infer lost or duplicated rows: " + rowsIn + " manifest rows in, but "
                    + fileRows + " file predictions + " + rejectRows + " rejects = " + (fileRows + rejectRows));
        }
    }

    /** At most this many files' inputs go to one model call (pooled-input packages). */
    static final int FILES_PER_CALL = 128;
    /** At most about this many segment inputs go to one model call: a long recording's segments count each. */
    static final int INPUTS_PER_CALL = 512;
    /** At most this many manifest rows are held per batch, rejects included. */
    private static final int ROWS_PER_BATCH = 4 * FILES_PER_CALL;

    /**
     * Per task: one verified package and its scorer, one preparer, reused for every row of the partition. A
     * pooled-input package scores the inputs of up to {@link #FILES_PER_CALL} files in one model call (the per-call
     * cost dominates short files); each file's rows are those {@link #inferOne} gives, and a file that cannot be
     * scored is a reject, never failing the others.
     */
    static Iterator<Row> inferPartition(Iterator<Tuple2<Long, Row>> rows, Settings settings, byte[] card,
                                        byte[] weights, HadoopConf hadoop) throws PackageError {
        PackageScorer scorer = ModelPackage.of(settings.location(), card, weights)
                .scorer(settings.encoderDir().isEmpty() ? Optional.empty() : Optional.of(Path.of(settings.encoderDir())));
        AudioPreparer preparer = scorer.recordingPreparer(settings.maxFileSeconds());
        ManifestValidator.PathRules rules = new ManifestValidator.PathRules(settings.allowedRoots(), scheme -> null);
        Configuration conf = hadoop.get();
        // Lazily, a batch at a time: a task holds one batch's model inputs (or one recording, file by file).
        return new Iterator<>() {
            Iterator<Row> pending = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!pending.hasNext() && rows.hasNext()) {
                    if (scorer.batchesFiles()) {
                        pending = inferBatch(rows, scorer, preparer, rules, settings, conf).iterator();
                    } else {
                        Tuple2<Long, Row> t = rows.next();
                        pending = inferOne(t._1(), t._2(), scorer, preparer, rules, settings, conf).iterator();
                    }
                }
                return pending.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return pending.next();
            }
        };
    }

    /** A manifest row ready to score: where it is, its prepared clip and its language. */
    private record Opened(long row, String uttId, String uri, AudioClip clip, String language) {}

    /** A row's rejects, or the opened row to score. */
    private record Front(List<Row> rejected, Opened opened) {}

    /** A file waiting for the batch's model call, with what its output rows need besides the prediction. */
    private record Waiting(long row, String uttId, String uri, double duration, boolean cut,
                           PackageScorer.Prepared prepared) {}

    /**
     * The output rows of the next rows of {@code rows}, in row order, their files scored together
     * ({@link PackageScorer#predictAll}); each file's rows equal what {@link #inferOne} gives it.
     */
    static List<Row> inferBatch(Iterator<Tuple2<Long, Row>> rows, PackageScorer scorer, AudioPreparer preparer,
                                ManifestValidator.PathRules rules, Settings settings, Configuration conf) {
        List<Object> slots = new ArrayList<>();
        List<Waiting> waiting = new ArrayList<>();
        int inputs = 0;
        while (rows.hasNext() && waiting.size() < FILES_PER_CALL && inputs < INPUTS_PER_CALL
                && slots.size() < ROWS_PER_BATCH) {
            Tuple2<Long, Row> t = rows.next();
            Front front = open(t._1(), t._2(), scorer, preparer, rules, settings, conf);
            if (front.rejected() != null) {
                slots.add(front.rejected());
                continue;
            }
            Opened o = front.opened();
            try {
                Optional<PackageScorer.Prepared> prepared = scorer.prepare(o.uttId(), o.clip(), settings.segmentation(),
                        o.language());
                if (prepared.isEmpty()) {
                    slots.add(List.of(noSpeech(o)));
                    continue;
                }
                Waiting w = new Waiting(o.row(), o.uttId(), o.uri(), o.clip().durationSeconds(), cut(o.clip(), settings),
                        prepared.get());
                waiting.add(w);
                slots.add(w);
                inputs += w.prepared().inputs().size();
            } catch (AudioFormatException e) {
                slots.add(List.of(reject(o.row(), o.uttId(), o.uri(), RejectReason.of(e.problem()), e.getMessage())));
            } catch (RuntimeException | Error e) {
                slots.add(List.of(scoringFailed(o.row(), o.uttId(), o.uri(), e)));
            }
        }
        List<PackageScorer.Outcome> outcomes = waiting.isEmpty() ? List.of()
                : scorer.predictAll(waiting.stream().map(Waiting::prepared).toList());
        List<Row> out = new ArrayList<>(slots.size() + inputs);
        int next = 0;
        for (Object slot : slots) {
            if (slot instanceof Waiting w) {
                PackageScorer.Outcome o = outcomes.get(next++);
                if (o.error() != null) {
                    out.add(scoringFailed(w.row(), w.uttId(), w.uri(), o.error()));
                } else {
                    out.addAll(rows(w.row(), w.uttId(), w.uri(), w.duration(), w.cut(), o.prediction()));
                }
            } else {
                @SuppressWarnings("unchecked")
                List<Row> rejected = (List<Row>) slot;
                out.addAll(rejected);
            }
        }
        return out;
    }

    /** One manifest row's output rows: its segments and file row, or its reject (the file-by-file path). */
    static List<Row> inferOne(long row, Row m, PackageScorer scorer, AudioPreparer preparer,
                              ManifestValidator.PathRules rules, Settings settings, Configuration conf) {
        Front front = open(row, m, scorer, preparer, rules, settings, conf);
        if (front.rejected() != null) {
            return front.rejected();
        }
        Opened o = front.opened();
        try {
            Optional<SegmentedPrediction> scored = scorer.predict(o.uttId(), o.clip(), settings.segmentation(),
                    o.language());
            if (scored.isEmpty()) {
                return List.of(noSpeech(o));
            }
            return rows(o.row(), o.uttId(), o.uri(), o.clip().durationSeconds(), cut(o.clip(), settings), scored.get());
        } catch (AudioFormatException e) {
            return List.of(reject(o.row(), o.uttId(), o.uri(), RejectReason.of(e.problem()), e.getMessage()));
        } catch (RuntimeException | Error e) {
            return List.of(scoringFailed(o.row(), o.uttId(), o.uri(), e));
        }
    }

    /** A manifest row checked, placed and its audio read and prepared; or its reject. */
    private static Front open(long row, Row m, PackageScorer scorer, AudioPreparer preparer,
                              ManifestValidator.PathRules rules, Settings settings, Configuration conf) {
        String path = m.getString(0);
        String given = m.isNullAt(1) ? "" : m.getString(1).trim();
        if (path == null || path.isBlank()) {
            return rejected(reject(row, given.isEmpty() ? null : given, path, RejectReason.MALFORMED_ROW, "path is empty"));
        }
        path = path.trim();
        String uttId = given.isEmpty() ? path : given;
        ManifestValidator.Placed placed = ManifestValidator.place(path, settings.manifestUri(), rules);
        if (!placed.readable()) {
            return rejected(reject(row, uttId, path, placed.reason(), placed.message()));
        }
        String uri = placed.uri();
        String language = m.isNullAt(2) || m.getString(2).isBlank() ? null : m.getString(2).trim();
        String languageProblem = scorer.languageProblem(language);
        if (languageProblem != null) {
            return rejected(reject(row, uttId, uri, RejectReason.UNKNOWN_LANGUAGE, languageProblem));
        }
        try (AudioFiles.Opened in = AudioFiles.open(uri, conf)) {
            return new Front(null, new Opened(row, uttId, uri, preparer.prepare(in.stream(), in.length()), language));
        } catch (AudioFiles.Unusable e) {
            return rejected(reject(row, uttId, uri, e.reason(), e.getMessage()));
        } catch (IOException e) {
            return rejected(reject(row, uttId, uri, RejectReason.UNREADABLE, "could not read " + uri + ": " + e.getMessage()));
        } catch (AudioFormatException e) {
            return rejected(reject(row, uttId, uri, RejectReason.of(e.problem()), e.getMessage()));
        } catch (RuntimeException | Error e) {
            return rejected(scoringFailed(row, uttId, uri, e));
        }
    }

    private static Front rejected(Row reject) {
        return new Front(List.of(reject), null);
    }

    private static boolean cut(AudioClip clip, Settings settings) {
        return clip.durationSeconds() >= settings.maxFileSeconds() - 1.0 / clip.sampleRate();
    }

    private static Row noSpeech(Opened o) {
        return reject(o.row(), o.uttId(), o.uri(), RejectReason.NO_SPEECH, "energy-vad found no speech in "
                + String.format("%.1f", o.clip().durationSeconds()) + " s");
    }

    /** As in extract: one file must not kill the executor, but a missing class or library fails the task. */
    private static Row scoringFailed(long row, String uttId, String uri, Throwable e) {
        if (e instanceof LinkageError l) {
            throw l;
        }
        return reject(row, uttId, uri, RejectReason.EXTRACTION_FAILED, e.getClass().getSimpleName()
                + " while scoring " + uri + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /** A scored file's output rows: a row per segment when it was cut, then its file row. */
    private static List<Row> rows(long row, String uttId, String uri, double duration, boolean cut,
                                  SegmentedPrediction p) {
        List<Row> out = new ArrayList<>(p.segments().size() + 1);
        int n = p.segments().size();
        if (n > 1) {
            for (int i = 0; i < n; i++) {
                SegmentedPrediction.Scored s = p.segments().get(i);
                out.add(prediction(SEGMENT, row, uttId, uri, i, null, s.segment().startSeconds(),
                        s.segment().endSeconds(), s.segment().speechSeconds(), s.prediction(), null));
            }
        }
        out.add(prediction(FILE, row, uttId, uri, null, n, 0.0, duration, p.aggregate().seconds(), p.aggregate(), cut));
        return out;
    }

    private static Row prediction(String level, long row, String uttId, String path, Integer segment, Integer segments,
                                  double start, double end, double speech, Prediction p, Boolean cut) {
        Map<String, Double> probabilities = new LinkedHashMap<>();
        for (int c = 0; c < p.classes().size(); c++) {
            probabilities.put(p.classes().get(c), p.probabilities()[c]);
        }
        return RowFactory.create(level, row, uttId, path, segment, segments, start, end, speech, p.label(),
                // A MapType column takes a Scala map from a Row (the LinkedHashMap keeps the card's class order).
                scala.collection.JavaConverters.mapAsScalaMap(probabilities), cut, null, null);
    }

    private static Row reject(long row, String uttId, String path, RejectReason reason, String message) {
        return RowFactory.create(REJECT, row, uttId, path, null, null, null, null, null, null, null, null,
                reason.name(), message);
    }

    private static FileStatus status(String location, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(location);
        return p.getFileSystem(conf).getFileStatus(p);
    }

    private static String qualified(String location, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(location);
        return p.getFileSystem(conf).makeQualified(p).toString();
    }
}
