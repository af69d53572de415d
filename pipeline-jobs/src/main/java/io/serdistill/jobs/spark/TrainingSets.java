package io.serdistill.jobs.spark;

import io.serdistill.jobs.fs.HadoopConf;
import io.serdistill.train.TrainingExample;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import scala.Tuple2;

/**
 * Training sets staged on the run's FileSystem between the job that assembles them and the tasks that train on them
 * ({@link TrainingTasks#trainAll}): {@code dir/model=i/part-p} holds the examples of model i that came from input
 * partition p, in a small binary format of our own (no Java serialisation: the files outlive the classes that wrote
 * them only until the stage ends, but they cross JVMs). Each file is written under a temporary name and renamed, so a
 * killed or retried task never leaves half a file, and the reader checks the count the writing job reported.
 */
final class TrainingSets {
    private static final int MAGIC = 0x53455254; // "SERT"
    private static final int VERSION = 1;
    private static final String PART = "part-";

    private TrainingSets() {}

    /** Writes every example to its model's directory (replacing what an earlier attempt left); returns counts per model. */
    static Map<Integer, Long> write(JavaPairRDD<Integer, TrainingTasks.Tagged> examples, String dir, HadoopConf hadoop)
            throws IOException {
        delete(dir, hadoop);
        List<Tuple2<Integer, Long>> written = examples.mapPartitionsWithIndex((partition, rows) ->
                writePartition(partition, rows, dir, hadoop).iterator(), false).collect();
        Map<Integer, Long> counts = new HashMap<>();
        for (Tuple2<Integer, Long> t : written) {
            counts.merge(t._1(), t._2(), Long::sum);
        }
        return counts;
    }

    private static List<Tuple2<Integer, Long>> writePartition(int partition, Iterator<Tuple2<Integer, TrainingTasks.Tagged>> rows,
                                                             String dir, HadoopConf hadoop) throws IOException {
        Map<Integer, DataOutputStream> outs = new HashMap<>();
        Map<Integer, Long> counts = new HashMap<>();
        Map<Integer, Path> tmp = new HashMap<>();
        FileSystem fs = new Path(dir).getFileSystem(hadoop.get());
        long attempt = TaskContext.get() == null ? 0 : TaskContext.get().taskAttemptId();
        try {
            while (rows.hasNext()) {
                Tuple2<Integer, TrainingTasks.Tagged> row = rows.next();
                int model = row._1();
                DataOutputStream out = outs.get(model);
                if (out == null) {
                    Path p = new Path(modelDir(dir, model), "_tmp-" + PART + partition + "-" + attempt);
                    out = new DataOutputStream(new BufferedOutputStream(fs.create(p, true), 1 << 16));
                    out.writeInt(MAGIC);
                    out.writeInt(VERSION);
                    outs.put(model, out);
                    tmp.put(model, p);
                }
                writeExample(out, row._2());
                counts.merge(model, 1L, Long::sum);
            }
            for (DataOutputStream out : outs.values()) {
                out.writeBoolean(false); // end of the set
            }
        } finally {
            for (DataOutputStream out : outs.values()) {
                out.close();
            }
        }
        List<Tuple2<Integer, Long>> result = new ArrayList<>();
        for (Map.Entry<Integer, Path> e : tmp.entrySet()) {
            Path target = new Path(modelDir(dir, e.getKey()), PART + partition);
            fs.delete(target, false);
            if (!fs.rename(e.getValue(), target)) {
                throw new IOException("could not rename " + e.getValue() + " to " + target);
            }
            result.add(new Tuple2<>(e.getKey(), counts.get(e.getKey())));
        }
        return result;
    }

    /** Model {@code model}'s examples; fails unless exactly {@code expected} are there. */
    static List<TrainingTasks.Tagged> read(String dir, int model, long expected, HadoopConf hadoop) throws IOException {
        Path modelDir = modelDir(dir, model);
        FileSystem fs = modelDir.getFileSystem(hadoop.get());
        List<TrainingTasks.Tagged> out = new ArrayList<>();
        if (fs.exists(modelDir)) {
            for (FileStatus f : fs.listStatus(modelDir, p -> p.getName().startsWith(PART))) {
                try (DataInputStream in = new DataInputStream(new BufferedInputStream(fs.open(f.getPath()), 1 << 16))) {
                    if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                        throw new IOException(f.getPath() + " is not a training set file of this version");
                    }
                    for (TrainingTasks.Tagged t = readExample(in, f.getPath()); t != null; t = readExample(in, f.getPath())) {
                        out.add(t);
                    }
                }
            }
        }
        if (out.size() != expected) {
            throw new IllegalStateException("training set " + modelDir + " holds " + out.size()
                    + " examples, the job that wrote it reported " + expected);
        }
        return out;
    }

    static void delete(String dir, HadoopConf hadoop) throws IOException {
        Path p = new Path(dir);
        FileSystem fs = p.getFileSystem(hadoop.get());
        if (fs.exists(p)) {
            fs.delete(p, true);
        }
    }

    private static Path modelDir(String dir, int model) {
        return new Path(dir, "model=" + model);
    }

    private static void writeExample(DataOutputStream out, TrainingTasks.Tagged t) throws IOException {
        TrainingExample e = t.example();
        out.writeBoolean(true); // a record follows
        out.writeUTF(e.uttId());
        out.writeUTF(e.language());
        out.writeBoolean(e.speaker() != null);
        if (e.speaker() != null) {
            out.writeUTF(e.speaker());
        }
        out.writeInt(e.label());
        out.writeBoolean(t.dev());
        writeFloats(out, e.input());
        float[][] logits = e.teacherLogits();
        out.writeInt(logits == null ? -1 : logits.length);
        if (logits != null) {
            for (float[] l : logits) {
                writeFloats(out, l);
            }
        }
    }

    private static TrainingTasks.Tagged readExample(DataInputStream in, Path file) throws IOException {
        boolean more;
        try {
            more = in.readBoolean();
        } catch (EOFException end) {
            throw new IOException("truncated training set file " + file + " (no end marker)", end);
        }
        if (!more) {
            return null;
        }
        String uttId = in.readUTF();
        String language = in.readUTF();
        String speaker = in.readBoolean() ? in.readUTF() : null;
        int label = in.readInt();
        boolean dev = in.readBoolean();
        float[] input = readFloats(in);
        int teachers = in.readInt();
        float[][] logits = null;
        if (teachers >= 0) {
            logits = new float[teachers][];
            for (int i = 0; i < teachers; i++) {
                logits[i] = readFloats(in);
            }
        }
        return new TrainingTasks.Tagged(new TrainingExample(uttId, language, speaker, label, input, logits), dev);
    }

    private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
        if (v == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(v.length);
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        out.write(b.array());
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n * Float.BYTES];
        in.readFully(bytes);
        float[] v = new float[n];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }
}
