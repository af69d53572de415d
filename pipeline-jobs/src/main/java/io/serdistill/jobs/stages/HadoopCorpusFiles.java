package io.serdistill.jobs.stages;

import io.serdistill.data.corpus.CorpusFiles;
import io.serdistill.jobs.fs.HadoopFiles;
import io.serdistill.jobs.run.StageInputs;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** A corpus directory on any Hadoop FileSystem (file://, hdfs://, s3a://), for the corpus adapters. */
final class HadoopCorpusFiles implements CorpusFiles {
    private final Path root;
    private final FileSystem fs;
    private final Configuration conf;

    HadoopCorpusFiles(String root, Configuration conf) throws IOException {
        Path p = new Path(root);
        this.fs = p.getFileSystem(conf);
        this.root = fs.makeQualified(p);
        this.conf = conf;
    }

    @Override
    public List<String> list() throws IOException {
        return listing().stream().map(FileEntry::path).toList();
    }

    /**
     * What the manifest stage reads, for its marker: the root, the number of files and SHA-256 of the listing of
     * every file's relative path, size (bytes) and modification time (ms), so an added, removed, replaced or
     * touched file (audio or label file) re-runs the stages. Contents are not read: a listing costs one
     * NameNode call per directory, reading would cost the corpus.
     */
    Map<String, String> identity() throws IOException {
        List<FileEntry> files = listing();
        StringBuilder text = new StringBuilder();
        for (FileEntry f : files) {
            text.append(f.path()).append('\t').append(f.bytes()).append('\t').append(f.modified()).append('\n');
        }
        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("corpus_root", root.toString());
        identity.put("corpus_files", Integer.toString(files.size()));
        identity.put("corpus_listing_sha256", StageInputs.sha256(text.toString().getBytes(StandardCharsets.UTF_8)));
        return identity;
    }

    /** One regular file under the root: '/'-separated relative path, size in bytes, modification time in ms. */
    private record FileEntry(String path, long bytes, long modified) {}

    private List<FileEntry> listing() throws IOException {
        if (!fs.exists(root)) {
            throw new FileNotFoundException("ser.input.corpus.root: " + root + " does not exist");
        }
        String prefix = root.toUri().getPath().replaceAll("/+$", "") + "/";
        List<FileEntry> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
        while (files.hasNext()) {
            LocatedFileStatus f = files.next();
            String path = f.getPath().toUri().getPath();
            if (path.startsWith(prefix)) {
                out.add(new FileEntry(path.substring(prefix.length()), f.getLen(), f.getModificationTime()));
            }
        }
        out.sort(java.util.Comparator.comparing(FileEntry::path));
        return out;
    }

    @Override
    public String readText(String relative) throws IOException {
        return new String(HadoopFiles.readBytes(uri(relative), conf), StandardCharsets.UTF_8);
    }

    /** Joined as text: {@code new Path(root, "clip:1.wav")} would read "clip" as a URI scheme. */
    @Override
    public String uri(String relative) {
        return new Path(root.toString().replaceAll("/+$", "") + "/" + relative).toString();
    }
}
