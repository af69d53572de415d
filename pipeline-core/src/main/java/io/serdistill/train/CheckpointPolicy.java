package io.serdistill.train;

import java.io.Serializable;

/**
 * When the training loop takes a checkpoint: once {@code everyEpochs} epochs or {@code everySeconds} seconds of wall
 * time have passed since the last one (or since training started or resumed), whichever comes first, checked at the
 * end of each epoch. 0 turns a criterion off; both 0 = no checkpoints. The epoch that ends training takes none: the
 * final model is written next. A policy decides only how much work a killed task loses, never what it trains.
 *
 * @param everyEpochs  epochs between checkpoints; 0 = not by epochs
 * @param everySeconds seconds between checkpoints; 0 = not by time
 */
public record CheckpointPolicy(int everyEpochs, double everySeconds) implements Serializable {
    /** A checkpoint after every epoch. */
    public static final CheckpointPolicy EVERY_EPOCH = new CheckpointPolicy(1, 0);

    public CheckpointPolicy {
        if (everyEpochs < 0) {
            throw new IllegalArgumentException("everyEpochs must be >= 0 (0 = not by epochs), got " + everyEpochs);
        }
        if (!(everySeconds >= 0) || Double.isInfinite(everySeconds)) {
            throw new IllegalArgumentException("everySeconds must be finite and >= 0 (0 = not by time), got "
                    + everySeconds);
        }
    }

    /** Whether a checkpoint is due {@code epochs} epochs and {@code seconds} seconds after the last one. */
    public boolean due(int epochs, double seconds) {
        return (everyEpochs > 0 && epochs >= everyEpochs) || (everySeconds > 0 && seconds >= everySeconds);
    }
}
