package io.serdistill.model.tdnn;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Time of one training step (forward and backward, no optimiser) of a {@link TdnnClassifier} over 80-bin frames,
 * batch 32 of 180 frames (1.8 s, the demo corpus's mean duration). Arguments: channels per layer (comma-separated,
 * kernels 5,3,3 and dilations 1,2,3 for three layers), warm-ups, runs. Run with the test class path, e.g.
 * {@code java -cp pipeline-core/target/test-classes:pipeline-core/target/classes:$(cat cp.txt)
 * io.serdistill.model.tdnn.TdnnBench 128,128,128}.
 */
public final class TdnnBench {
    private TdnnBench() {}

    public static void main(String[] args) {
        String[] widths = (args.length > 0 ? args[0] : "128,128,128").split(",");
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        List<Integer> channels = new ArrayList<>();
        for (String w : widths) {
            channels.add(Integer.parseInt(w));
        }
        List<Integer> kernels = List.of(5, 3, 3, 3, 3).subList(0, channels.size());
        List<Integer> dilations = List.of(1, 2, 3, 4, 5).subList(0, channels.size());
        float[] mean = new float[80];
        float[] std = new float[80];
        java.util.Arrays.fill(std, 1f);
        TdnnClassifier m = TdnnClassifier.initialise(new TdnnSpec(80, channels, kernels, dilations, 64, args.length <= 3 || Boolean.parseBoolean(args[3]), 4), mean,
                std, new SpecAugment(2, 10, 2, 8), 1);
        m.prepareTraining(1, 1);
        Random r = new Random(1);
        List<INDArray> batch = new ArrayList<>();
        int[] labels = new int[32];
        for (int i = 0; i < 32; i++) {
            batch.add(Nd4j.randn(r.nextLong(), new long[] {160 + r.nextInt(40), 80}));
            labels[i] = i % 4;
        }
        for (int i = 0; i < warmups; i++) {
            m.step(batch, labels, null, null);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            m.step(batch, labels, null, null);
        }
        double step = (System.nanoTime() - t0) / 1e9 / runs;
        long t1 = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            m.logits(batch);
        }
        double forward = (System.nanoTime() - t1) / 1e9 / runs;
        System.out.printf("channels %s: training step %.3f s, forward %.3f s (batch 32 x ~180 frames)%n", channels, step,
                forward);
    }
}
