package io.serdistill.train;

/**
 * A hook into {@link TrainingLoop}: checkpoints, early stopping and progress reports are listeners, so the loop
 * itself only trains and selects the best epoch. Every hook runs on the training thread, listener by listener in
 * the order the loop was given them, and sees the loop's {@link TrainingLoop.State}.
 */
interface TrainingListener {

    /** Before the first epoch; may restore {@code state} (and the parameters and optimiser it holds) to resume. */
    default void onTrainingBegin(TrainingLoop.State state) {}

    /** Asked before each epoch, the first after a resume included: whether training should stop now. */
    default boolean stopBeforeNextEpoch(TrainingLoop.State state) {
        return false;
    }

    /** After an epoch: {@code state} already holds it in its history and as best epoch if it was. */
    default void onEpochEnd(TrainingLoop.State state, EpochRecord epoch) {}

    /** When training ends, also when it fails; a failure thrown here is added to the training failure, if any. */
    default void onTrainingEnd(TrainingLoop.State state) {}
}
