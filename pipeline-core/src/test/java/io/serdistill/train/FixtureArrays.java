package io.serdistill.train;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON arrays of the committed fixtures (fixtures/logreg/fixture.json) as Java arrays, and a softmax to compare with. */
final class FixtureArrays {
    private FixtureArrays() {}

    static float[][] floats(JsonNode rows) {
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            out[i] = new float[r.size()];
            for (int j = 0; j < r.size(); j++) {
                out[i][j] = (float) r.get(j).asDouble();
            }
        }
        return out;
    }

    static int[] ints(JsonNode values) {
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).asInt();
        }
        return out;
    }

    static String[] strings(JsonNode values) {
        String[] out = new String[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).asText();
        }
        return out;
    }

    /** softmax(z) in double. */
    static double[] softmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int k = 0; k < z.length; k++) {
            p[k] = Math.exp(z[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < z.length; k++) {
            p[k] /= sum;
        }
        return p;
    }
}
