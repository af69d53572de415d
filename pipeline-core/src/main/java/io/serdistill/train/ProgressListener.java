package io.serdistill.train;

import java.util.function.Consumer;

/** Hands every finished epoch to {@code progress} (log lines), after the epoch's checkpoint was taken. */
record ProgressListener(Consumer<EpochRecord> progress) implements TrainingListener {

    @Override
    public void onEpochEnd(TrainingLoop.State state, EpochRecord epoch) {
        progress.accept(epoch);
    }
}
