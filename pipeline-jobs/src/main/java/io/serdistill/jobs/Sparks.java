package io.serdistill.jobs;

import io.serdistill.config.SerConfig;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds (or joins) the SparkSession for a run. */
public final class Sparks {
    private Sparks() {}

    /**
     * Under spark-submit the master comes from the submitter; otherwise {@code ser.spark.master} (local[*] by
     * default) is used, which is the embedded mode.
     */
    public static SparkSession session(SerConfig config) {
        SparkConf conf = new SparkConf(true);
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.spark().master());
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName(config.spark().appName() + " " + config.run().id());
        }
        defaults(conf);
        // Small demo-sized shuffles by default; clusters override via ser.spark.settings or --conf.
        conf.setIfMissing("spark.sql.shuffle.partitions", "8");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.setIfMissing("spark.sql.parquet.compression.codec", "snappy");
        // ND4J's OpenMP threads compete with Spark's task threads; parallelism comes from tasks.
        conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
        for (Map.Entry<String, String> e : config.spark().settings().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /**
     * Settings every session of ours gets unless already set (benchmarks building their own session apply them
     * too): file:// through {@link NioLocalFileSystem}, so writing a partitioned table locally forks no chmod per
     * directory and file.
     */
    public static SparkConf defaults(SparkConf conf) {
        return conf.setIfMissing("spark.hadoop.fs.file.impl", NioLocalFileSystem.class.getName());
    }
}
