package io.serdistill.jobs.stages;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The batches {@link ModelStore#score} scores in, made from the rows alone. A model scores a partition as one batch,
 * and a batched forward pass (a GEMM blocked over the batch rows) gives a row's logits bits that depend on which rows
 * share its batch and where it sits in it. A table read from files is split by its byte size over the cluster's
 * cores, so scoring it as read would give other logits on another cluster: the batches here are hash partitions of
 * {@code utt_id} in utterance id order, their number fixed by the row count, whatever the input partitioning and the
 * number of cores.
 */
final class ScoringBatches {
    /** Rows per batch on average (hash partitions vary in size). */
    static final int MEAN_ROWS = 256;

    private ScoringBatches() {}

    /**
     * {@code rows} (with a unique {@code utt_id} column) in their scoring batches, one partition each: a user-given
     * partition count, which adaptive execution does not coalesce.
     */
    static Dataset<Row> of(Dataset<Row> rows) {
        int batches = Math.toIntExact(Math.max(1, (rows.count() + MEAN_ROWS - 1) / MEAN_ROWS));
        return rows.repartition(batches, col("utt_id")).sortWithinPartitions(col("utt_id"));
    }
}
