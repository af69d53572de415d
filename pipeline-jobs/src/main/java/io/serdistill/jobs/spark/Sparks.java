package io.serdistill.jobs.spark;

import io.serdistill.config.ConfigError;
import io.serdistill.config.SerConfig;
import io.serdistill.jobs.fs.NioLocalFileSystem;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds (or joins) the SparkSession for a run. */
public final class Sparks {
    private Sparks() {}

    /** The classes Spark itself checks before it builds a session with Hive support. */
    private static final String[] HIVE_CLASSES = {"org.apache.spark.sql.hive.HiveSessionStateBuilder",
            "org.apache.hadoop.hive.conf.HiveConf"};

    /**
     * Under spark-submit the master comes from the submitter; otherwise {@code ser.spark.master} (local[*] by
     * default) is used, which is the embedded mode. With {@code ser.warehouse.register-hive} the session has Hive
     * support, so the tables land in the metastore that later sessions read (call
     * {@link #requireHiveClassesWhenRegistering} first for a clear error when Hive is not on the classpath).
     */
    public static SparkSession session(SerConfig config) {
        SparkConf conf = sparkConf(config);
        SparkSession.Builder builder = SparkSession.builder().config(conf);
        if (config.warehouse().registerHive()) {
            builder.enableHiveSupport();
        }
        return builder.getOrCreate();
    }

    /**
     * The Hadoop configuration the session will have (core-site.xml and friends, plus every spark.hadoop.* setting),
     * for the checks and the run lock that come before the session starts.
     */
    public static org.apache.hadoop.conf.Configuration hadoopConf(SerConfig config) {
        org.apache.hadoop.conf.Configuration hconf = new org.apache.hadoop.conf.Configuration();
        for (scala.Tuple2<String, String> e : sparkConf(config).getAll()) {
            if (e._1().startsWith("spark.hadoop.")) {
                hconf.set(e._1().substring("spark.hadoop.".length()), e._2());
            }
        }
        return hconf;
    }

    /** Spark's settings for this config: system properties (spark-submit's), defaults, then ser.spark.settings. */
    private static SparkConf sparkConf(SerConfig config) {
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
        return conf;
    }

    /**
     * Fails, naming the key, when {@code ser.warehouse.register-hive} asks for registration and Spark's Hive support
     * is not on the classpath (spark-hive and Hive's jars, as a Spark distribution built with Hive ships them):
     * checked at startup, before any stage runs.
     */
    public static void requireHiveClassesWhenRegistering(SerConfig config) throws ConfigError {
        if (!config.warehouse().registerHive()) {
            return;
        }
        for (String name : HIVE_CLASSES) {
            try {
                Class.forName(name, false, Sparks.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ConfigError("ser.warehouse.register-hive", "is true, but Spark's Hive support is not on the "
                        + "classpath (" + name + " not found): run on a Spark distribution built with Hive, or set it "
                        + "to false and read the warehouse tables by path");
            }
        }
    }

    /**
     * Fails, naming the key, when {@code ser.warehouse.register-hive} asks for registration in a session without
     * Hive support: tables registered in Spark's in-memory catalog vanish with the session, and a database created
     * there lands in ./spark-warehouse on the driver.
     */
    public static void requireHiveCatalogWhenRegistering(SparkSession spark, SerConfig config) throws ConfigError {
        // The catalog is chosen from the SparkContext's conf when the first session is built.
        String catalog = spark.sparkContext().conf().get("spark.sql.catalogImplementation", "in-memory");
        if (config.warehouse().registerHive() && !catalog.equals("hive")) {
            throw new ConfigError("ser.warehouse.register-hive", "is true, but this Spark session has no Hive support "
                    + "(spark.sql.catalogImplementation = " + catalog + "), so the tables would not outlive it: build "
                    + "the session with enableHiveSupport() or set it to false");
        }
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
