"""Shared by the notebooks: a Spark session over the ser-distill warehouse and the queries in notebooks/sql/.

The warehouse is what the publish stage writes (docs/tables.md): Parquet tables ser_* under
${ser.output.root}/warehouse, one run_id partition per run. Point SER_WAREHOUSE at it (any Hadoop URI), or set
SER_DATABASE to use tables registered in the metastore (ser.warehouse.register-hive = true) instead.
"""
import os
import re
from pathlib import Path

from pyspark.sql import SparkSession

TABLES = ["ser_runs", "ser_metrics", "ser_class_metrics", "ser_confusion", "ser_predictions",
          "ser_training_history", "ser_rejects", "ser_models"]
SQL_DIR = Path(__file__).resolve().parent / "sql"


def session(warehouse=None, database=None):
    """A Spark session in which every ser_* table can be queried by name."""
    database = database or os.environ.get("SER_DATABASE")
    builder = (SparkSession.builder.appName("ser-distill notebooks")
               # Run ids such as 2025-01-31 are names, not dates: keep the run_id partition column a string.
               .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false"))
    if database:
        spark = builder.enableHiveSupport().getOrCreate()
        spark.catalog.setCurrentDatabase(database)
        return spark
    spark = builder.getOrCreate()
    warehouse = warehouse or os.environ.get("SER_WAREHOUSE", str(Path.cwd().parent / "runs" / "warehouse"))
    for table in TABLES:
        spark.read.parquet(f"{warehouse}/{table}").createOrReplaceTempView(table)
    return spark


def sql_text(name):
    """The text of notebooks/sql/{name}.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def columns(name):
    """The columns the query declares in its '-- columns:' header."""
    match = re.search(r"^-- columns:(.*)$", sql_text(name), re.MULTILINE)
    return [c.strip() for c in match.group(1).split(",")]


def query(spark, name):
    """Runs notebooks/sql/{name}.sql and returns the result as a pandas DataFrame."""
    return spark.sql(sql_text(name)).toPandas()
