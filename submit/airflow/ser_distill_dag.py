"""ser-distill, once a day: manifest -> extract -> teachers -> distill -> evaluate -> publish.

One spark-submit per stage, each what `submit/ser --print-submit STAGE --set 'run.id={{ ds }}'` prints in cluster
deploy mode with SER_GPU_DISCOVERY set (AirflowDagTest in pipeline-jobs checks that the application, class,
arguments and Spark settings below match the launcher for YARN and standalone masters). Soft targets are computed
inside the distill stage, so there is no separate soft_targets task.

The run id is the logical date ({{ ds }}): every task of one DAG run works in ${ser.output.root}/{{ ds }}.
Retries are safe: a stage that already finished with the same configuration finds its _stages/ marker and is
skipped, a failed stage starts over, and publish replaces the run's warehouse partition instead of appending twice.

Deployment: put the cluster jar (mvn -Pcluster package) where SER_JAR points, and create the Spark connection
SPARK_CONN_ID with the master (yarn, spark://host:port or k8s://https://host:6443) and, for YARN, the queue.
- SER_CONF: the site config, a file on the Airflow workers (its text is passed inline, --conf-text, so no file has
  to reach the driver; read when the DAG file is parsed) or a Hadoop FileSystem URI (hdfs://...) the driver reads.
- SER_GPUS_PER_TASK (default 0): GPUs per training task of the teachers and distill stages; SER_GPU_DISCOVERY: the
  discovery script's path on every executor machine (or in the Kubernetes image).
- SER_INFER_MANIFEST (optional): a manifest of unlabelled audio (a FileSystem URI); when set, an infer task after
  evaluate labels it with the day's default package ({SER_OUTPUT_ROOT}/{{ ds }}, SER_OUTPUT_ROOT matching the site
  config's ser.output.root) into ser.infer.output.
- SER_GIT_COMMIT: recorded with every model and run; it reaches the driver as -Dser.git.commit, which works in every
  deploy mode (env_vars would not: the provider refuses them for a standalone master in cluster deploy mode).
- SER_EXECUTOR_MEMORY, SER_EXECUTOR_MEMORY_OVERHEAD (default 4g each: ND4J keeps its arrays off-heap).
- Site JVM options: the settings below replace spark.{driver,executor}.extraJavaOptions from spark-defaults.conf,
  so put site options in spark.{driver,executor}.defaultJavaOptions, which Spark prepends to them.
- Standalone master: the provider follows the driver with `spark-submit --status`, which needs the Master's REST
  server (spark.master.rest.enabled=true; connection spark://host:6066).
- Kubernetes: the image (spark.kubernetes.container.image), the driver's service account and either a jar in the
  image (SER_JAR=local:///...) or spark.kubernetes.file.upload.path go in the Airflow workers' spark-defaults.conf;
  the namespace in the connection.
- Kerberos: set SER_PRINCIPAL and SER_KEYTAB.
"""
import base64
import os
import re
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

SER_JAR = os.environ.get("SER_JAR", "/opt/ser-distill/pipeline-jobs-cluster.jar")
SER_CONF = os.environ.get("SER_CONF", "/opt/ser-distill/conf/application.conf")
SER_GPUS_PER_TASK = int(os.environ.get("SER_GPUS_PER_TASK", "0"))
SER_GPU_DISCOVERY = os.environ.get("SER_GPU_DISCOVERY", "/opt/ser-distill/submit/gpu-discovery.sh")
SER_GIT_COMMIT = os.environ.get("SER_GIT_COMMIT", "unknown")
SER_EXECUTOR_MEMORY = os.environ.get("SER_EXECUTOR_MEMORY", "4g")
SER_EXECUTOR_MEMORY_OVERHEAD = os.environ.get("SER_EXECUTOR_MEMORY_OVERHEAD", "4g")
SPARK_CONN_ID = os.environ.get("SER_SPARK_CONN_ID", "spark_ser")
# The optional infer task: a manifest of new audio (FileSystem URI) and the ser.output.root the runs are under.
SER_INFER_MANIFEST = os.environ.get("SER_INFER_MANIFEST", "")
SER_OUTPUT_ROOT = os.environ.get("SER_OUTPUT_ROOT", "hdfs:///ser/runs")

