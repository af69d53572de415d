package io.serdistill.train;

import io.serdistill.model.SafeTensorsWritable;
import java.util.List;
import java.util.Map;

/**
 * A trained model with its history; {@code bestEpoch} is the epoch whose weights it holds (1-based). The model
 * writes its own file ({@link SafeTensorsWritable#toSafeTensors}); {@code metadata} is what its training chose
 * itself (e.g. a cross-validated penalty, {@code ser.lbfgs.*}), which the file records beside its provenance.
 */
public record TrainedModel<M extends SafeTensorsWritable>(M model, List<EpochRecord> history, int bestEpoch,
                                                          Map<String, String> metadata) {
    public TrainedModel {
        history = List.copyOf(history);
        metadata = Map.copyOf(metadata);
    }

    /** Nothing chosen in training. */
    public TrainedModel(M model, List<EpochRecord> history, int bestEpoch) {
        this(model, history, bestEpoch, Map.of());
    }

    /** The same model with {@code more} added to its metadata. */
    public TrainedModel<M> withMetadata(Map<String, String> more) {
        Map<String, String> all = new java.util.TreeMap<>(metadata);
        all.putAll(more);
        return new TrainedModel<>(model, history, bestEpoch, all);
    }
}
