package io.serdistill.train;

/**
 * Stops training once {@code patience} epochs have passed without a better dev UA than the best epoch's; 0 = never.
 * Without a dev split there is nothing to select on, so training always runs every epoch.
 */
record EarlyStoppingListener(int patience, boolean hasDev) implements TrainingListener {

    @Override
    public boolean stopBeforeNextEpoch(TrainingLoop.State state) {
        return patience > 0 && hasDev && state.bestEpoch() > 0 && state.epoch() - state.bestEpoch() >= patience;
    }
}
