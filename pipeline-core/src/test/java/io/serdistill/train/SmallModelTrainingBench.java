package io.serdistill.train;

import io.serdistill.distill.TeacherWeighting;
import io.serdistill.model.ClassifierSpec;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.TrainingEngine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training time of the pooled models at the demo's shapes, per {@link TrainingEngine}: one optimiser step (forward,
 * backward, AdamW), one epoch of {@link TrainingLoop} (shuffled mini-batches and the dev pass, median of the epochs
 * after the first), and a whole demo teacher as the pipeline trains it ({@link MlpTrainer}: 60 epochs, early
 * stopping after 15, best epoch restored). Data: synthetic pooled vectors (160 values, the demo's 80 mel bins ×
 * mean and std), 128 training and 32 dev utterances per language, 4 classes. Not a test: run by hand and compare with
 * {@code tools/bench_torch_small_training.py} at the same thread count (docs/benchmarks.md has the commands):
 * <pre>
 * mvn -B -o -q -pl pipeline-core test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * OMP_NUM_THREADS=1 java -cp pipeline-core/target/test-classes:pipeline-core/target/classes:$(cat /tmp/cp.txt) \
 *     io.serdistill.train.SmallModelTrainingBench fused,samediff 5
 * </pre>
 *
 * <p>Models: teacher (hidden 256, 128; labels; 128 utterances), linear (no hidden layer; labels; 128), student
 * (hidden 128; distillation from 3 teachers' logits, uniform mix, alpha 0.25, T 5; 384 utterances, the three
 * languages' training sets). Every one: batch 32, AdamW lr 0.002, weight decay 1e-4 on weight matrices, cosine
 * schedule with 5 % warm-up, clipping at norm 5, the demo config's values.
 *
 * <p>Arguments (optional): engines (fused,samediff), timed repetitions (5).
 */
public final class SmallModelTrainingBench {
    private static final int DIM = 160;
    private static final int CLASSES = 4;
    private static final int BATCH = 32;

    private SmallModelTrainingBench() {}

    private record Model(String name, List<Integer> hidden, int utterances, boolean distils) {}

    private static final List<Model> MODELS = List.of(
            new Model("teacher", List.of(256, 128), 128, false),
            new Model("linear", List.of(), 128, false),
            new Model("student", List.of(128), 384, true));

    /**
     * Wall and CPU seconds of the training thread: on a shared, loaded machine the CPU time of a one-thread run is the
     * steadier figure. Once the JIT has compiled the training code (the warm-up steps) the JVM's other threads add
     * little to it (process CPU time, 10 ms resolution here, was within ~20 % of it over 200 steps).
     */
    private record Time(double wall, double cpu) {
        static Time median(List<Time> ts) {
            return new Time(SmallModelTrainingBench.median(ts.stream().mapToDouble(Time::wall).toArray()),
                    SmallModelTrainingBench.median(ts.stream().mapToDouble(Time::cpu).toArray()));
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    public static void main(String[] args) throws Exception {
        List<TrainingEngine> engines = Arrays.stream((args.length > 0 ? args[0] : "fused,samediff").split(","))
                .map(s -> TrainingEngine.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT))).toList();
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String torchScript = args.length > 2 ? args[2] : "tools/bench_torch_small_training.py";
        Nd4j.create(new float[] {1, 2}).mmul(Nd4j.create(new float[] {1, 2}, new long[] {2, 1})); // ND4J up
        int threads = Nd4j.getEnvironment().maxMasterThreads();
        System.out.printf("ND4J threads %d (OMP_NUM_THREADS=%s), load average %s%n", threads,
                System.getenv("OMP_NUM_THREADS"), loadAverage());
        java.util.Map<String, Time[]> torch = torch(torchScript, threads, reps);
        for (TrainingEngine engine : engines) {
            // The first teacher in this JVM for this engine: what a fresh Spark task pays (JIT, graph set-up).
            TeacherRun cold = teacher(engine);
            for (Model m : MODELS) {
                List<Time> step = new ArrayList<>();
                List<Time> epoch = new ArrayList<>();
                for (int r = 0; r < reps; r++) {
                    // The fused path needs ~1000 steps before the JIT has compiled all of it; SameDiff's steps are native.
                    boolean fused = engine != TrainingEngine.SAMEDIFF;
                    step.add(stepTime(m, engine, fused ? 1000 : 100, fused ? 500 : 100));
                    epoch.add(epochTime(m, engine, 12));
                }
                Time s = Time.median(step);
                Time e = Time.median(epoch);
                System.out.printf("%s %s: step median %.3f ms wall, %.3f ms cpu; epoch median %.2f ms wall, %.2f ms cpu;"
                        + " %d reps%n", engine.label(), m.name(), 1e3 * s.wall(), 1e3 * s.cpu(), 1e3 * e.wall(),
                        1e3 * e.cpu(), reps);
                Time[] t = torch.get(m.name());
                if (t != null) {
                    System.out.printf("  ratio to torch (%s / torch): step %.2f wall, %.2f cpu; epoch %.2f wall, %.2f cpu%n",
                            engine.label(), s.wall() / t[0].wall(), s.cpu() / t[0].cpu(), e.wall() / t[1].wall(),
                            e.cpu() / t[1].cpu());
                }
            }
            List<Time> teacher = new ArrayList<>();
            int epochs = 0;
            for (int r = 0; r < reps; r++) {
                TeacherRun t = teacher(engine);
                teacher.add(t.time());
                epochs = t.epochs();
            }
            Time t = Time.median(teacher);
            System.out.printf("%s demo teacher (%d epochs run): first in the JVM %.2f s wall (%.2f s cpu), then median"
                    + " %.3f s wall, %.3f s cpu (%.2f ms cpu per epoch)%n", engine.label(), epochs, cold.time().wall(),
                    cold.time().cpu(), t.wall(), t.cpu(), 1e3 * t.cpu() / epochs);
            if (engine != TrainingEngine.SAMEDIFF) {
                lbfgsTeacher(engine, reps, torch.get("lbfgs-teacher"));
            }
        }
        System.out.printf("load average after: %s%n", loadAverage());
    }

    /**
     * Runs the PyTorch script (Debian's python, given ND4J's OpenBLAS as its libblas, see the script) at the same
     * thread count and reads its figures: per model [step, epoch]; "teacher-run" [run, per epoch]. Empty when the
     * script or torch is missing.
     */
    private static java.util.Map<String, Time[]> torch(String script, int threads, int reps) throws Exception {
        java.util.Map<String, Time[]> out = new java.util.LinkedHashMap<>();
        if (!java.nio.file.Files.exists(java.nio.file.Path.of(script))) {
            System.out.println("no " + script + ": no torch figures");
            return out;
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", script, Integer.toString(threads),
                Integer.toString(reps)).redirectErrorStream(true);
        String blas = System.getProperty("user.home")
                + "/.javacpp/cache/openblas-0.3.19-1.5.7-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64";
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("torch-blas");
        java.nio.file.Files.createSymbolicLink(dir.resolve("libblas.so.3"), java.nio.file.Path.of(blas, "libopenblas.so.0"));
        pb.environment().put("LD_LIBRARY_PATH", dir.toString());
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        Process p = pb.start();
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "torch (\\w+): step median ([0-9.]+) ms wall, ([0-9.]+) ms cpu; epoch median ([0-9.]+) ms wall, ([0-9.]+) ms cpu.*");
        java.util.regex.Pattern lbfgsLine = java.util.regex.Pattern.compile(
                "torch lbfgs-teacher: .*; ([0-9.]+) ms cpu per iteration");
        for (String l : new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            System.out.println("  | " + l);
            var lb = lbfgsLine.matcher(l);
            if (lb.matches()) {
                // [cpu seconds per iteration]
                out.put("lbfgs-teacher", new Time[] {new Time(Double.NaN, Double.parseDouble(lb.group(1)) / 1e3)});
            }
            var m = line.matcher(l);
            if (m.matches()) {
                out.put(m.group(1), new Time[] {
                        new Time(Double.parseDouble(m.group(2)) / 1e3, Double.parseDouble(m.group(3)) / 1e3),
                        new Time(Double.parseDouble(m.group(4)) / 1e3, Double.parseDouble(m.group(5)) / 1e3)});
            }
        }
        p.waitFor();
        return out;
    }

    /** Mean time per step over {@code timed} steps after {@code warmup}, on the first batch. */
    private static Time stepTime(Model m, TrainingEngine engine, int warmup, int timed) {
        List<TrainingExample> data = data(m.utterances(), 1);
        MlpClassifier model = MlpClassifier.initialise(new ClassifierSpec(DIM, m.hidden(), CLASSES), zeros(), ones(), 3);
        model.setTrainingEngine(engine);
        model.prepareTraining(m.distils() ? 0.25 : 1, m.distils() ? 5 : 1);
        AdamW adamW = new AdamW(1e-4, 0, 5.0, model::decayed);
        if (model.trainingEngine() == TrainingEngine.FUSED) {
            adamW.useHostLoop();
        }
        List<float[]> rows = new ArrayList<>();
        int[] labels = new int[BATCH];
        List<float[]> targets = m.distils() ? new ArrayList<>() : null;
        for (int i = 0; i < BATCH; i++) {
            rows.add(data.get(i).input());
            labels[i] = data.get(i).label();
            if (targets != null) {
                targets.add(io.serdistill.distill.SoftTargets.mix(data.get(i).teacherLogits(), new double[] {1 / 3.0, 1 / 3.0,
                        1 / 3.0}, 5));
            }
        }
        long wall = 0;
        long cpu = 0;
        for (int s = 0; s < warmup + timed; s++) {
            if (s == warmup) {
                wall = System.nanoTime();
                cpu = cpuNanos();
            }
            var step = model.step(rows, labels, targets, null, s);
            adamW.apply(model.parameters(), step.gradients(), 1e-3);
            if (step.callerOwned()) {
                TrainingLoop.release(step.gradients());
            }
        }
        return new Time((System.nanoTime() - wall) / 1e9 / timed, (cpuNanos() - cpu) / 1e9 / timed);
    }

    /** Median time of the epochs after the first of a {@link TrainingLoop} run of {@code epochs} epochs. */
    private static Time epochTime(Model m, TrainingEngine engine, int epochs) {
        List<Time> times = new ArrayList<>();
        long[] last = {System.nanoTime(), cpuNanos()};
        MlpTrainer.train(data(m.utterances(), 1), data(32 * m.utterances() / 128, 2), m.hidden(), 1,
                options(m, epochs, 0, engine), rec -> {
                    long wall = System.nanoTime();
                    long cpu = cpuNanos();
                    times.add(new Time((wall - last[0]) / 1e9, (cpu - last[1]) / 1e9));
                    last[0] = wall;
                    last[1] = cpu;
                });
        return Time.median(times.subList(1, times.size()));
    }

    private record TeacherRun(Time time, int epochs) {}

    private static TeacherRun teacher(TrainingEngine engine) {
        Model m = MODELS.get(0);
        List<TrainingExample> train = data(128, 1);
        List<TrainingExample> dev = data(32, 2);
        long wall = System.nanoTime();
        long cpu = cpuNanos();
        TrainedModel<MlpClassifier> t = MlpTrainer.train(train, dev, m.hidden(), 1, options(m, 60, 15, engine), e -> {});
        return new TeacherRun(new Time((System.nanoTime() - wall) / 1e9, (cpuNanos() - cpu) / 1e9), t.history().size());
    }

    /**
     * The demo teacher as the default optimiser trains it ({@link FullBatchLbfgs}: lbfgs.l2 0.01, at most 500
     * iterations), first in the JVM and then the median of {@code reps}; the ratio to torch's LBFGS is per iteration
     * (the two stop at different iterations: other tolerances and line searches).
     */
    private static void lbfgsTeacher(TrainingEngine engine, int reps, Time[] torch) {
        Model m = MODELS.get(0);
        List<Time> times = new ArrayList<>();
        int iterations = 0;
        Time first = null;
        for (int r = 0; r <= reps; r++) {
            TrainingOptions base = options(m, 60, 15, engine);
            TrainingOptions opts = new TrainingOptions(base.optimisation().withOptimiser(Optimisation.Optimiser.LBFGS,
                    500, 0.01), base.regularisation(), base.objective(), base.seed(), base.checkpointPolicy(), engine);
            long wall = System.nanoTime();
            long cpu = cpuNanos();
            TrainedModel<MlpClassifier> t = MlpTrainer.train(data(128, 1), data(32, 2), m.hidden(), 1, opts, e -> {});
            Time time = new Time((System.nanoTime() - wall) / 1e9, (cpuNanos() - cpu) / 1e9);
            iterations = t.history().size();
            if (r == 0) {
                first = time;
            } else {
                times.add(time);
            }
        }
        Time t = Time.median(times);
        System.out.printf("%s lbfgs demo teacher (%d iterations): first %.2f s wall (%.2f s cpu), then median %.3f s"
                + " wall, %.3f s cpu (%.3f ms cpu per iteration)%n", engine.label(), iterations, first.wall(),
                first.cpu(), t.wall(), t.cpu(), 1e3 * t.cpu() / iterations);
        if (torch != null) {
            System.out.printf("  ratio to torch LBFGS per iteration (cpu): %.2f%n",
                    t.cpu() / iterations / torch[0].cpu());
        }
    }

    private static TrainingOptions options(Model m, int epochs, int patience, TrainingEngine engine) {
        Optimisation o = new Optimisation(epochs, BATCH, 0.002, 1e-4, patience, LearningRateSchedule.Shape.COSINE, 0.05,
                5.0, false);
        Objective objective = m.distils()
                ? new Objective(0.25, 5, TeacherWeighting.named("uniform", 0), List.of("en", "fi", "fr"))
                : Objective.labels();
        return new TrainingOptions(o, Regularisation.NONE, objective, 42, CheckpointPolicy.EVERY_EPOCH, engine);
    }

    /**
     * {@code n} utterances: class means 0.3 N(0, 1) per value, unit noise, then an offset and scale as log-mel
     * statistics have; teachers' logits (3 teachers) noisy around the true class.
     */
    private static List<TrainingExample> data(int n, long seed) {
        SplittableRandom means = new SplittableRandom(7);
        double[][] mu = new double[CLASSES][DIM];
        for (double[] row : mu) {
            for (int j = 0; j < DIM; j++) {
                row[j] = 0.3 * means.nextGaussian();
            }
        }
        SplittableRandom r = new SplittableRandom(seed);
        String[] languages = {"en", "fi", "fr"};
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int y = i % CLASSES;
            float[] x = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                x[j] = (float) (10 + 3 * (mu[y][j] + r.nextGaussian()));
            }
            float[][] teachers = new float[3][CLASSES];
            for (float[] t : teachers) {
                for (int k = 0; k < CLASSES; k++) {
                    t[k] = (float) ((k == y ? 2 : 0) + r.nextGaussian());
                }
            }
            out.add(new TrainingExample("u" + seed + "_" + i, languages[i % 3], "s" + (i % 8), y, x, teachers));
        }
        return out;
    }

    private static float[] zeros() {
        return new float[DIM];
    }

    private static float[] ones() {
        float[] a = new float[DIM];
        Arrays.fill(a, 1f);
        return a;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
