#!/usr/bin/env bash
# Executes every notebooks/*.ipynb top to bottom against a warehouse (by default the demo run's) and reports, per
# notebook, how many code cells ran and the first error. The committed notebooks are never written: the executed
# copies (with outputs) go to OUT_DIR.
#
# Needs: SPARK_HOME of Spark 3.5.x (bin/spark-submit; a binary distribution, or the jars-only home that
# shared/cluster-harness/build-homes.sh assembles), a PYTHONPATH holding pyspark 3.5.x and py4j 0.10.9.7 (a pip
# install of "pyspark>=3.5,<3.6", or python/ of a Spark 3.5 source tree plus py4j-python/src), and a python3 with
# nbclient, nbformat, ipykernel (a "python3" kernel), pandas and matplotlib (Debian: python3-nbclient
# python3-nbconvert python3-ipykernel python3-pandas python3-matplotlib).
#
# Usage, from the repository root:
#   SPARK_HOME=/opt/spark PYTHONPATH=/opt/pyspark/python:/opt/py4j/src tools/run_notebooks.sh [WAREHOUSE [OUT_DIR]]
# WAREHOUSE: any Hadoop URI or local path of the ser_* tables (default runs/warehouse, what
# `submit/ser pipeline` publishes); OUT_DIR default ${TMPDIR:-/tmp}/ser-notebooks. Spark runs locally
# (SER_NOTEBOOK_MASTER, default local[2]; no UI). Exit code 0 when every cell of every notebook ran.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
warehouse=${1:-$repo/runs/warehouse}
out=${2:-${TMPDIR:-/tmp}/ser-notebooks}
python=${PYTHON:-python3}
: "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5.x home}"
[[ -x $SPARK_HOME/bin/spark-submit ]] || { echo "no $SPARK_HOME/bin/spark-submit" >&2; exit 2; }
case $warehouse in *://*) ;; *) warehouse=$(cd "$warehouse" && pwd) ;; esac
mkdir -p "$out"
export SPARK_HOME SER_WAREHOUSE=$warehouse
unset SER_DATABASE
export PYSPARK_SUBMIT_ARGS="--master ${SER_NOTEBOOK_MASTER:-local[2]} --conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false pyspark-shell"
export PYSPARK_PYTHON=${PYSPARK_PYTHON:-$python}
export PYDEVD_DISABLE_FILE_VALIDATION=1
"$python" - "$repo/notebooks" "$out" <<'PY'
import glob, os, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
import pyspark

nb_dir, out = sys.argv[1], sys.argv[2]
if not pyspark.__version__.startswith("3.5."):
    sys.exit(f"pyspark {pyspark.__version__} from {pyspark.__file__}: the notebooks need PySpark 3.5.x")
print(f"pyspark {pyspark.__version__} ({os.path.dirname(pyspark.__file__)}), SPARK_HOME={os.environ['SPARK_HOME']}, "
      f"warehouse {os.environ['SER_WAREHOUSE']}")
failed = 0
for path in sorted(glob.glob(os.path.join(nb_dir, "*.ipynb"))):
    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": nb_dir}})
    start = time.time()
    error = None
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            # Spark and its JVM stop before the kernel does, so the JVM's shutdown does not race the kernel's exit.
            client.wait_for_reply(client.kc.execute(
                "from pyspark import SparkContext as _SC\n_gw = _SC._gateway\nspark.stop()\n"
                "_gw.shutdown()\n_gw.proc.stdin.close()\n_gw.proc.wait(60)"))
    except CellExecutionError as e:
        error = str(e).strip().splitlines()[-1]
    ran = sum(1 for c in code if c.get("execution_count"))
    nbformat.write(nb, os.path.join(out, name))
    images = sum(1 for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
    print(f"{name}: {ran}/{len(code)} code cells ran in {time.time() - start:.0f} s, {images} figures"
          + (f", ERROR: {error}" if error else ", no error"))
    failed += error is not None or ran != len(code)
print(("FAIL" if failed else "OK") + f" run_notebooks: executed copies in {out}")
sys.exit(1 if failed else 0)
PY
