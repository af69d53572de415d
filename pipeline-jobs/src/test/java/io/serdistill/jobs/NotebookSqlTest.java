package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.run.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every analyst query in notebooks/sql runs through Spark SQL on the warehouse of a real pipeline run (two runs
 * published) and returns rows with exactly the columns its "-- columns:" header declares.
 */
class NotebookSqlTest {
    static final Pattern COLUMNS = Pattern.compile("(?m)^-- columns:(.*)$");
    static Path sqlDir;
    static SparkSession spark;

    @BeforeAll
    static void publishTwoRuns() throws Exception {
        DemoRun run = DemoRun.get();
        run.publishCopyAs("demo-b");
        spark = DemoRun.spark();
        for (String table : Warehouse.TABLES) {
            spark.read().parquet(run.warehouse() + "/" + table).createOrReplaceTempView(table);
        }
        sqlDir = Launcher.repoRoot().resolve("notebooks/sql");
    }

    private static List<Path> queries() throws Exception {
        try (Stream<Path> files = Files.list(sqlDir)) {
            return files.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
        }
    }

    @Test
    void everyQueryReturnsRowsWithItsDeclaredColumns() throws Exception {
        List<Path> queries = queries();
        assertTrue(queries.size() >= 6, "queries: " + queries);
        for (Path q : queries) {
            String sql = Files.readString(q);
            Matcher header = COLUMNS.matcher(sql);
            assertTrue(header.find(), q.getFileName() + " declares its columns");
            List<String> declared = Arrays.stream(header.group(1).split(",")).map(String::strip).toList();
            Dataset<Row> result = spark.sql(sql);
            assertEquals(declared, List.of(result.columns()), q.getFileName() + " columns");
            assertTrue(result.count() > 0, q.getFileName() + " returns rows");
        }
    }

    @Test
    void comparisonsSpanBothRunsAndEveryMethod() {
        List<Row> rows = spark.sql(sqlOf("methods_across_runs")).filter("language = 'all'").collectAsList();
        Set<String> runs = new TreeSet<>();
        Set<String> methods = new TreeSet<>();
        rows.forEach(r -> {
            runs.add(r.getAs("run_id"));
            methods.add(r.getAs("method"));
            double ua = r.getAs("ua");
            assertTrue(r.<Double>getAs("ua_ci_low") <= ua && ua <= r.<Double>getAs("ua_ci_high"), r.toString());
        });
        assertEquals(Set.of(DemoRun.RUN_ID, "demo-b"), runs);
        assertEquals(Set.of("ft-multi", "mtkd-uniform", "mtkd-language", "reference-linear-multi"), methods,
                "per-language models (teachers, per-language linear references) have no pooled row");
        Row confusion = spark.sql("SELECT sum(share) AS s, count(DISTINCT run_id, model, language, true_emotion) AS rowsums "
                + "FROM (" + sqlOf("confusion") + ")").first();
        assertEquals(confusion.<Long>getAs("rowsums"), confusion.<Double>getAs("s"), 1e-9, "each true-emotion row's shares sum to 1");
    }

    @Test
    void notebooksRunExactlyTheseQueries() throws Exception {
        Set<String> used = new TreeSet<>();
        try (Stream<Path> notebooks = Files.list(sqlDir.getParent())) {
            for (Path nb : notebooks.filter(p -> p.toString().endsWith(".ipynb")).toList()) {
                Matcher m = Pattern.compile("(?:query\\(spark, |sql_text\\()\\\\\"(\\w+)\\\\\"").matcher(Files.readString(nb));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        Set<String> files = new TreeSet<>();
        for (Path q : queries()) {
            files.add(q.getFileName().toString().replace(".sql", ""));
        }
        assertFalse(used.isEmpty());
        assertEquals(files, used, "every query file is used by a notebook, and every notebook query has a file");
    }

    /** nbformat 4.5 requires every cell to have an id, unique in its notebook, of 1-64 letters, digits, '-' or '_'. */
    @Test
    void everyNotebookCellHasAUniqueValidId() throws Exception {
        try (Stream<Path> notebooks = Files.list(sqlDir.getParent())) {
            List<Path> found = notebooks.filter(p -> p.toString().endsWith(".ipynb")).toList();
            assertFalse(found.isEmpty());
            for (Path nb : found) {
                com.fasterxml.jackson.databind.JsonNode doc = io.serdistill.json.Json.object(Files.readString(nb));
                assertEquals(4, doc.get("nbformat").asInt(), nb.toString());
                assertTrue(doc.get("nbformat_minor").asInt() >= 5, nb + ": cell ids need nbformat 4.5");
                Set<String> ids = new TreeSet<>();
                for (com.fasterxml.jackson.databind.JsonNode cell : doc.get("cells")) {
                    String id = cell.path("id").asText("");
                    assertTrue(id.matches("[A-Za-z0-9_-]{1,64}"), nb + ": cell id '" + id + "'");
                    assertTrue(ids.add(id), nb + ": cell id " + id + " twice");
                }
                assertEquals(doc.get("cells").size(), ids.size(), nb.toString());
            }
        }
    }

    private static String sqlOf(String name) {
        try {
            return Files.readString(sqlDir.resolve(name + ".sql"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
