package io.serdistill.train;

import io.serdistill.model.SafeTensorsWritable;
import java.util.List;

/**
 * A trained model with its history; {@code bestEpoch} is the epoch whose weights it holds (1-based). The model
 * writes its own file ({@link SafeTensorsWritable#toSafeTensors}).
 */
public record TrainedModel<M extends SafeTensorsWritable>(M model, List<EpochRecord> history, int bestEpoch) {
    public TrainedModel {
        history = List.copyOf(history);
    }
}
