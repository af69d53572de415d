package io.serdistill.jobs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.run.Tables;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.apache.spark.sql.functions.col;

/** Row counts from Parquet footers agree with what Spark reads back, and skip what Spark skips. */
class ParquetRowCountsTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[1]").appName("ParquetRowCountsTest")
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void countsEveryRowOfAPartitionedTableAcrossItsFiles() throws Exception {
        Path table = tmp.resolve("partitioned");
        Dataset<Row> rows = spark.range(0, 1003).repartition(4).withColumn("language", col("id").mod(3).cast("string"))
                .withColumn("split", col("id").mod(2).cast("string"));
        rows.write().partitionBy("language", "split").parquet(table.toUri().toString());
        long files;
        try (Stream<Path> walk = Files.walk(table)) {
            files = walk.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
        }
        assertTrue(files > 6, files + " data files: more than one per partition directory");
        assertEquals(1003, ParquetRowCounts.of(table.toUri().toString(), new Configuration()));
    }

    @Test
    void skipsWhatSparkSkips() throws Exception {
        Path table = tmp.resolve("with-leftovers");
        spark.range(0, 10).coalesce(1).write().parquet(table.toUri().toString());
        Path dataFile;
        try (Stream<Path> list = Files.list(table)) {
            dataFile = list.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        assertTrue(Files.exists(table.resolve("_SUCCESS")));
        // A failed attempt's leftovers and a hidden copy hold real Parquet rows that are not part of the table.
        Files.createDirectories(table.resolve("_temporary/0"));
        Files.copy(dataFile, table.resolve("_temporary/0/part-00000.parquet"));
        Files.copy(dataFile, table.resolve(".part-00009.parquet"));
        Files.copy(dataFile, table.resolve("part-00008.parquet._COPYING_"));
        assertEquals(spark.read().parquet(table.toUri().toString()).count(),
                ParquetRowCounts.of(table.toUri().toString(), new Configuration()));
        assertEquals(10, ParquetRowCounts.of(table.toUri().toString(), new Configuration()));
        assertFalse(ParquetRowCounts.isData("_SUCCESS"));
        assertTrue(ParquetRowCounts.isData("_language=en"), "a partition directory");
    }

    @Test
    void anEmptyTableHasNoRowsAndAMissingOneIsAnError() throws Exception {
        Path empty = tmp.resolve("empty");
        spark.createDataFrame(java.util.List.of(), Tables.REJECTS).coalesce(1).write().parquet(empty.toUri().toString());
        assertEquals(0, ParquetRowCounts.of(empty.toUri().toString(), new Configuration()));
        Files.createDirectories(tmp.resolve("no-files"));
        assertEquals(0, ParquetRowCounts.of(tmp.resolve("no-files").toUri().toString(), new Configuration()));

        String missing = tmp.resolve("never-written").toUri().toString();
        FileNotFoundException e = assertThrows(FileNotFoundException.class,
                () -> ParquetRowCounts.of(missing, new Configuration()));
        assertTrue(e.getMessage().contains(missing), e.getMessage());
    }
}
