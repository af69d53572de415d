package io.serdistill.model.wav2vec2;

import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Forward time of a wav2vec2-base-sized encoder (random weights: hidden 768, 12 layers, 12 heads, FFN 3072, conv
 * 512, group norm, post-LN) on CPU for 4 s of 16 kHz audio, batch 1 and batch 8. Not a test: run by hand, e.g.
 * <pre>
 * mvn -B -o -q -pl pipeline-core test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx3g -Dorg.bytedeco.javacpp.maxbytes=6G -cp pipeline-core/target/test-classes:pipeline-core/target/classes:$(cat /tmp/cp.txt) \
 *     io.serdistill.model.wav2vec2.Wav2Vec2Bench 4 1 3
 * </pre>
 * Compare with {@code tools/bench_torchaudio_wav2vec2.py} at the same thread count (printed here: ND4J's); see
 * docs/benchmarks.md for the figures and the BLAS that torch must be given for a fair comparison.
 *
 * <p>Arguments (optional): audio seconds (4), warm-up runs (2), timed runs (5).
 */
public final class Wav2Vec2Bench {
    private static final int RATE = 16000;
    private static final String BASE = """
            {"model_type": "wav2vec2", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
             "intermediate_size": 3072, "conv_bias": false, "feat_extract_norm": "group", "do_stable_layer_norm": false}
            """;

    private Wav2Vec2Bench() {
    }

    public static void main(String[] args) throws IOException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Wav2Vec2Config config = Wav2Vec2Config.parse(BASE, "wav2vec2-base");
        Wav2Vec2Model model = Wav2Vec2Model.fromTensors(config, randomWeights(config, 42), "random");
        System.out.printf("wav2vec2-base-sized, random weights, %.1f s audio; %s; ND4J %s, threads %d; %s %s%n", seconds,
                model.fused() ? "fused CPU path" : "plain ND4J ops (-Dserdistill.wav2vec2.fused=false)",
                Nd4j.getBackend().getClass().getSimpleName(), Nd4j.getEnvironment().maxMasterThreads(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        for (int batch : new int[] {1, 8}) {
            List<float[]> waves = new ArrayList<>();
            SplittableRandom rng = new SplittableRandom(batch);
            for (int b = 0; b < batch; b++) {
                float[] w = new float[(int) (seconds * RATE)];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (0.1 * (2 * rng.nextDouble() - 1));
                }
                waves.add(w);
            }
            double checksum = 0;
            for (int i = 0; i < warmups; i++) {
                checksum += model.forward(waves).hiddenStates().get(12).getDouble(0, 0, 0);
            }
            double[] times = new double[runs];
            for (int i = 0; i < runs; i++) {
                long start = System.nanoTime();
                checksum += model.forward(waves).hiddenStates().get(12).getDouble(0, 0, 0);
                times[i] = (System.nanoTime() - start) * 1e-9;
            }
            Arrays.sort(times);
            System.out.printf("batch %d: median %.3f s, best %.3f s, worst %.3f s per forward (%d runs after %d warm-up;"
                    + " checksum %.3f)%n", batch, times[runs / 2], times[0], times[runs - 1], runs, warmups, checksum);
        }
    }

    /** Weights named as in a Hugging Face checkpoint: N(0, 0.02) matrices, unit norm gains, small biases. */
    public static Map<String, SafeTensors.Tensor> randomWeights(Wav2Vec2Config config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : Wav2Vec2Model.parameterShapes(config).entrySet()) {
            long[] shape = e.getValue();
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            float[] v = new float[(int) n];
            String name = e.getKey();
            boolean gain = name.endsWith("norm.weight") || name.endsWith("weight_g");
            double std = name.contains("conv_layers") ? Math.sqrt(2.0 / (shape.length > 1 ? shape[1] * shape[2] : 1)) : 0.02;
            for (int i = 0; i < v.length; i++) {
                v[i] = gain ? 1f : (float) (shape.length == 1 ? 0 : std * gaussian(rng));
            }
            tensors.put(name, new SafeTensors.Tensor(shape, v));
        }
        return tensors;
    }

    private static double gaussian(SplittableRandom rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
