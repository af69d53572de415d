package io.serdistill.data.corpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** A corpus on the local file system. */
public final class LocalCorpusFiles implements CorpusFiles {
    private final Path root;

    public LocalCorpusFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public List<String> list() throws IOException {
        if (!Files.isDirectory(root)) {
            throw new java.io.FileNotFoundException("corpus root " + root + " is not a directory");
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
    }

    @Override
    public String readText(String relative) throws IOException {
        return Files.readString(root.resolve(relative), StandardCharsets.UTF_8);
    }

    /** "file:" plus the absolute path, unescaped, as Hadoop's Path(String) expects (a percent-encoded URI would not
     * be decoded there, and CaFE's folders carry accents). */
    @Override
    public String uri(String relative) {
        return "file:" + root.resolve(relative).toString().replace('\\', '/');
    }
}
