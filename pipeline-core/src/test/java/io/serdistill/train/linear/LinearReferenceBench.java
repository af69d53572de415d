package io.serdistill.train.linear;

import java.util.SplittableRandom;

/**
 * Time of {@link LogisticRegressionTrainer#fit} at each C of the default grid and of a whole
 * {@link LinearReferenceTrainer#train} (13 C × 5 folds + refit) on synthetic pooled features, one thread. Not a
 * test: run by hand, e.g.
 * {@code java -cp pipeline-core/target/test-classes:pipeline-core/target/classes io.serdistill.train.linear.LinearReferenceBench}.
 *
 * <p>Arguments (optional): utterances (400), features (160), speakers (12), timed runs (5).
 */
public final class LinearReferenceBench {
    private LinearReferenceBench() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 160;
        int speakerCount = args.length > 2 ? Integer.parseInt(args[2]) : 12;
        int runs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int classes = 4;
        SplittableRandom r = new SplittableRandom(7);
        double[][] means = new double[classes][dim];
        for (double[] m : means) {
            for (int j = 0; j < dim; j++) {
                m[j] = 0.3 * r.nextGaussian();
            }
        }
        float[][] x = new float[n][dim];
        int[] y = new int[n];
        String[] speakers = new String[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            speakers[i] = "s" + (i % speakerCount);
            for (int j = 0; j < dim; j++) {
                x[i][j] = (float) (10 + 3 * (means[y[i]][j] + r.nextGaussian()));
            }
        }
        LinearReferenceOptions options = LinearReferenceOptions.defaults();
        for (int run = 0; run < runs; run++) {
            StringBuilder line = new StringBuilder("fit ms per C:");
            for (double c : options.cGrid()) {
                long t = System.nanoTime();
                LogisticRegressionTrainer.Fit fit = LogisticRegressionTrainer.fit(x, y, classes, c, options.solver());
                line.append(String.format(" %.3g:%.1f(%d it)", c, (System.nanoTime() - t) * 1e-6,
                        fit.solver().iterations()));
            }
            System.out.println(line);
            long t = System.nanoTime();
            LinearReference ref = LinearReferenceTrainer.train(x, y, speakers, classes, options);
            System.out.printf("run %d: %d x %d, CV + refit %.0f ms, chose C=%.3g (mean UA %.3f)%n", run, n, dim,
                    (System.nanoTime() - t) * 1e-6, ref.c(),
                    ref.grid().stream().filter(g -> g.c() == ref.c()).findFirst().orElseThrow().meanUa());
        }
    }
}