# Every driver and executor JVM: Java 17 module access for Spark and ND4J (a standalone cluster driver gets none from
# Spark), report charts drawn without a display.
JAVA_OPTIONS = " ".join([
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
    "-Djava.awt.headless=true",
])

COMMON_CONF = {
    "spark.driver.extraJavaOptions": JAVA_OPTIONS + " -Dser.git.commit=" + SER_GIT_COMMIT,
    "spark.executor.extraJavaOptions": JAVA_OPTIONS,
    "spark.executor.memoryOverhead": SER_EXECUTOR_MEMORY_OVERHEAD,
}

# spark-submit waits for the driver, whichever master the connection names, so that a task fails when its driver does.
WAIT_CONF = {
    "spark.yarn.submit.waitAppCompletion": "true",
    "spark.standalone.submit.waitAppCompletion": "true",
    "spark.kubernetes.submission.waitAppCompletion": "true",
}

# Training stages with SER_GPUS_PER_TASK > 0: only the training tasks hold GPUs, under a ResourceProfile built from
# ser.resources.gpu.*, whose executors Spark starts through dynamic allocation; idle default-profile executors are
# let go soon, so that the profile's executors find room.
GPU_ARGS = ["--set", "resources.gpu.per-task=%d" % SER_GPUS_PER_TASK,
            "--set", "resources.gpu.discovery-script=" + SER_GPU_DISCOVERY]
GPU_CONF = {
    "spark.dynamicAllocation.enabled": "true",
    "spark.dynamicAllocation.shuffleTracking.enabled": "true",
    "spark.dynamicAllocation.executorIdleTimeout": "30s",
    "spark.dynamicAllocation.shuffleTracking.timeout": "60s",
}

# (task id, stage, trains models), in pipeline order.
STAGES = [
    ("manifest", "manifest", False),
    ("extract", "extract", False),
    ("teachers", "teachers", True),
    ("distill", "distill", True),
    ("evaluate", "evaluate", False),
    ("publish", "publish", False),
]

DEFAULT_ARGS = {
    "owner": "ser-distill",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(hours=12),
}


def conf_args(conf):
    """The config as submit/ser passes it in cluster deploy mode: a FileSystem URI as it is, a local file's text inline."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", conf):
        return ["--conf", conf]
    with open(conf, "rb") as f:
        return ["--conf-text", conf, base64.b64encode(f.read()).decode("ascii")]


CONF_ARGS = conf_args(SER_CONF)


def ser_task(task_id, stage, trains):
    """One stage as spark-submit of io.serdistill.jobs.SerCli."""
    gpu = trains and SER_GPUS_PER_TASK > 0
    return SparkSubmitOperator(
        task_id=task_id,
        conn_id=SPARK_CONN_ID,
        deploy_mode="cluster",
        application=SER_JAR,
        java_class="io.serdistill.jobs.SerCli",
        name="ser-distill " + stage,
        application_args=[stage] + (GPU_ARGS if gpu else []) + CONF_ARGS + ["--set", "run.id={{ ds }}"],
        conf={**COMMON_CONF, **WAIT_CONF, **(GPU_CONF if gpu else {})},
        executor_memory=SER_EXECUTOR_MEMORY,
        principal=os.environ.get("SER_PRINCIPAL"),
        keytab=os.environ.get("SER_KEYTAB"),
    )


with DAG(
    dag_id="ser_distill",
    description="Language-aware multi-teacher distillation for speech emotion recognition, one run per day",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ser-distill", "spark"],
) as dag:
    tasks = [ser_task(task_id, stage, trains) for task_id, stage, trains in STAGES]
    for upstream, downstream in zip(tasks, tasks[1:]):
        upstream >> downstream
    # Optional: with SER_INFER_MANIFEST set, the day's default package labels that manifest after evaluate.
    if SER_INFER_MANIFEST:
        infer = ser_task("infer", "infer", False)
        infer.application_args += ["--set", "infer.model=" + SER_OUTPUT_ROOT + "/{{ ds }}",
                                   "--set", "infer.manifest=" + SER_INFER_MANIFEST]
        tasks[STAGES.index(("evaluate", "evaluate", False))] >> infer
