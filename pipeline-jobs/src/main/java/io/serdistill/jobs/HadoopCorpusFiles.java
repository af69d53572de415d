package io.serdistill.jobs;

import io.serdistill.data.corpus.CorpusFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
        if (!fs.exists(root)) {
            throw new FileNotFoundException("ser.input.corpus.root: " + root + " does not exist");
        }
        String prefix = root.toUri().getPath().replaceAll("/+$", "") + "/";
        List<String> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
        while (files.hasNext()) {
            String path = files.next().getPath().toUri().getPath();
            if (path.startsWith(prefix)) {
                out.add(path.substring(prefix.length()));
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public String readText(String relative) throws IOException {
        return new String(RunLayout.readBytes(uri(relative), conf), StandardCharsets.UTF_8);
    }

    @Override
    public String uri(String relative) {
        return new Path(root, relative).toString();
    }
}
