package io.serdistill.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * A real cluster on 127.0.0.1, every part in a JVM of its own: an HDFS NameNode and DataNode (Hadoop 3.3.4 daemons,
 * not MiniDFSCluster), and a Spark 3.5.7 standalone Master and Worker started through a SPARK_HOME laid out as a
 * binary distribution with Hive (jars/ from cluster-it/spark-home, so gson-2.2.4 and friends are there). The Worker
 * advertises {@value #CORES} cores and two pretend GPUs ({@code fake-gpus.sh}); it launches each application's
 * executors (and, in cluster deploy mode, its driver) as JVMs under {@link #workerDir}. Ports are picked free at start.
 */
final class LocalCluster implements AutoCloseable {
    static final int CORES = 4;
    static final String WORKER_MEMORY = "10g";

    final Path work;
    final Path sparkHome;
    final Path workerDir;
    final String hdfsUri;
    final String masterUrl;
    private final List<Daemon> daemons = new ArrayList<>();
    private final Configuration hadoop = new Configuration(false);

    private LocalCluster(Path work, Path sparkHome, String hdfsUri, String masterUrl) {
        this.work = work;
        this.sparkHome = sparkHome;
        this.workerDir = work.resolve("worker");
        this.hdfsUri = hdfsUri;
        this.masterUrl = masterUrl;
    }

    /** Starts HDFS and Spark; on any failure stops what did start. */
    static LocalCluster start(Path work) throws Exception {
        deleteTree(work);
        Files.createDirectories(work);
        Path sparkHome = sparkHome(work.resolve("spark-home"));
        int nameNodePort = freePort();
        LocalCluster c = new LocalCluster(work, sparkHome, "hdfs://127.0.0.1:" + nameNodePort,
                "spark://127.0.0.1:" + freePort());
        try {
            c.startHdfs(nameNodePort);
            c.startSpark();
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    static String property(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (run through Maven: mvn verify)");
        }
        return v;
    }

    /** bin/ and conf/ from the test resources over the distribution's jars/ (a symbolic link). */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Path.of(property("ser.it.sparkJars"));
        if (!Files.isRegularFile(jars.resolve("spark-core_2.12-3.5.7.jar"))) {
            throw new IllegalStateException(jars + " holds no Spark 3.5.7 distribution jars (built by cluster-it/spark-home)");
        }
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("conf"));
        Files.createSymbolicLink(home.resolve("jars"), jars);
        for (String f : List.of("bin/spark-class", "bin/spark-submit", "bin/fake-gpus.sh", "conf/log4j2.properties")) {
            try (InputStream in = LocalCluster.class.getResourceAsStream("/spark-home/" + f)) {
                Files.copy(in, home.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            if (f.startsWith("bin/")) {
                Files.setPosixFilePermissions(home.resolve(f), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        return home;
    }

    // ---- HDFS ------------------------------------------------------------------------------------------------

    private void startHdfs(int nameNodePort) throws Exception {
        Path conf = work.resolve("hadoop-conf");
        Path data = work.resolve("hdfs");
        Files.createDirectories(conf);
        Map<String, String> core = Map.of("fs.defaultFS", hdfsUri, "hadoop.tmp.dir", data.resolve("tmp").toString());
        Map<String, String> hdfs = new LinkedHashMap<>();
        hdfs.put("dfs.replication", "1");
        hdfs.put("dfs.namenode.name.dir", data.resolve("name").toUri().toString());
        hdfs.put("dfs.datanode.data.dir", data.resolve("data").toUri().toString());
        hdfs.put("dfs.namenode.rpc-address", "127.0.0.1:" + nameNodePort);
        hdfs.put("dfs.namenode.http-address", "127.0.0.1:" + freePort());
        hdfs.put("dfs.namenode.secondary.http-address", "127.0.0.1:" + freePort());
        hdfs.put("dfs.datanode.address", "127.0.0.1:" + freePort());
        hdfs.put("dfs.datanode.http.address", "127.0.0.1:" + freePort());
        hdfs.put("dfs.datanode.ipc.address", "127.0.0.1:" + freePort());
        hdfs.put("dfs.datanode.hostname", "127.0.0.1");
        hdfs.put("dfs.namenode.safemode.threshold-pct", "0");
        hdfs.put("dfs.permissions.enabled", "false");
        writeSite(conf.resolve("core-site.xml"), core);
        writeSite(conf.resolve("hdfs-site.xml"), hdfs);
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "log4j.rootLogger=INFO,console",
                "log4j.appender.console=org.apache.log4j.ConsoleAppender",
                "log4j.appender.console.target=System.err",
                "log4j.appender.console.layout=org.apache.log4j.PatternLayout",
                "log4j.appender.console.layout.ConversionPattern=%d{HH:mm:ss} %p %c{2}: %m%n", ""));
        String cp = conf + ":" + property("ser.it.hadoopShare") + ":"
                + Files.readString(Path.of(property("ser.it.hadoopClasspath"))).trim();
        List<String> java = List.of(javaBin(), "-Xmx512m", "-Djava.net.preferIPv4Stack=true",
                "-Dhadoop.log.dir=" + work.resolve("logs"), "-cp", cp);
        Daemon format = Daemon.start("namenode -format", concat(java, "org.apache.hadoop.hdfs.server.namenode.NameNode",
                "-format", "-nonInteractive", "-force"), Map.of(), work, work.resolve("logs/namenode-format.log"));
        int rc = format.awaitExit(Duration.ofSeconds(120));
        if (rc != 0) {
            throw new AssertionError("namenode -format failed (" + rc + "):\n" + format.tail());
        }
        Daemon nn = daemon("namenode", concat(java, "org.apache.hadoop.hdfs.server.namenode.NameNode"), Map.of());
        Daemon dn = daemon("datanode", concat(java, "org.apache.hadoop.hdfs.server.datanode.DataNode"), Map.of());
        hadoop.set("fs.defaultFS", hdfsUri);
        // Ready when a file can be written and read back through the DataNode.
        org.apache.hadoop.fs.Path probe = new org.apache.hadoop.fs.Path(hdfsUri + "/tmp/ready");
        dn.await(() -> {
            try {
                FileSystem fs = FileSystem.get(URI.create(hdfsUri), hadoop);
                try (var out = fs.create(probe, true)) {
                    out.write(1);
                }
                return fs.getFileStatus(probe).getLen() == 1;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(180), "a file written to " + hdfsUri);
        if (!nn.process.isAlive()) {
            throw new AssertionError("NameNode died:\n" + nn.tail());
        }
    }

    FileSystem fs() throws IOException {
        return FileSystem.get(URI.create(hdfsUri), hadoop);
    }

    /** Copies a local directory tree to {@code hdfs://…/target}. */
    void put(Path local, String target) throws IOException {
        fs().copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()),
                new org.apache.hadoop.fs.Path(hdfsUri + target));
    }

    private static void writeSite(Path file, Map<String, String> props) throws IOException {
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
        props.forEach((k, v) -> xml.append("  <property><name>").append(k).append("</name><value>").append(v)
                .append("</value></property>\n"));
        Files.writeString(file, xml.append("</configuration>\n").toString());
    }

    // ---- Spark standalone ------------------------------------------------------------------------------------

    Map<String, String> sparkEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_DAEMON_MEMORY", "512m");
        return env;
    }

    private void startSpark() throws Exception {
        Files.createDirectories(workerDir);
        URI master = URI.create(masterUrl);
        String sparkClass = sparkHome.resolve("bin/spark-class").toString();
        Daemon m = daemon("spark-master", List.of(sparkClass, "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", Integer.toString(master.getPort()),
                "--webui-port", Integer.toString(freePort())), sparkEnv());
        m.awaitLog(Pattern.compile("I have been elected leader"), Duration.ofSeconds(120));
        Map<String, String> env = new LinkedHashMap<>(sparkEnv());
        env.put("SPARK_WORKER_OPTS", "-Dspark.worker.resource.gpu.amount=2 -Dspark.worker.resource.gpu.discoveryScript="
                + sparkHome.resolve("bin/fake-gpus.sh"));
        Daemon w = daemon("spark-worker", List.of(sparkClass, "org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--cores", Integer.toString(CORES), "--memory", WORKER_MEMORY,
                "--work-dir", workerDir.toString(), "--webui-port", Integer.toString(freePort()), masterUrl), env);
        w.awaitLog(Pattern.compile("Successfully registered with master"), Duration.ofSeconds(120));
    }

    /** The executors' stderr files of every application the Worker ran since {@code before} (app dirs by name). */
    List<Path> executorLogs(String appId) throws IOException {
        Path app = workerDir.resolve(appId);
        if (!Files.isDirectory(app)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(app)) {
            return s.map(d -> d.resolve("stderr")).filter(Files::isRegularFile).sorted().toList();
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------------------

    private Daemon daemon(String name, List<String> command, Map<String, String> env) throws IOException {
        Daemon d = Daemon.start(name, command, env, work, work.resolve("logs/" + name + ".log"));
        daemons.add(d);
        return d;
    }

    static String javaBin() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        // Spark first (its executors may still write to HDFS), then the DataNode before the NameNode.
        for (int i = daemons.size() - 1; i >= 0; i--) {
            daemons.get(i).close();
        }
    }
}
