#!/usr/bin/env bash
# Packs what ExtractBench needs to run on a machine with only a Linux kernel and no JDK or Maven (e.g. a lent
# many-core machine that cannot reach Maven Central), so the extraction scaling figure can be measured on idle cores:
#   bundle/jars.tar.xz   the runtime jars (no ND4J, RocksDB, test-only or cluster-manager jars; entries stored
#                        uncompressed so xz compresses across jars: ~58 MB)
#   bundle/jre.tar.xz    a jlink'd Java 17 runtime (~31 MB)
#   bundle/app/          this checkout's compiled classes (pipeline-core, pipeline-jobs and its test classes)
#   bundle/run.sh        the benchmark: all cores visible (local[1], local[2], local[4]), then the JVM pinned to two
# Usage, from the repository root after `mvn -B -o -q test-compile -pl pipeline-jobs -am`:
#   tools/extract_scaling_bundle.sh [bundle-dir]       then, on the target: bash bundle/run.sh [utterances]
set -euo pipefail
out=${1:-bundle}
mkdir -p "$out/app"
mvn -B -o -q dependency:build-classpath -pl pipeline-jobs -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/ser-cp.txt
tr ':' '\n' < /tmp/ser-cp.txt \
  | grep -v -E 'nd4j|openblas|rocksdb|minicluster|junit|opentest4j|apiguardian|jfree|javacpp|deeplearning4j|datavec|flatbuffers|/pipeline-core/' \
  | grep -v -E 'zstd|/orc|curator|/jna|tink|/ivy|zookeeper|jersey|leveldbjni|datasketches|oshi|/avro|hive|mesos|kubernetes|yarn' \
  > /tmp/ser-cp-bench.txt
stage=$(mktemp -d)
mkdir -p "$stage/jars"
i=0
while read -r jar; do
  i=$((i + 1))
  x=$(mktemp -d)
  (cd "$x" && unzip -q -o "$jar" 2>/dev/null || true)
  (cd "$x" && zip -q -0 -r -X "$stage/jars/$(printf '%03d' $i)-$(basename "$jar")" .)
  rm -rf "$x"
done < /tmp/ser-cp-bench.txt
(cd "$stage" && tar cf - jars) | xz -T0 -6 > "$out/jars.tar.xz"
rm -rf "$stage" "$out/jre"
jlink --add-modules java.se,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs,jdk.security.auth,jdk.security.jgss,jdk.net,jdk.naming.dns,jdk.localedata \
  --include-locales=en --compress=2 --strip-debug --no-header-files --no-man-pages --output "$out/jre"
(cd "$out" && tar cf - jre | xz -T0 -6 > jre.tar.xz && rm -rf jre)
rm -rf "$out/app"/*
cp -r pipeline-jobs/target/test-classes "$out/app/jobs-test"
cp -r pipeline-jobs/target/classes "$out/app/jobs"
cp -r pipeline-core/target/classes "$out/app/core"
opens=$(sed -n 's:.*<java17.opens>\(.*\)</java17.opens>.*:\1:p' pom.xml)
cat > "$out/run.sh" <<RUN
#!/usr/bin/env bash
# ExtractBench on this machine: A) every core visible, B) the JVM pinned to two cores that are not siblings.
here=\$(cd "\$(dirname "\$0")" && pwd)
work=\${WORK:-/tmp/ser-bench}
utt=\${1:-2400}
mkdir -p "\$work"
[ -d "\$work/jars" ] || tar xJf "\$here/jars.tar.xz" -C "\$work"
[ -x "\$work/jre/bin/java" ] || tar xJf "\$here/jre.tar.xz" -C "\$work"
lscpu | grep -E 'Model name|Thread|Core|Socket'
cp="\$here/app/jobs-test:\$here/app/jobs:\$here/app/core:\$(ls "\$work"/jars/*.jar | sort | paste -sd:)"
export OMP_NUM_THREADS=1
java="\$work/jre/bin/java -Xmx16g $opens -cp \$cp"
echo "== A: all cores visible"
\$java -Dextract.bench.masters='local[1],local[2],local[4]' io.serdistill.jobs.stages.ExtractBench "\$utt" 3 "\$work/a" 2 2>&1 | grep -E 'run [0-9]|speed-up|corpus|Exception'
sib=\$(cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list)
c2=\$(for c in \$(seq 1 \$((\$(getconf _NPROCESSORS_ONLN) - 1))); do case ",\$sib," in *",\$c,"*) ;; *) echo \$c; break;; esac; done)
echo "== B: pinned to CPUs 0,\$c2"
taskset -c "0,\$c2" \$java io.serdistill.jobs.stages.ExtractBench "\$utt" 3 "\$work/b" 2 2>&1 | grep -E 'run [0-9]|speed-up|corpus|Exception'
RUN
chmod +x "$out/run.sh"
du -sh "$out"/*
