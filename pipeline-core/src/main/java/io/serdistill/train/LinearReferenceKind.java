package io.serdistill.train;

import io.serdistill.data.Emotion;
import io.serdistill.json.Json;
import io.serdistill.model.SafeTensorsWritable;
import io.serdistill.model.linear.LogisticRegressionModel;
import io.serdistill.train.linear.Lbfgs;
import io.serdistill.train.linear.LinearReference;
import io.serdistill.train.linear.LinearReferenceOptions;
import io.serdistill.train.linear.LinearReferenceTrainer;
import io.serdistill.train.linear.LogisticRegressionTrainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The linear reference every run reports: multinomial logistic regression on standardised pooled vectors, its L2
 * strength chosen by speaker-grouped cross-validation over train + dev (the dev split is only more training speakers
 * here: the choice is made by the inner folds, never by test speakers), then refitted on all of them. It ignores the
 * training loop's options (no epochs, no distillation); the model file records the chosen C and the grid's scores in
 * its metadata ({@code ser.reference.*}).
 *
 * @param cGrid candidate inverse L2 strengths C, strictly increasing
 * @param folds inner folds; fewer when the data has fewer speakers (at least 2, else the middle C is used unscored)
 */
public record LinearReferenceKind(List<Double> cGrid, int folds) implements ModelKind {
    private static final Logger LOG = LoggerFactory.getLogger("ser.train");

    public LinearReferenceKind {
        cGrid = List.copyOf(cGrid);
        InvalidOption.require(folds >= 2, "folds", "must be >= 2, got " + folds);
        new LinearReferenceOptions(cGrid, folds, Lbfgs.Options.defaults()); // validates the grid
    }

    @Override
    public TrainedModel<Fitted> train(List<TrainingExample> train, List<TrainingExample> dev, TrainingOptions options,
                                      CheckpointStore checkpoints, Consumer<EpochRecord> progress) {
        List<TrainingExample> all = new ArrayList<>(train);
        all.addAll(dev);
        float[][] inputs = all.stream().map(TrainingExample::input).toArray(float[][]::new);
        int[] labels = all.stream().mapToInt(TrainingExample::label).toArray();
        String[] speakers = all.stream().map(TrainingExample::speaker).toArray(String[]::new);
        int distinct = new LinkedHashSet<>(List.of(speakers)).size();
        int k = Math.min(folds, distinct);
        long t0 = System.nanoTime();
        LinearReference ref;
        if (k < 2) {
            // One speaker: nothing to cross-validate over; the middle of the grid, unscored.
            double c = cGrid.get(cGrid.size() / 2);
            LogisticRegressionTrainer.Fit fit = LogisticRegressionTrainer.fit(inputs,
                    labels, Emotion.COUNT, c, Lbfgs.Options.defaults());
            ref = new LinearReference(fit.model(), c, List.of(), 0, fit.solver());
        } else {
            ref = LinearReferenceTrainer.train(inputs, labels, speakers, Emotion.COUNT,
                    new LinearReferenceOptions(cGrid, k, Lbfgs.Options.defaults()));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        LOG.info("linear reference: C = {} chosen by {}-fold speaker-grouped CV over {} utterances of {} speakers"
                + " ({} s)", ref.c(), ref.folds(), all.size(), distinct, String.format("%.2f", seconds));
        return new TrainedModel<>(new Fitted(ref), List.of(), 0);
    }

    @Override
    public Scorer load(byte[] safetensors, String source) throws IOException {
        LogisticRegressionModel model = LogisticRegressionModel.fromSafeTensors(safetensors, source);
        return (ids, inputs) -> model.logits(inputs.toArray(float[][]::new));
    }

    /** A fitted reference: its file holds the model and, in the metadata, how its C was chosen. */
    public record Fitted(LinearReference reference) implements SafeTensorsWritable {
        @Override
        public byte[] toSafeTensors(Map<String, String> provenance) {
            Map<String, String> meta = new LinkedHashMap<>(provenance);
            meta.put("ser.reference.c", Double.toString(reference.c()));
            meta.put("ser.reference.folds", Integer.toString(reference.folds()));
            List<Map<String, Object>> grid = new ArrayList<>();
            for (LinearReference.GridScore g : reference.grid()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("c", g.c());
                row.put("mean_ua", g.meanUa());
                row.put("fold_ua", g.foldUa());
                grid.add(row);
            }
            meta.put("ser.reference.grid", Json.compact(grid));
            return reference.model().toSafeTensors(meta);
        }
    }
}
