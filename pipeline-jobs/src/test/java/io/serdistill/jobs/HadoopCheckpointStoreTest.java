package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopCheckpointStoreTest {
    @TempDir
    Path tmp;

    @Test
    void keepsTheLatestTwoAndReturnsTheNewest() throws Exception {
        HadoopCheckpointStore store = new HadoopCheckpointStore(tmp.resolve("ckpt").toUri().toString(), new Configuration());
        assertTrue(store.latest().isEmpty());
        for (int epoch = 1; epoch <= 4; epoch++) {
            store.save(epoch, new byte[] {(byte) epoch});
        }
        assertArrayEquals(new byte[] {4}, store.latest().orElseThrow());
        try (var files = Files.list(tmp.resolve("ckpt"))) {
            assertEquals(List.of("epoch-0003.safetensors", "epoch-0004.safetensors"),
                    files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList());
        }
        store.clear();
        assertTrue(store.latest().isEmpty());
    }

    @Test
    void aHalfWrittenTemporaryFileIsIgnored() throws Exception {
        HadoopCheckpointStore store = new HadoopCheckpointStore(tmp.resolve("c2").toUri().toString(), new Configuration());
        store.save(1, new byte[] {1});
        // What a crash during the write of epoch 2 leaves behind: the temporary, never renamed.
        Files.write(tmp.resolve("c2/.epoch-0002.safetensors.tmp"), new byte[] {9, 9});
        assertArrayEquals(new byte[] {1}, store.latest().orElseThrow());
    }
}
