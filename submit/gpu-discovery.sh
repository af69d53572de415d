#!/usr/bin/env bash
# Spark GPU resource discovery (spark.executor.resource.gpu.discoveryScript): prints this node's GPUs as
#   {"name":"gpu","addresses":["0","1"]}
# from nvidia-smi. Fails (non-zero, message on stderr) when nvidia-smi is missing or fails, so a GPU executor on a
# node without working GPUs stops with a reason instead of running without them.
set -euo pipefail

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery: nvidia-smi not found on $(hostname)" >&2
  exit 1
fi
if ! indices=$(nvidia-smi --query-gpu=index --format=csv,noheader); then
  echo "gpu-discovery: nvidia-smi failed on $(hostname)" >&2
  exit 1
fi
addresses=""
while read -r index; do
  index=${index//[[:space:]]/}
  [[ -z $index ]] && continue
  addresses+="${addresses:+,}\"$index\""
done <<<"$indices"
printf '{"name":"gpu","addresses":[%s]}\n' "$addresses"
