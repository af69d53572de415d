package io.serdistill.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.jobs.report.CrossRunReport;
import io.serdistill.jobs.report.ReportCharts;
import io.serdistill.jobs.run.Warehouse;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** {@code ser report}: the cross-run page over the shared demo run's warehouse, holding it twice (demo-a, demo-b). */
class CrossRunReportTest {
    private static Path page;

    /** The cross-run page of demo-a and demo-b (written once per JVM); the browser test opens it too. */
    static synchronized Path page() throws Exception {
        if (page == null) {
            DemoRun run = DemoRun.get();
            run.publishCopyAs("demo-b");
            Path out = run.dir.resolve("cross-run");
            assertEquals(0, ReportCommand.run(DemoRun.spark(), new String[] {"--runs", "demo-a,demo-b", "--out",
                    out.toString(), "--set", "ser.warehouse.root=" + run.warehouse()}), "the report is written");
            page = out.resolve("index.html");
        }
        return page;
    }

    @Test
    void pageComparesBothRunsWithChartsThatDecode() throws Exception {
        Path index = page();
        String html = Files.readString(index);
        for (String id : List.of("demo-a", "demo-b")) {
            assertTrue(html.contains("<tr><td>" + id + "</td><td class=\"path\">"), id + " is in the runs table");
        }
        // Every image decodes at the size the page states: one interval chart per language and "all", the heatmap.
        Matcher img = Pattern.compile("<img src=\"([^\"]+)\"[^>]* width=\"(\\d+)\" height=\"(\\d+)\">").matcher(html);
        List<String> files = new ArrayList<>();
        while (img.find()) {
            BufferedImage png = ImageIO.read(index.resolveSibling(img.group(1)).toFile());
            assertTrue(png != null, img.group(1) + " decodes as PNG");
            assertEquals(png.getWidth() + "x" + png.getHeight(), img.group(2) + "x" + img.group(3),
                    img.group(1) + ": the page states the size");
            files.add(img.group(1));
        }
        assertEquals(List.of(CrossRunReport.METHODS_BY_RUN, CrossRunReport.intervalsFile("en"),
                CrossRunReport.intervalsFile("fi"), CrossRunReport.intervalsFile("fr"),
                CrossRunReport.intervalsFile("all")), files);
        // Per language: each run's own-language teacher and linear reference, three students, the multilingual
        // reference: 6 models per run, 12 rows.
        BufferedImage fi = ImageIO.read(index.resolveSibling(CrossRunReport.intervalsFile("fi")).toFile());
        assertEquals(ReportCharts.intervalsHeight(12), fi.getHeight());
        // "all": no per-language model, 4 per run.
        BufferedImage all = ImageIO.read(index.resolveSibling(CrossRunReport.intervalsFile("all")).toFile());
        assertEquals(ReportCharts.intervalsHeight(8), all.getHeight());
        assertFalse(Pattern.compile("(?i)https?://|src=\"/").matcher(html).find(), "no address outside the page's folder");
    }

    @Test
    void methodsByRunTableHoldsTheMeanTestUaOverLanguages() throws Exception {
        String html = Files.readString(page());
        DemoRun run = DemoRun.get();
        List<Row> rows = DemoRun.spark().read().parquet(run.warehouse() + "/" + Warehouse.METRICS)
                .filter(col("run_id").equalTo("demo-a").and(col("split").equalTo("test")).and(col("metric").equalTo("ua"))
                        .and(col("language").notEqual("all")))
                .select("model", "method", "language", "value").collectAsList();
        Set<String> methods = new LinkedHashSet<>();
        rows.forEach(r -> methods.add(r.getAs("method")));
        assertEquals(Set.of("ft-mono", "ft-multi", "mtkd-uniform", "mtkd-language", "reference-linear",
                "reference-linear-multi"), methods);
        for (String method : methods) {
            boolean own = method.equals("ft-mono") || method.equals("reference-linear");
            // Own-language models on their own language only (model ends in -{language}); rows give the model name.
            double mean = rows.stream().filter(r -> r.getAs("method").equals(method))
                    .filter(r -> !own || r.<String>getAs("model").endsWith("-" + r.getAs("language"))).mapToDouble(r -> r.<Double>getAs("value")).average().orElseThrow();
            String cell = String.format("%.1f", 100 * mean);
            // The same run published twice: the same number in both columns.
            assertTrue(html.contains("<tr><td>" + method + "</td><td>" + cell + "</td><td>" + cell + "</td></tr>"),
                    method + ": mean test UA " + cell + " for demo-a and demo-b");
        }
    }

    @Test
    void verdictsPerRunAreTheRunReportsOwn() throws Exception {
        String html = Files.readString(page());
        Path report = Path.of(java.net.URI.create(DemoRun.get().runDir(DemoRun.RUN_ID))).resolve("report");
        String runReport = Files.readString(report.resolve("index.html"));
        // The run report's verdict rows: language, comparison, verdict, utterances.
        Matcher verdict = Pattern.compile("<tr><td>([a-z]+)</td>(<td>student-mtkd-language vs [a-z-]+</td>.*?)</tr>")
                .matcher(runReport);
        int n = 0;
        while (verdict.find()) {
            for (String id : List.of("demo-a", "demo-b")) {
                String row = "<tr><td>" + id + "</td><td>" + verdict.group(1) + "</td>" + verdict.group(2) + "</tr>";
                assertTrue(html.contains(row), "the cross-run page has " + row);
            }
            n++;
        }
        assertEquals(4 * 2 + 3, n, "the run report's verdicts");
        assertEquals(2 * n, html.split("<td>student-mtkd-language vs ", -1).length - 1, "and no other verdict");
    }

    @Test
    void everyRunByDefaultNextToTheWarehouse() throws Exception {
        page();
        DemoRun run = DemoRun.get();
        assertEquals(0, ReportCommand.run(DemoRun.spark(), new String[] {"--set", "ser.warehouse.root=" + run.warehouse()}));
        Path index = run.dir.resolve("runs").resolve("report-runs").resolve("index.html");
        String html = Files.readString(index);
        for (String id : List.of("demo-a", "demo-b")) {
            assertTrue(html.contains("<tr><td>" + id + "</td><td class=\"path\">"), id + " is in the runs table");
        }
    }

    @Test
    void unknownRunIdAndEmptyWarehouseExitTwo() throws Exception {
        DemoRun run = DemoRun.get();
        String[] unknown = {"--runs", "demo-a,no-such-run", "--out", run.dir.resolve("never").toString(), "--set",
            "ser.warehouse.root=" + run.warehouse()};
        String err = stderrOf(() -> assertEquals(2, ReportCommand.run(DemoRun.spark(), unknown)));
        assertTrue(err.contains("unknown run id no-such-run"), err);
        assertFalse(Files.exists(run.dir.resolve("never")), "nothing is written");
        Path empty = Files.createDirectories(run.dir.resolve("empty-warehouse"));
        String[] none = {"--set", "ser.warehouse.root=" + empty.toUri()};
        err = stderrOf(() -> assertEquals(2, ReportCommand.run(DemoRun.spark(), none)));
        assertTrue(err.contains("has no published run"), err);
        err = stderrOf(() -> assertEquals(2, ReportCommand.run(DemoRun.spark(), new String[] {"--runs"})));
        assertTrue(err.contains("--runs needs a value"), err);
    }

    private static String stderrOf(Runnable r) {
        PrintStream before = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(before);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
