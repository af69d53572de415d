package io.serdistill.jobs;

import io.serdistill.jobs.run.JobArgs;
import io.serdistill.jobs.run.Stage;
import java.util.Arrays;
import java.util.List;

/** {@code ser STAGE [options]}: one entry point for the launcher, dispatching to a stage or the whole pipeline. */
public final class SerCli {
    private SerCli() {}

    public static void main(String[] args) throws org.apache.spark.SparkUserAppException {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.out.println("usage: ser {manifest|extract|teachers|distill|evaluate|publish|pipeline|infer} " + JobArgs.USAGE
                    + "\n       " + ReportCommand.USAGE.substring("usage: ".length()));
            System.exit(args.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        if (args[0].equals("report")) {
            exit(ReportCommand.run(rest));
            return;
        }
        List<Stage> stages = switch (args[0]) {
            case "pipeline" -> PipelineJob.stages();
            // Not a pipeline stage: it labels new audio with a run's package, on request.
            case "infer" -> List.of(new io.serdistill.jobs.stages.InferStage());
            default -> PipelineJob.stages().stream().filter(s -> s.name().equals(args[0])).toList();
        };
        if (stages.isEmpty()) {
            System.err.println("ser: unknown stage '" + args[0] + "'; expected manifest, extract, teachers, distill, evaluate, publish, pipeline or infer");
            System.exit(2);
        }
        exit(StageRunner.run(stages, rest));
    }

    /** Ends the launch with {@code code}. */
    private static void exit(int code) throws org.apache.spark.SparkUserAppException {
        if (!inYarnClusterDriver()) {
            System.exit(code);
        }
        // YARN's ApplicationMaster marks an application FAILED (exit code 16, "Shutdown hook called before final
        // status was reported") when main calls System.exit, even System.exit(0): return, or throw the code.
        if (code != 0) {
            throw new org.apache.spark.SparkUserAppException(code);
        }
    }

    /** The ApplicationMaster sets these system properties before it calls main in cluster deploy mode. */
    static boolean inYarnClusterDriver() {
        return "yarn".equals(System.getProperty("spark.master"))
                && "cluster".equals(System.getProperty("spark.submit.deployMode"))
                && System.getProperty("spark.yarn.app.id") != null;
    }
}
