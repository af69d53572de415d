package io.serdistill.jobs;

import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import io.serdistill.jobs.report.CrossRunReport;
import io.serdistill.jobs.run.JobArgs;
import io.serdistill.jobs.run.Warehouse;
import io.serdistill.jobs.spark.Sparks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ser report [--runs ID[,ID]...] [--out DIR|URI] [--conf FILE|URI]... [--set key=value]...}: the cross-run
 * page ({@link CrossRunReport}) over the warehouse at ser.warehouse.root, for the given runs (default: every
 * published run), written to --out (default: {warehouse root}/../report-runs). Not a stage: it only reads the
 * warehouse, so it takes no run lock and writes no marker. Exit code 0 on success, 2 on a usage or config error, an
 * unknown run id or an empty warehouse (refused before the Spark session starts), 1 on any other failure.
 */
final class ReportCommand {
    static final String USAGE = "usage: ser report [--runs ID[,ID]...] [--out DIR|URI] [--conf FILE|URI]... [--set key=value]...";

    /** What the command line asks for. */
    private record Request(SerConfig config, List<String> runs, String out) {}

    private ReportCommand() {}

    /** The launcher's entry: checks the request, then runs it in a session of its own. */
    static int run(String[] args) {
        Request request;
        Configuration conf;
        Warehouse warehouse;
        try {
            request = parse(args);
            conf = Sparks.hadoopConf(request.config());
            warehouse = Warehouse.at(request.config().warehouse().root(), conf);
            CrossRunReport.select(warehouse, request.runs(), conf);
        } catch (ConfigError | IllegalArgumentException | CrossRunReport.Refused e) {
            System.err.println("ser: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("ser: FAILED: " + Failures.oneLine(e));
            return 1;
        }
        SparkSession spark = Sparks.session(request.config());
        try {
            return write(spark, request);
        } finally {
            spark.stop();
        }
    }

    /** The same in an existing session (tests), which it leaves running. */
    static int run(SparkSession spark, String[] args) {
        try {
            return write(spark, parse(args));
        } catch (ConfigError | IllegalArgumentException e) {
            System.err.println("ser: " + e.getMessage());
            return 2;
        }
    }

    private static int write(SparkSession spark, Request request) {
        try {
            Configuration conf = spark.sparkContext().hadoopConfiguration();
            Warehouse warehouse = Warehouse.at(request.config().warehouse().root(), conf);
            String out = request.out() == null ? CrossRunReport.defaultOut(warehouse) : qualified(request.out(), conf);
            int files = CrossRunReport.write(spark, warehouse, request.runs(), out,
                    request.config().warehouse().bootstrapResamples());
            System.out.println("ser report: wrote " + files + " files: " + out + "/index.html");
            return 0;
        } catch (CrossRunReport.Refused e) {
            System.err.println("ser: " + e.getMessage());
            return 2;
        } catch (Exception | Error e) {
            System.err.println("ser: FAILED: " + Failures.oneLine(e));
            return 1;
        }
    }

    private static Request parse(String[] args) {
        List<String> runs = List.of();
        String out = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Arrays.stream(value(args, ++i, "--runs").split(",")).map(String::trim)
                        .filter(s -> !s.isEmpty()).toList();
                case "--out" -> out = value(args, ++i, "--out");
                case "--force", "--force-unlock" -> throw new IllegalArgumentException("report reads the warehouse"
                        + " only and takes no " + args[i] + "; " + USAGE);
                default -> rest.add(args[i]);
            }
        }
        JobArgs jobArgs;
        try {
            jobArgs = JobArgs.parse(rest.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace(JobArgs.USAGE, USAGE), e);
        }
        return new Request(jobArgs.config(), runs, out);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
        }
        return args[i];
    }

    private static String qualified(String out, Configuration conf) throws java.io.IOException {
        Path p = new Path(out);
        String s = p.getFileSystem(conf).makeQualified(p).toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
