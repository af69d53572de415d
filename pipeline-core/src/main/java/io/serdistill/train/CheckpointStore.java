package io.serdistill.train;

import java.io.IOException;
import java.util.Optional;

/**
 * Where the trainer keeps its end-of-epoch checkpoints. The Spark jobs store them on the run's FileSystem, so a
 * job killed mid-epoch resumes from the last checkpointed epoch when re-run. {@link #save} is called from the
 * training loop's background writer thread, one call at a time, never concurrently with {@link #latest}.
 */
public interface CheckpointStore {
    /** The most recent checkpoint, if any. */
    Optional<byte[]> latest() throws IOException;

    /** Stores the checkpoint taken after {@code epoch} (1-based); may drop older ones. */
    void save(int epoch, byte[] checkpoint) throws IOException;

    /** Where the checkpoints go, for log lines (a directory URI, which names the model). */
    default String location() {
        return getClass().getSimpleName();
    }

    /** A store that keeps nothing. */
    CheckpointStore NONE = new CheckpointStore() {
        @Override
        public Optional<byte[]> latest() {
            return Optional.empty();
        }

        @Override
        public void save(int epoch, byte[] checkpoint) {}
    };
}
