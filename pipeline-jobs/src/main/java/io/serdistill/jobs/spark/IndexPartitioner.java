package io.serdistill.jobs.spark;

import org.apache.spark.Partitioner;

/** Sends key i (an Integer in [0, n)) to partition i: one Spark task per language, fold or method. */
final class IndexPartitioner extends Partitioner {
    private final int n;

    IndexPartitioner(int n) {
        this.n = n;
    }

    @Override
    public int numPartitions() {
        return n;
    }

    @Override
    public int getPartition(Object key) {
        return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IndexPartitioner p && p.n == n;
    }

    @Override
    public int hashCode() {
        return n;
    }
}
