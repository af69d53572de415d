#!/usr/bin/env bash
# wav2vec2-base fine-tuning step, Java (io.serdistill.train.Wav2Vec2FineTuneBench) next to torch
# (tools/bench_torch_wav2vec2_finetune.py) on the same OpenBLAS, one process per measurement, and the ratio.
#
#   tools/bench_wav2vec2_finetune.sh [engine=fused] [batches="1 8"] [warmups=1] [runs=3] [jvm options...]
#
# Needs `mvn -B -o -q -pl pipeline-core test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt` first
# (CP_FILE overrides the path). JVM options default to the README's caps:
#   -Xmx3g -Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=8G
# Pass "-Xmx3g" alone to measure without the javacpp caps. torch runs with OMP_WAIT_POLICY=PASSIVE (override by
# exporting it): on a shared machine its spinning OpenMP threads otherwise compete with its own OpenBLAS threads.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-fused}
batches=${2:-1 8}
warmups=${3:-1}
runs=${4:-3}
shift $(( $# < 4 ? $# : 4 ))
jvm=("$@")
if [ ${#jvm[@]} -eq 0 ]; then
    jvm=(-Xmx3g -Dorg.bytedeco.javacpp.maxbytes=3G -Dorg.bytedeco.javacpp.maxphysicalbytes=8G)
fi
cp_file=${CP_FILE:-/tmp/cp.txt}
blas=$(ls ~/.javacpp/cache/openblas-*-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0 | head -1)
mkdir -p /tmp/w2v-blas && ln -sf "$blas" /tmp/w2v-blas/libblas.so.3
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | tail -1; }
for b in $batches; do
    echo "== batch $b, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    java_out=$(java "${jvm[@]}" -cp "pipeline-core/target/test-classes:pipeline-core/target/classes:$(cat "$cp_file")" \
        io.serdistill.train.Wav2Vec2FineTuneBench 4 "$warmups" "$runs" "$b" "$engine" 2>/dev/null | grep -E "^(wav2vec2|result)")
    echo "$java_out" | grep -v '^result'
    torch_out=$(LD_LIBRARY_PATH=/tmp/w2v-blas OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} /usr/bin/python3 tools/bench_torch_wav2vec2_finetune.py \
        2 4 "$warmups" "$runs" "$b" 2>/dev/null)
    echo "$torch_out" | grep -v '^result'
    j=$(echo "$java_out" | field median_s)
    t=$(echo "$torch_out" | field median_s)
    jb=$(echo "$java_out" | field best_s)
    tb=$(echo "$torch_out" | field best_s)
    echo "ratio java/torch, batch $b: median $(awk "BEGIN{printf \"%.2f\", $j/$t}")x, best $(awk "BEGIN{printf \"%.2f\", $jb/$tb}")x"
done
