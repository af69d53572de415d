package io.serdistill.jobs.fs;

import io.serdistill.train.CheckpointStore;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Epoch checkpoints as {@code epoch-NNNN.safetensors} in a directory of the run's FileSystem; keeps the latest
 * {@value #KEEP}. Written atomically (temporary file + rename), so a crash mid-write leaves the previous one usable.
 * The training loop saves from its background writer thread; {@link #clear} is for after training has returned.
 */
public final class HadoopCheckpointStore implements CheckpointStore {
    private static final int KEEP = 2;
    private final Path dir;
    private final Configuration conf;

    public HadoopCheckpointStore(String dirUri, Configuration conf) {
        this.dir = new Path(dirUri);
        this.conf = conf;
    }

    private FileStatus[] checkpoints() throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        if (!fs.exists(dir)) {
            return new FileStatus[0];
        }
        FileStatus[] all = fs.listStatus(dir, p -> p.getName().matches("epoch-\\d{4}\\.safetensors"));
        Arrays.sort(all, Comparator.comparing(s -> s.getPath().getName()));
        return all;
    }

    @Override
    public Optional<byte[]> latest() throws IOException {
        FileStatus[] all = checkpoints();
        return all.length == 0 ? Optional.empty()
                : Optional.of(HadoopFiles.readBytes(all[all.length - 1].getPath().toString(), conf));
    }

    @Override
    public void save(int epoch, byte[] checkpoint) throws IOException {
        HadoopFiles.writeBytes(new Path(dir, String.format("epoch-%04d.safetensors", epoch)).toString(), checkpoint, conf);
        FileStatus[] all = checkpoints();
        FileSystem fs = dir.getFileSystem(conf);
        for (int i = 0; i < all.length - KEEP; i++) {
            fs.delete(all[i].getPath(), false);
        }
    }

    @Override
    public String location() {
        return dir.toString();
    }

    /** Removes every checkpoint (after the final model is safely written). */
    public void clear() throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        if (fs.exists(dir)) {
            fs.delete(dir, true);
        }
    }
}
