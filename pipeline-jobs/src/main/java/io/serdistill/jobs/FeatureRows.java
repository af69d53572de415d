package io.serdistill.jobs;

import io.serdistill.train.TrainingExample;
import java.util.List;
import org.apache.spark.sql.Row;

/** Reading the features table's rows as model inputs. */
final class FeatureRows {
    private FeatureRows() {}

    /** Columns every consumer selects, in this order. */
    static final String[] COLUMNS = {"utt_id", "language", "speaker", "label", "split", "pooled"};

    static org.apache.spark.sql.Dataset<Row> select(org.apache.spark.sql.Dataset<Row> features) {
        return features.select(java.util.Arrays.stream(COLUMNS).map(org.apache.spark.sql.functions::col)
                .toArray(org.apache.spark.sql.Column[]::new));
    }

    static TrainingExample example(Row r) {
        return new TrainingExample(r.getString(0), r.getString(1), r.getString(2), r.getInt(3), floats(r.getList(5)), null);
    }

    static String split(Row r) {
        return r.getString(4);
    }

    static float[] floats(List<?> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }
}
