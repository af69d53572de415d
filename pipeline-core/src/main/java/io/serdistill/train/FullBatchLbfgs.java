package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.eval.ConfusionMatrix;
import io.serdistill.eval.Predictions;
import io.serdistill.model.Classifier;
import io.serdistill.model.HostArrays;
import io.serdistill.model.TrainingEngine;
import io.serdistill.train.linear.Lbfgs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Optimisation.Optimiser#LBFGS}: minimises the model's whole-training-set loss (the batch loss of
 * {@link Classifier#step} over every training example: label cross-entropy, class weights, label smoothing and the
 * distillation term exactly as the mini-batch loop computes them) plus the L2 penalty (l2 / 2) ||W||^2
 * ({@link Optimisation#lbfgsL2()}) on the parameters the model decays, by {@link Lbfgs} from the model's initial weights, and keeps the last iterate. This is
 * scikit-learn's {@code MLPClassifier(solver='lbfgs', alpha=a)} objective with l2 = a / n (it adds
 * {@code a / (2 n) ||W||^2} to the mean loss), and for a model without hidden layers the objective of
 * {@link io.serdistill.train.linear.LogisticRegressionTrainer} at C = 1 / (l2 n) when nothing else is on.
 *
 * <p>A full-batch quasi-Newton method needs a deterministic loss, so input dropout, dropout and input noise must be 0;
 * the dev split is scored after every iteration for the history but chooses nothing (no early stopping, no best
 * epoch: the regularisation is the L2 penalty). Each accepted iteration is one {@link EpochRecord} ("epoch" =
 * iteration, learning rate 0). No checkpoints: a retried task trains again from the start, which gives the same model
 * (no randomness besides the seeded initial weights). Parameters stay float32: the minimiser works in double on the
 * float weights' values, so it stops when float rounding leaves no decrease ({@link Lbfgs.Stop#LINE_SEARCH} or
 * {@link Lbfgs.Stop#FUNCTION}) at the latest.
 */
final class FullBatchLbfgs {
    private FullBatchLbfgs() {}

    /** Gradient tolerance relative to the first gradient (scikit-learn's MLP passes tol = 1e-4 as gtol). */
    static final double GRADIENT_TOLERANCE = 1e-5;
    /** Relative decrease of one iteration below which it stops (above float32 rounding of a mean loss). */
    static final double FUNCTION_TOLERANCE = 1e-9;

    /** The reason a configuration cannot train by L-BFGS, or null when it can. */
    static String unsupported(Regularisation r) {
        return r.perturbsInputs()
                ? "lbfgs needs input-dropout, dropout and input-noise = 0 (full-batch L-BFGS needs a deterministic loss)"
                : null;
    }

    static <M extends Classifier<float[]>> TrainedModel<M> run(M model, List<TrainingExample> train,
                                                                List<TrainingExample> dev, TrainingOptions opts,
                                                                Consumer<EpochRecord> progress) {
        TrainingLoop.requireTrainable(train, opts);
        String reason = unsupported(opts.regularisation());
        if (reason != null) {
            throw new InvalidOption("optimiser", reason);
        }
        model.prepareTraining(opts.objective().alpha(), opts.objective().temperature(), opts.objective().klReduction(),
                opts.regularisation().labelSmoothing());
        float[] classWeights = opts.optimisation().classWeighted() ? TrainingLoop.inverseFrequency(train) : null;
        List<float[]> inputs = train.stream().map(TrainingExample::input).toList();
        int[] labels = TrainingLoop.labels(train);
        List<float[]> staticTargets = opts.distills() && !opts.objective().weighting().needsStudentLogits()
                ? train.stream().map(e -> TrainingLoop.mix(e, opts, null)).toList() : null;
        Weights w = new Weights(model);
        double l2 = opts.optimisation().lbfgsL2();
        Lbfgs.Objective objective = new Lbfgs.Objective() {
            @Override
            public int dimension() {
                return w.size;
            }

            @Override
            public double valueAndGradient(double[] x, double[] gradient) {
                w.set(x);
                List<float[]> targets = staticTargets;
                if (opts.distills() && targets == null) {
                    targets = TrainingLoop.mixAll(train, opts, model.logits(inputs));
                }
                Classifier.Step step = model.step(inputs, labels, targets, classWeights, 0L);
                w.gradient(step.gradients(), gradient);
                if (step.callerOwned()) {
                    TrainingLoop.release(step.gradients());
                }
                return step.loss() + w.penalise(x, gradient, l2);
            }
        };
        List<EpochRecord> history = new ArrayList<>();
        long[] last = {System.nanoTime()};
        Lbfgs.Options solver = new Lbfgs.Options(10, GRADIENT_TOLERANCE, FUNCTION_TOLERANCE,
                opts.optimisation().lbfgsIterations(), 20);
        Lbfgs.Result result = Lbfgs.minimise(objective, w.get(), solver, (iteration, x, value) -> {
            w.set(x);
            EpochRecord rec = record(model, dev, opts, classWeights, iteration,
                    value - w.penalise(x, null, l2), last[0]);
            last[0] = System.nanoTime();
            history.add(rec);
            progress.accept(rec);
        });
        w.set(result.x());
        if (history.isEmpty()) {
            // Converged at the start: the history still holds the kept weights' one record.
            EpochRecord rec = record(model, dev, opts, classWeights, 1, result.value() - w.penalise(result.x(), null, l2),
                    last[0]);
            history.add(rec);
            progress.accept(rec);
        }
        return new TrainedModel<>(model, history, history.get(history.size() - 1).epoch());
    }

    private static EpochRecord record(Classifier<float[]> model, List<TrainingExample> dev, TrainingOptions opts,
                                      float[] classWeights, int iteration, double trainLoss, long since) {
        double devUa = Double.NaN;
        double devWa = Double.NaN;
        double devLoss = Double.NaN;
        if (!dev.isEmpty()) {
            float[][] logits = model.logits(dev.stream().map(TrainingExample::input).toList());
            ConfusionMatrix cm = ConfusionMatrix.from(TrainingLoop.labels(dev), Predictions.argMax(logits),
                    Emotion.COUNT);
            devUa = cm.unweightedRecall();
            devWa = cm.accuracy();
            if (!opts.distills() || dev.stream().allMatch(e -> e.teacherLogits() != null)) {
                devLoss = TrainingLoop.loss(logits, dev, opts.distills() ? TrainingLoop.mixAll(dev, opts, logits) : null,
                        opts, classWeights);
            }
        }
        return new EpochRecord(iteration, trainLoss, devLoss, devUa, devWa, 0, (System.nanoTime() - since) / 1e9);
    }

    /** The model's parameters as one vector, in {@link Classifier#parameters()} order, each flattened in c order. */
    private static final class Weights {
        private final Map<String, INDArray> params;
        private final List<String> names;
        private final int[] offsets;
        private final boolean[] decayed;
        private final int size;
        /** One float buffer per parameter for the copies between x and the model. */
        private final float[][] scratch;
        /** Arrays are host memory (ND4J's CPU backend): copy through their buffers, not through new arrays. */
        private final boolean host = TrainingEngine.cpuBackend();

        Weights(Classifier<?> model) {
            this.params = model.parameters();
            this.names = List.copyOf(params.keySet());
            this.offsets = new int[names.size() + 1];
            this.decayed = new boolean[names.size()];
            for (int k = 0; k < names.size(); k++) {
                offsets[k + 1] = offsets[k] + Math.toIntExact(params.get(names.get(k)).length());
                decayed[k] = model.decayed(names.get(k));
            }
            this.size = offsets[names.size()];
            this.scratch = new float[names.size()][];
            for (int k = 0; k < names.size(); k++) {
                scratch[k] = new float[offsets[k + 1] - offsets[k]];
            }
        }

        double[] get() {
            double[] x = new double[size];
            for (int k = 0; k < names.size(); k++) {
                float[] v = params.get(names.get(k)).dup('c').data().asFloat();
                for (int i = 0; i < v.length; i++) {
                    x[offsets[k] + i] = v[i];
                }
            }
            return x;
        }

        /** Writes x (rounded to float) into the live parameter arrays, in place. */
        void set(double[] x) {
            for (int k = 0; k < names.size(); k++) {
                INDArray a = params.get(names.get(k));
                int from = offsets[k];
                for (int i = 0; i < scratch[k].length; i++) {
                    scratch[k][i] = (float) x[from + i];
                }
                if (host && HostArrays.dense(a)) {
                    HostArrays.view(a).put(scratch[k]);
                } else {
                    a.assign(Nd4j.create(scratch[k], a.shape(), 'c'));
                }
            }
        }

        void gradient(Map<String, INDArray> gradients, double[] out) {
            for (int k = 0; k < names.size(); k++) {
                INDArray g = gradients.get(names.get(k));
                float[] v = scratch[k];
                if (host && HostArrays.dense(g)) {
                    HostArrays.view(g).get(v);
                } else {
                    v = g.dup('c').data().asFloat();
                }
                int from = offsets[k];
                for (int i = 0; i < v.length; i++) {
                    out[from + i] = v[i];
                }
            }
        }

        /**
         * (l2 / 2) ||W||^2 over the decayed parameters at x (as float, the values the model holds), adding its
         * gradient l2 W into {@code gradient} unless that is null.
         */
        double penalise(double[] x, double[] gradient, double l2) {
            if (l2 == 0) {
                return 0;
            }
            double sum = 0;
            for (int k = 0; k < names.size(); k++) {
                if (!decayed[k]) {
                    continue;
                }
                for (int i = offsets[k]; i < offsets[k + 1]; i++) {
                    double v = (float) x[i];
                    sum += v * v;
                    if (gradient != null) {
                        gradient[i] += l2 * v;
                    }
                }
            }
            return 0.5 * l2 * sum;
        }
    }
}
