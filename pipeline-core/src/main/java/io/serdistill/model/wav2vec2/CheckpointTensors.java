package io.serdistill.model.wav2vec2;

import io.serdistill.model.SafeTensors;
import io.serdistill.model.SafeTensorsFile;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Tensors of a Hugging Face checkpoint looked up by Wav2Vec2Model parameter name, with or without the
 * {@code wav2vec2.} prefix that task models (Wav2Vec2ForSequenceClassification, ...ForCTC) put in front.
 * Errors name the source file, the tensor, and the expected shape. Tensors of checkpoint files are decoded one
 * at a time when asked for, so building a model needs heap for its largest tensor, not for the file; close it
 * once the model is built to release the files.
 */
final class CheckpointTensors implements Closeable {
    static final String PREFIX = "wav2vec2.";

    /** Decodes one tensor by its name in the checkpoint, which {@link #names} holds. */
    private interface Reader {
        SafeTensors.Tensor read(String name) throws IOException;
    }

    private final Set<String> names;
    private final Reader reader;
    private final List<SafeTensorsFile> files;
    private final String source;

    private CheckpointTensors(Set<String> names, Reader reader, List<SafeTensorsFile> files, String source) {
        this.names = Collections.unmodifiableSet(names);
        this.reader = reader;
        this.files = files;
        this.source = source;
    }

    /** Tensors already decoded. */
    static CheckpointTensors of(Map<String, SafeTensors.Tensor> tensors, String source) {
        return new CheckpointTensors(tensors.keySet(), tensors::get, List.of(), source);
    }

    /**
     * The tensors of open checkpoint files (one, or the shards of an index), which this takes ownership of; a
     * name in two files is refused. {@code source} names the checkpoint in errors.
     */
    static CheckpointTensors of(List<SafeTensorsFile> files, String source) throws IOException {
        Map<String, SafeTensorsFile> owner = new LinkedHashMap<>();
        for (SafeTensorsFile file : files) {
            for (String name : file.names()) {
                SafeTensorsFile other = owner.putIfAbsent(name, file);
                if (other != null) {
                    closeAll(files);
                    throw new IOException(source + ": tensor '" + name + "' is in both " + other.source() + " and "
                            + file.source());
                }
            }
        }
        return new CheckpointTensors(owner.keySet(), name -> owner.get(name).tensor(name), new ArrayList<>(files), source);
    }

    String source() {
        return source;
    }

    /** Every tensor name as the checkpoint spells it. */
    Set<String> names() {
        return names;
    }

    boolean has(String name) {
        return names.contains(name) || names.contains(PREFIX + name);
    }

    /** Tensor {@code name} exactly as the checkpoint spells it, decoded. */
    SafeTensors.Tensor tensor(String name) throws IOException {
        if (!names.contains(name)) {
            throw new IOException(source + ": tensor '" + name + "' is missing");
        }
        return reader.read(name);
    }

    /** The tensor {@code name}, checked to have {@code shape}. */
    INDArray get(String name, long... shape) throws IOException {
        String stored = names.contains(name) ? name : PREFIX + name;
        if (!names.contains(stored)) {
            throw new IOException(source + ": tensor '" + name + "' (or '" + PREFIX + name + "') is missing; the file"
                    + " holds " + names.size() + " tensors");
        }
        SafeTensors.Tensor t = reader.read(stored);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IOException(source + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return Nd4j.create(t.values(), shape, 'c');
    }

    @Override
    public void close() throws IOException {
        closeAll(files);
    }

    private static void closeAll(List<SafeTensorsFile> files) throws IOException {
        IOException first = null;
        for (SafeTensorsFile f : files) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
