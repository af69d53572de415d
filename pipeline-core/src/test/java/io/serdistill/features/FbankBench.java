package io.serdistill.features;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Throughput of {@link KaldiFbank} (80-bin defaults) on one thread, in seconds of audio per second of wall
 * time. Not a test: run by hand, e.g.
 * {@code java -cp pipeline-core/target/test-classes:pipeline-core/target/classes io.serdistill.features.FbankBench}.
 * Compare with {@code tools/bench_torchaudio_fbank.py}, which times torchaudio on the same kind of signal.
 *
 * <p>Arguments (optional): audio seconds (60), warm-up runs (20), timed runs (20).
 */
public final class FbankBench {
    private static final int RATE = 16000;

    private FbankBench() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 60;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        float[] audio = speechLike((int) (seconds * RATE), 1234);
        KaldiFbank fbank = new KaldiFbank(FbankOptions.defaults());

        double checksum = 0;
        for (int i = 0; i < warmups; i++) {
            checksum += fbank.compute(audio).data()[0];
        }
        double[] rates = new double[runs];
        int frames = 0;
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            FeatureMatrix features = fbank.compute(audio);
            long elapsed = System.nanoTime() - start;
            frames = features.frames();
            checksum += features.data()[features.data().length - 1];
            rates[i] = seconds / (elapsed * 1e-9);
        }
        Arrays.sort(rates);
        System.out.printf("KaldiFbank 80 bins, %.0f s of audio (%d frames), 1 thread, %s %s%n", seconds, frames,
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        System.out.printf("audio seconds per second: median %.0f, best %.0f, worst %.0f (%d runs after %d warm-up;"
                + " checksum %.3f)%n", rates[runs / 2], rates[runs - 1], rates[0], runs, warmups, checksum);
    }

    /**
     * Deterministic speech-like signal at PCM16 scale: gliding harmonic voice with a syllabic envelope, plus
     * white noise. Content does not change the cost of the fbank; it only keeps the values realistic.
     */
    static float[] speechLike(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[n];
        double phase = 0;
        for (int i = 0; i < n; i++) {
            double t = (double) i / RATE;
            double f0 = 170 + 50 * Math.sin(2 * Math.PI * 1.3 * t);
            phase += 2 * Math.PI * f0 / RATE;
            double voiced = 0;
            for (int k = 1; k <= 10; k++) {
                voiced += Math.sin(k * phase) / k;
            }
            double envelope = 0.5 + 0.5 * Math.pow(Math.sin(2 * Math.PI * 4 * t), 2);
            x[i] = (float) (32767 * (0.15 * envelope * voiced + 0.01 * random.nextGaussian()));
        }
        return x;
    }
}
