package io.serdistill.train;

import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.util.List;

/** A fine-tuned wav2vec2 classifier with its history; {@code bestEpoch} is the epoch whose weights it holds (1-based). */
public record TrainedWav2Vec2(Wav2Vec2FineTuneModel model, List<EpochRecord> history, int bestEpoch) {}
