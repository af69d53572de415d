package io.serdistill.train;

import io.serdistill.model.EmotionClassifier;
import java.util.List;

/** A trained model with its history; {@code bestEpoch} is the epoch whose weights it holds (1-based). */
public record TrainedClassifier(EmotionClassifier model, List<EpochRecord> history, int bestEpoch) {}
