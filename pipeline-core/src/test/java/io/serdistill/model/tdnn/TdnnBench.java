package io.serdistill.model.tdnn;

import io.serdistill.model.TrainingEngine;
import io.serdistill.train.AdamW;
import io.serdistill.train.CheckpointPolicy;
import io.serdistill.train.CheckpointStore;
import io.serdistill.train.FrameExample;
import io.serdistill.train.FrameModelTrainer;
import io.serdistill.train.LearningRateSchedule;
import io.serdistill.train.Objective;
import io.serdistill.train.Optimisation;
import io.serdistill.train.Regularisation;
import io.serdistill.train.TrainingOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training time of a {@link TdnnClassifier} over 80-bin frames, per {@link TrainingEngine} (the fused CPU path
 * {@link FusedTdnn} and the SameDiff graph), next to {@code tools/bench_torch_tdnn.py}, the same architecture,
 * batch, data sizes, optimiser and loss in PyTorch at the same thread count (run by this bench with ND4J's OpenBLAS
 * as its libblas and passive OpenMP threads), and the ratios. Not a test: run by hand (docs/benchmarks.md has the commands and figures):
 * <pre>
 * mvn -B -o -q -pl pipeline-core test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * OMP_NUM_THREADS=1 java -cp pipeline-core/target/test-classes:pipeline-core/target/classes:$(cat /tmp/cp.txt) \
 *     io.serdistill.model.tdnn.TdnnBench 64,64,64
 * </pre>
 *
 * <p>Model: channels per layer as given, kernels 5,3,3,... and dilations 1,2,3,... (ser.teachers.tdnn's shape by
 * default), attention bottleneck half the last layer's width, layer norm (optional), 4 classes, SpecAugment 2 x 10
 * frames and 2 x 8 bins, label cross-entropy. Data: utterances of 160-199 frames (1.8 s, the demo corpus's mean
 * duration) of N(0, 1) values. Reported:
 * <ul>
 *   <li>step: one optimiser step on a fixed batch of 32, as {@code TrainingLoop} takes it: {@link TdnnClassifier#step}
 *       (padding, augmentation, forward, backward) then {@link AdamW#apply} (clipping at norm 5, decay 1e-4; its host
 *       loop for the fused engine, as the loop uses it), each part timed too; mean of {@code runs} after
 *       {@code warmups};</li>
 *   <li>forward: {@link TdnnClassifier#logits} of the same batch;</li>
 *   <li>epoch: {@link FrameModelTrainer} (on the engine) over 384 training utterances (12 steps, the demo student's
 *       training set) and a dev pass over 96, AdamW lr 0.002 with cosine schedule and 5 % warm-up; median of the
 *       epochs after the first (the first pays graph set-up and JIT compilation; it is printed too).</li>
 * </ul>
 * Wall time, the training thread's CPU time and the process's CPU time: on a shared, loaded machine the CPU time is
 * the fairer figure (with one ND4J and OpenBLAS thread the ops and GEMMs run on the calling thread); the ratios use
 * thread CPU against torch's process CPU, and wall against wall.
 *
 * <p>Arguments (optional): channels (64,64,64), warm-up steps (15: a fresh JVM's first steps run ~2x slower while the
 * JIT and the allocator warm up), timed steps (10), layer norm (true), epochs (2),
 * the torch script (tools/bench_torch_tdnn.py; "none" skips it), the engines (fused,samediff), each timed in turn.
 */
public final class TdnnBench {
    private static final int BINS = 80;
    private static final int BATCH = 32;
    private static final int CLASSES = 4;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private TdnnBench() {}

    /** Seconds of wall, training-thread CPU and process CPU time. */
    private record Time(double wall, double cpu, double processCpu) {
        static Time since(long[] start) {
            long[] now = now();
            return new Time((now[0] - start[0]) / 1e9, (now[1] - start[1]) / 1e9, (now[2] - start[2]) / 1e9);
        }

        static long[] now() {
            return new long[] {System.nanoTime(), THREADS.getCurrentThreadCpuTime(), OS.getProcessCpuTime()};
        }

        Time div(double n) {
            return new Time(wall / n, cpu / n, processCpu / n);
        }

        String ms() {
            return String.format("%.1f ms wall, %.1f ms cpu (process %.1f ms)", 1e3 * wall, 1e3 * cpu, 1e3 * processCpu);
        }
    }

    public static void main(String[] args) throws Exception {
        String widths = args.length > 0 ? args[0] : "64,64,64";
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        boolean layerNorm = args.length <= 3 || Boolean.parseBoolean(args[3]);
        int epochs = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        String torchScript = args.length > 5 ? args[5] : "tools/bench_torch_tdnn.py";
        String engineList = args.length > 6 ? args[6] : "fused,samediff";
        List<Integer> channels = Arrays.stream(widths.split(",")).map(Integer::parseInt).toList();
        TdnnSpec spec = new TdnnSpec(BINS, channels, List.of(5, 3, 3, 3, 3).subList(0, channels.size()),
                List.of(1, 2, 3, 4, 5).subList(0, channels.size()), channels.get(channels.size() - 1) / 2, layerNorm,
                CLASSES);
        SpecAugment augment = new SpecAugment(2, 10, 2, 8);
        Nd4j.create(new float[] {1, 2}).mmul(Nd4j.create(new float[] {1, 2}, new long[] {2, 1})); // ND4J up
        int threads = Nd4j.getEnvironment().maxMasterThreads();
        System.out.printf("ND4J threads %d (OMP_NUM_THREADS=%s), spec %s, load average %s%n", threads,
                System.getenv("OMP_NUM_THREADS"), spec, loadAverage());

        List<TrainingEngine> engines = Arrays.stream(engineList.split(","))
                .map(e -> TrainingEngine.valueOf(e.trim().toUpperCase(java.util.Locale.ROOT))).toList();
        java.util.Map<TrainingEngine, Time[]> results = new java.util.LinkedHashMap<>();
        for (TrainingEngine engine : engines) {
            Random r = new Random(1);
            List<INDArray> batch = utterances(BATCH, r);
            int[] labels = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = i % CLASSES;
            }
            float[] mean = new float[BINS];
            float[] std = new float[BINS];
            Arrays.fill(std, 1f);
            TdnnClassifier m = TdnnClassifier.initialise(spec, mean, std, augment, 1);
            m.setTrainingEngine(engine);
            m.prepareTraining(1, 1);
            String label = m.trainingEngine().label();
            AdamW adamW = new AdamW(1e-4, 0, 5.0, m::decayed);
            if (m.trainingEngine() == TrainingEngine.FUSED) {
                adamW.useHostLoop(); // as TrainingLoop does for a fused model
            }
            Time stepPart = new Time(0, 0, 0);
            Time optimiserPart = new Time(0, 0, 0);
            long[] start = Time.now();
            for (int i = 0; i < warmups + runs; i++) {
                if (i == warmups) {
                    start = Time.now();
                    stepPart = new Time(0, 0, 0);
                    optimiserPart = new Time(0, 0, 0);
                }
                long[] s0 = Time.now();
                var step = m.step(batch, labels, null, null);
                stepPart = plus(stepPart, Time.since(s0));
                long[] s1 = Time.now();
                adamW.apply(m.parameters(), step.gradients(), 1e-3);
                optimiserPart = plus(optimiserPart, Time.since(s1));
            }
            Time step = Time.since(start).div(runs);
            long[] f0 = Time.now();
            for (int i = 0; i < runs; i++) {
                m.logits(batch);
            }
            Time forward = Time.since(f0).div(runs);
            System.out.printf("%s tdnn: step mean %s = step() %s + AdamW %s; forward %s (batch 32 x 160-199 frames,"
                            + " %d steps after %d)%n", label, step.ms(), stepPart.div(runs).ms(),
                    optimiserPart.div(runs).ms(), forward.ms(), runs, warmups);

            List<Time> perEpoch = epochs(spec, augment, epochs, r, engine);
            List<Time> later = perEpoch.size() > 1 ? perEpoch.subList(1, perEpoch.size()) : perEpoch;
            Time epoch = new Time(median(later.stream().mapToDouble(Time::wall).toArray()),
                    median(later.stream().mapToDouble(Time::cpu).toArray()),
                    median(later.stream().mapToDouble(Time::processCpu).toArray()));
            System.out.printf("%s tdnn: epoch median %s; first epoch %s (384 + 96 dev utterances, %d epochs)%n",
                    label, epoch.ms(), perEpoch.get(0).ms(), epochs);
            results.put(m.trainingEngine(), new Time[] {step, epoch});
        }

        Time[] torch = torch(torchScript, threads, widths, warmups, runs, epochs, layerNorm);
        for (var e : results.entrySet()) {
            Time step = e.getValue()[0];
            Time epoch = e.getValue()[1];
            if (torch != null) {
                System.out.printf("ratio (%s / torch): step %.2f wall, %.2f cpu (process %.2f); epoch %.2f wall,"
                                + " %.2f cpu (process %.2f)%n", e.getKey().label(), step.wall() / torch[0].wall(),
                        step.cpu() / torch[0].cpu(), step.processCpu() / torch[0].cpu(),
                        epoch.wall() / torch[1].wall(), epoch.cpu() / torch[1].cpu(),
                        epoch.processCpu() / torch[1].cpu());
            }
        }
        if (results.size() == 2) {
            Time[] f = results.get(TrainingEngine.FUSED);
            Time[] g = results.get(TrainingEngine.SAMEDIFF);
            if (f != null && g != null) {
                System.out.printf("ratio (fused / samediff): step %.3f cpu, epoch %.3f cpu%n", f[0].cpu() / g[0].cpu(),
                        f[1].cpu() / g[1].cpu());
            }
        }
        System.out.printf("load average after: %s%n", loadAverage());
    }

    /** Per-epoch times of a {@link FrameModelTrainer} run over 384 training and 96 dev utterances. */
    private static List<Time> epochs(TdnnSpec spec, SpecAugment augment, int epochs, Random r, TrainingEngine engine) {
        List<FrameExample> train = examples(384, r, "t");
        List<FrameExample> dev = examples(96, r, "d");
        float[] mean = new float[BINS];
        float[] std = new float[BINS];
        Arrays.fill(std, 1f);
        TdnnClassifier model = TdnnClassifier.initialise(spec, mean, std, augment, 1);
        model.setTrainingEngine(engine);
        Optimisation o = new Optimisation(epochs, BATCH, 0.002, 1e-4, 0, LearningRateSchedule.Shape.COSINE, 0.05, 5.0,
                false);
        TrainingOptions opts = new TrainingOptions(o, Regularisation.NONE, Objective.labels(), 42,
                CheckpointPolicy.EVERY_EPOCH, engine);
        List<Time> times = new ArrayList<>();
        long[][] last = {Time.now()};
        FrameModelTrainer.train(model, train, dev, opts, CheckpointStore.NONE, rec -> {
            times.add(Time.since(last[0]));
            last[0] = Time.now();
        });
        return times;
    }

    private static List<INDArray> utterances(int n, Random r) {
        List<INDArray> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Nd4j.randn(r.nextLong(), new long[] {160 + r.nextInt(40), BINS}));
        }
        return out;
    }

    private static List<FrameExample> examples(int n, Random r, String prefix) {
        List<INDArray> frames = utterances(n, r);
        List<FrameExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new FrameExample(prefix + i, "en", "s" + (i % 8), i % CLASSES, frames.get(i), null));
        }
        return out;
    }

    /**
     * Runs the PyTorch script (Debian's python, given ND4J's OpenBLAS as its libblas, passive OpenMP threads so that
     * idle ones do not spin on the shared machine) at the same thread count and reads [step, epoch] (cpu = torch's
     * process CPU time); null when the script is missing or prints no figures.
     */
    private static Time[] torch(String script, int threads, String widths, int warmups, int runs, int epochs,
                                boolean layerNorm) throws Exception {
        if (script.equals("none") || !Files.exists(Path.of(script))) {
            System.out.println("no torch script (" + script + "): no torch figures");
            return null;
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", script, Integer.toString(threads), widths,
                Integer.toString(warmups), Integer.toString(runs), Integer.toString(epochs),
                Boolean.toString(layerNorm)).redirectErrorStream(true);
        String blas = System.getProperty("user.home")
                + "/.javacpp/cache/openblas-0.3.19-1.5.7-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64";
        Path dir = Files.createTempDirectory("torch-blas");
        Files.createSymbolicLink(dir.resolve("libblas.so.3"), Path.of(blas, "libopenblas.so.0"));
        pb.environment().put("LD_LIBRARY_PATH", dir.toString());
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        Pattern line = Pattern.compile("torch tdnn: step mean ([0-9.]+) ms wall, ([0-9.]+) ms cpu; epoch median"
                + " ([0-9.]+) ms wall, ([0-9.]+) ms cpu.*");
        Time[] out = null;
        for (String l : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            System.out.println("  | " + l);
            Matcher m = line.matcher(l);
            if (m.matches()) {
                out = new Time[] {
                        new Time(Double.parseDouble(m.group(1)) / 1e3, Double.parseDouble(m.group(2)) / 1e3, Double.NaN),
                        new Time(Double.parseDouble(m.group(3)) / 1e3, Double.parseDouble(m.group(4)) / 1e3, Double.NaN)};
            }
        }
        p.waitFor();
        return out;
    }

    private static Time plus(Time a, Time b) {
        return new Time(a.wall() + b.wall(), a.cpu() + b.cpu(), a.processCpu() + b.processCpu());
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
