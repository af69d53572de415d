package io.serdistill.jobs.stages;

import io.serdistill.features.FloatBlob;
import io.serdistill.train.TrainingExample;
import java.util.List;
import org.apache.spark.sql.Row;

/** Reading the features table's rows as model inputs. */
final class FeatureRows {
    private FeatureRows() {}

    /** Columns every consumer selects, in this order. */
    static final String[] COLUMNS = {"utt_id", "language", "speaker", "label", "split", "pooled"};

    /**
     * The columns models read, in {@link #COLUMNS} order; the model input (column 5) is {@code inputColumn}:
     * "pooled", or "frames" for stacked per-layer vectors (learned layer weighting).
     */
    static org.apache.spark.sql.Dataset<Row> select(org.apache.spark.sql.Dataset<Row> features, String inputColumn) {
        org.apache.spark.sql.Column[] cols = new org.apache.spark.sql.Column[COLUMNS.length];
        for (int i = 0; i < COLUMNS.length - 1; i++) {
            cols[i] = org.apache.spark.sql.functions.col(COLUMNS[i]);
        }
        cols[COLUMNS.length - 1] = org.apache.spark.sql.functions.col(inputColumn).as(COLUMNS[COLUMNS.length - 1]);
        return features.select(cols);
    }

    static TrainingExample example(Row r) {
        return new TrainingExample(uttId(r), language(r), speaker(r), label(r), input(r), null);
    }

    // Readers of a selected row's columns, by name: the positions are those of COLUMNS.

    static String uttId(Row r) {
        return r.getString(0);
    }

    static String language(Row r) {
        return r.getString(1);
    }

    static String speaker(Row r) {
        return r.getString(2);
    }

    static int label(Row r) {
        return r.getInt(3);
    }

    static String split(Row r) {
        return r.getString(4);
    }

    /** The model input: "pooled", or the column select was given as its input. */
    static float[] input(Row r) {
        return floats(r, 5);
    }

    /** A model input column: a float list ("pooled") or a float32 blob ("frames", {@link FloatBlob}). */
    static float[] floats(Row r, int column) {
        Object v = r.get(column);
        return v instanceof byte[] bytes ? FloatBlob.decode(bytes) : floats(r.getList(column));
    }

    static float[] floats(List<?> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }
}
