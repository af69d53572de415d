package io.serdistill.jobs.run;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The cross-run warehouse: one directory per table under a root, one Parquet partition per run
 * ({root}/{table}/run_id={id}/). A run's partition is written with overwrite, so publishing a run again replaces
 * its rows and never duplicates them; a publish stages every partition first and then commits them with renames
 * ({@link #commit}). docs/tables.md documents every table.
 *
 * @param root fully qualified FileSystem URI of the warehouse directory
 */
public record Warehouse(String root) {
    public static final String RUNS = "ser_runs";
    public static final String METRICS = "ser_metrics";
    public static final String CLASS_METRICS = "ser_class_metrics";
    public static final String CONFUSION = "ser_confusion";
    public static final String PREDICTIONS = "ser_predictions";
    public static final String TRAINING_HISTORY = "ser_training_history";
    public static final String REJECTS = "ser_rejects";
    public static final String MODELS = "ser_models";
    public static final List<String> TABLES = List.of(RUNS, METRICS, CLASS_METRICS, CONFUSION, PREDICTIONS,
            TRAINING_HISTORY, REJECTS, MODELS);
    /** Model selection's scores: published by the runs that select (a grid in ser.teachers or ser.student) only. */
    public static final String SELECTION = "ser_selection";
    public static final String PARTITION_COLUMN = "run_id";

    /** Resolves {@code root} (a URI or a path relative to the working directory) on its FileSystem. */
    public static Warehouse at(String root, Configuration conf) throws IOException {
        Path p = new Path(root);
        FileSystem fs = p.getFileSystem(conf);
        return new Warehouse(fs.makeQualified(p).toString());
    }

    public String table(String name) {
        return root + "/" + name;
    }

    public String partition(String table, String runId) {
        return table(table) + "/" + PARTITION_COLUMN + "=" + runId;
    }

    /**
     * Where a publish of {@code runId} writes its partitions before {@link #commit} moves them into the tables:
     * {root}/_staging/{runId}/{table}/, outside every table's directory, so no reader of a table sees it.
     */
    public String staging(String table, String runId) {
        return root + "/_staging/" + runId + "/" + table;
    }

    /**
     * Writes {@code rows} (which must not carry a run_id column) as this run's staged partition of {@code table}
     * (see {@link #staging}); {@link #commit} makes it the table's partition.
     */
    public void stagePartition(Dataset<Row> rows, String table, String runId) {
        write(rows, table, staging(table, runId));
    }

    /** Deletes whatever a publish of {@code runId} left staged (one killed before its commit). */
    public void clearStaging(String runId, Configuration conf) throws IOException {
        Path staged = new Path(root + "/_staging/" + runId);
        FileSystem fs = staged.getFileSystem(conf);
        fs.delete(staged, true);
        Path parent = staged.getParent();
        if (fs.exists(parent) && fs.listStatus(parent).length == 0) {
            fs.delete(parent, false);
        }
    }

    /**
     * Moves the staged partitions of {@code tables} into place with one rename each, ser_runs last, so a reader
     * who takes a run from ser_runs finds it in every table. ser_runs' old partition of the run (a re-publish) goes
     * first: while the other tables' partitions are swapped the run is in no ser_runs row. A commit killed midway
     * leaves the run out of ser_runs, and the next publish stages and commits every table again.
     */
    public void commit(List<String> tables, String runId, Configuration conf) throws IOException {
        FileSystem fs = new Path(root).getFileSystem(conf);
        List<String> order = new java.util.ArrayList<>(tables.stream().filter(t -> !t.equals(RUNS)).toList());
        if (tables.contains(RUNS)) {
            fs.delete(new Path(partition(RUNS, runId)), true);
            order.add(RUNS);
        }
        for (String table : order) {
            Path staged = new Path(staging(table, runId));
            Path target = new Path(partition(table, runId));
            if (!fs.exists(staged)) {
                throw new IOException("publish of run " + runId + ": nothing staged for " + table + " at " + staged);
            }
            fs.delete(target, true);
            fs.mkdirs(target.getParent());
            if (!fs.rename(staged, target)) {
                throw new IOException("publish of run " + runId + ": could not rename " + staged + " to " + target);
            }
        }
        clearStaging(runId, conf);
    }

    private static void write(Dataset<Row> rows, String table, String path) {
        if (List.of(rows.columns()).contains(PARTITION_COLUMN)) {
            throw new IllegalArgumentException(table + ": run_id is the partition column, not a data column");
        }
        rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }

    /** Where a database other than default that {@link #register} creates keeps its (empty) directory: {root}/{database}.db. */
    public String databaseLocation(String database) {
        return root + "/" + database + ".db";
    }

    /**
     * Registers {@code table} in the session catalog (the Hive metastore when the session has Hive support) as an
     * external Parquet table over the warehouse directory, and adds this run's partition. A database it creates is
     * located under the warehouse root ({@link #databaseLocation}), not in the driver's spark.sql.warehouse.dir.
     * Safe to repeat.
     */
    public void register(SparkSession spark, String database, String table, StructType dataSchema, String runId) {
        if (!database.equals("default")) {
            spark.sql("CREATE DATABASE IF NOT EXISTS `" + database + "` LOCATION '" + sqlString(databaseLocation(database))
                    + "'");
        }
        String name = "`" + database + "`.`" + table + "`";
        spark.sql("CREATE TABLE IF NOT EXISTS " + name + " (" + columnsDdl(dataSchema) + ", `" + PARTITION_COLUMN
                + "` STRING) USING parquet PARTITIONED BY (`" + PARTITION_COLUMN + "`) LOCATION '"
                + sqlString(table(table)) + "'");
        spark.sql("ALTER TABLE " + name + " ADD IF NOT EXISTS PARTITION (`" + PARTITION_COLUMN + "` = '"
                + sqlString(runId) + "') LOCATION '" + sqlString(partition(table, runId)) + "'");
    }

    /** Column list for CREATE TABLE; nullability is left out, as external Parquet tables do not enforce it. */
    static String columnsDdl(StructType schema) {
        return java.util.Arrays.stream(schema.fields())
                .map((StructField f) -> "`" + f.name() + "` " + f.dataType().sql())
                .collect(Collectors.joining(", "));
    }

    private static String sqlString(String s) {
        return s.replace("\\", "\\\\").replace("'", "\\'");
    }
}
