package io.serdistill.jobs.spark;

import io.serdistill.jobs.fs.AudioListing;
import io.serdistill.jobs.fs.HadoopConf;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * {@link AudioListing}'s identity of the files a manifest's {@code path} column names, computed by Spark tasks: the
 * distinct paths are shuffled to the tasks, each lists their directories ({@link AudioListing.Lookup}) and returns
 * its count and sum of hashes; the driver adds one pair per task. The same value as
 * {@link AudioListing#identity(List, org.apache.hadoop.conf.Configuration)} over the collected paths.
 */
public final class AudioIdentity {
    private AudioIdentity() {}

    /** One task's distinct paths and the sum of their hashes. */
    private record Part(long files, BigInteger sum) implements java.io.Serializable {}

    public static Map<String, String> of(JavaSparkContext jsc, Dataset<Row> manifest, HadoopConf hadoop) {
        Broadcast<HadoopConf> conf = jsc.broadcast(hadoop);
        try {
            List<Part> parts = manifest.select("path").distinct().as(Encoders.STRING()).javaRDD()
                    .mapPartitions(paths -> {
                        AudioListing.Lookup lookup = new AudioListing.Lookup(conf.value().get());
                        long n = 0;
                        BigInteger sum = BigInteger.ZERO;
                        while (paths.hasNext()) {
                            sum = AudioListing.combine(sum, lookup.hash(paths.next()));
                            n++;
                        }
                        return List.of(new Part(n, sum)).iterator();
                    }).collect();
            long files = 0;
            BigInteger sum = BigInteger.ZERO;
            for (Part p : parts) {
                files += p.files();
                sum = AudioListing.combine(sum, p.sum());
            }
            return AudioListing.identity(files, sum);
        } finally {
            conf.destroy();
        }
    }
}
