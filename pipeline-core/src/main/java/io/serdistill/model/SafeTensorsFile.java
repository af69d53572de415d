package io.serdistill.model;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file whose header has been read and validated ({@link SafeTensors} lists the checks) and whose
 * tensors are read one at a time, on request: from a local file through a memory map of that tensor's bytes alone,
 * so neither the file size nor the Java array limit bounds what can be opened; heap is spent only on the tensors
 * read, one float32 array each. A single tensor must be under 2 GiB (the limit of one mapped buffer), which every
 * layer of a speech model is by far. Close it to release the file; buffers from {@link #bytes} stay readable.
 * Safe for concurrent reads.
 */
public final class SafeTensorsFile implements Closeable {

    /** Where the bytes of the data section come from. */
    private interface Data extends Closeable {
        /** {@code length} bytes from {@code offset} of the file, little-endian, read-only. */
        ByteBuffer region(long offset, int length) throws IOException;
    }

    private final String source;
    private final SafeTensors.Header header;
    private final long dataStart;
    private final Data data;

    private SafeTensorsFile(String source, SafeTensors.Header header, long dataStart, Data data) {
        this.source = source;
        this.header = header;
        this.dataStart = dataStart;
        this.data = data;
    }

    /**
     * Opens a local file, reading only its header. Anything but a regular file (a FIFO, a device) is refused before
     * it is opened, so a path to {@code /dev/zero} or a pipe fails at once instead of hanging.
     */
    public static SafeTensorsFile open(Path file) throws IOException {
        String source = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new IOException(source + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new IOException(source + ": not a safetensors file (" + size + " bytes)");
            }
            long headerLen = SafeTensors.headerLength(readFully(channel, 0, 8, source), size, source);
            byte[] json = readFully(channel, 8, (int) headerLen, source).array();
            SafeTensors.Header header = SafeTensors.Header.parse(json, size - 8 - headerLen, source);
            return new SafeTensorsFile(source, header, 8 + headerLen, new Data() {
                @Override
                public ByteBuffer region(long offset, int length) throws IOException {
                    if (length == 0) {
                        return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
                    }
                    return channel.map(FileChannel.MapMode.READ_ONLY, offset, length).order(ByteOrder.LITTLE_ENDIAN);
                }

                @Override
                public void close() throws IOException {
                    channel.close();
                }
            });
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** A whole file already in memory (read from a Hadoop FileSystem, say); {@code source} names it in errors. */
    public static SafeTensorsFile of(byte[] bytes, String source) throws IOException {
        if (bytes.length < 8) {
            throw new IOException(source + ": not a safetensors file (" + bytes.length + " bytes)");
        }
        long headerLen = SafeTensors.headerLength(ByteBuffer.wrap(bytes, 0, 8), bytes.length, source);
        byte[] json = Arrays.copyOfRange(bytes, 8, 8 + (int) headerLen);
        SafeTensors.Header header = SafeTensors.Header.parse(json, bytes.length - 8 - headerLen, source);
        return new SafeTensorsFile(source, header, 8 + headerLen, new Data() {
            @Override
            public ByteBuffer region(long offset, int length) {
                return ByteBuffer.wrap(bytes, (int) offset, length).slice().asReadOnlyBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN);
            }

            @Override
            public void close() {}
        });
    }

    public String source() {
        return source;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(header.entries().keySet());
    }

    public boolean has(String name) {
        return header.entries().containsKey(name);
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(header.metadata());
    }

    /** What the header says of tensor {@code name}; the error names the tensor. */
    public SafeTensors.Entry entry(String name) throws IOException {
        SafeTensors.Entry e = header.entries().get(name);
        if (e == null) {
            throw new IOException(source + ": tensor '" + name + "' is missing; the file holds "
                    + header.entries().size() + " tensors");
        }
        return e;
    }

    /**
     * The raw bytes of tensor {@code name} as the file stores them (little-endian, read-only): for a local file a
     * memory map, so nothing is read until the buffer is.
     */
    public ByteBuffer bytes(String name) throws IOException {
        SafeTensors.Entry e = entry(name);
        return data.region(dataStart + e.begin(), e.checkedByteLength(source));
    }

    /** Tensor {@code name} decoded to float32. */
    public SafeTensors.Tensor tensor(String name) throws IOException {
        return entry(name).decode(bytes(name), source);
    }

    /** Every tensor decoded, in header order, with the metadata. */
    public SafeTensors readAll() throws IOException {
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        for (String name : names()) {
            tensors.put(name, tensor(name));
        }
        return new SafeTensors(tensors, header.metadata());
    }

    @Override
    public void close() throws IOException {
        data.close();
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length, String source) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (channel.read(buf, position + buf.position()) < 0) {
                throw new IOException(source + ": the file ended while its header was read");
            }
        }
        return buf.flip();
    }
}
