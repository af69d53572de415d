"""ser-distill, once a day: manifest -> extract -> teachers -> distill -> evaluate -> publish.

One spark-submit per stage, each exactly what `submit/ser --print-submit STAGE --set 'run.id={{ ds }}'` prints
with SER_MASTER=yarn SER_DEPLOY_MODE=cluster SER_GPUS_PER_TASK=1 (AirflowDagTest in pipeline-jobs checks that the
application, class, arguments and Spark settings below match the launcher). Soft targets are computed inside the
distill stage, so there is no separate soft_targets task.

The run id is the logical date ({{ ds }}): every task of one DAG run works in ${ser.output.root}/{{ ds }}.
Retries are safe: a stage that already finished with the same configuration finds its _stages/ marker and is
skipped, a failed stage starts over, and publish replaces the run's warehouse partition instead of appending twice.

Deployment: put the cluster jar (mvn -Pcluster package), the site config and submit/gpu-discovery.sh where the
paths below point (or set the environment variables), and create the Spark connection SPARK_CONN_ID with the master
(yarn, spark://host:7077 or k8s://https://host:6443) and, for YARN, the queue. Kerberos: set SER_PRINCIPAL and
SER_KEYTAB.
"""
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

SER_JAR = os.environ.get("SER_JAR", "/opt/ser-distill/pipeline-jobs-cluster.jar")
SER_CONF = os.environ.get("SER_CONF", "/opt/ser-distill/conf/application.conf")
SER_GPU_DISCOVERY = os.environ.get("SER_GPU_DISCOVERY", "/opt/ser-distill/submit/gpu-discovery.sh")
SER_GIT_COMMIT = os.environ.get("SER_GIT_COMMIT", "unknown")
SPARK_CONN_ID = os.environ.get("SER_SPARK_CONN_ID", "spark_ser")

# Every stage: report charts are drawn without a display.
COMMON_CONF = {
    "spark.driver.extraJavaOptions": "-Djava.awt.headless=true",
    "spark.executor.extraJavaOptions": "-Djava.awt.headless=true",
}

# Training stages: one GPU per training task (one model per task). Only those tasks hold GPUs: they run under a
# ResourceProfile built from ser.resources.gpu.*, whose executors Spark starts through dynamic allocation; the
# shipped discovery script finds the GPUs.
GPU_ARGS = ["--set", "resources.gpu.per-task=1", "--set", "resources.gpu.discovery-script=./gpu-discovery.sh"]
GPU_CONF = {
    "spark.dynamicAllocation.enabled": "true",
    "spark.dynamicAllocation.shuffleTracking.enabled": "true",
}

# (task id, stage, trains models on GPUs), in pipeline order.
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


def ser_task(task_id, stage, gpu):
    """One stage as spark-submit of io.serdistill.jobs.SerCli; the config file travels with --files."""
    return SparkSubmitOperator(
        task_id=task_id,
        conn_id=SPARK_CONN_ID,
        deploy_mode="cluster",
        application=SER_JAR,
        java_class="io.serdistill.jobs.SerCli",
        name="ser-distill " + stage,
        application_args=[stage] + (GPU_ARGS if gpu else []) + ["--conf", "application.conf", "--set", "run.id={{ ds }}"],
        files=",".join([SER_CONF] + ([SER_GPU_DISCOVERY] if gpu else [])),
        conf={**COMMON_CONF, **(GPU_CONF if gpu else {})},
        # The provider turns these into spark.yarn.appMasterEnv.* / spark.kubernetes.driverEnv.*, as submit/ser does.
        env_vars={"SER_GIT_COMMIT": SER_GIT_COMMIT},
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
    tasks = [ser_task(task_id, stage, gpu) for task_id, stage, gpu in STAGES]
    for upstream, downstream in zip(tasks, tasks[1:]):
        upstream >> downstream
