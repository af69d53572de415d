package io.serdistill.features;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A feature sequence: {@code frames} rows of {@code dim} columns stored row-major in one flat array, the layout
 * written to Parquet (one float list per utterance plus its two sizes). Element (t, c) is
 * {@code data[t * dim + c]}. The array is not copied; treat it as read-only once built.
 *
 * @param frames number of frames (rows), ≥ 0
 * @param dim    values per frame (columns), ≥ 1
 * @param data   {@code frames · dim} values, row-major
 */
public record FeatureMatrix(int frames, int dim, float[] data) implements Serializable {

    public FeatureMatrix {
        if (frames < 0) {
            throw new IllegalArgumentException("frames = " + frames + ": must be >= 0");
        }
        if (dim < 1) {
            throw new IllegalArgumentException("dim = " + dim + ": must be >= 1");
        }
        if (data == null || data.length != (long) frames * dim) {
            throw new IllegalArgumentException("data length " + (data == null ? "null" : data.length)
                    + " != frames " + frames + " x dim " + dim);
        }
    }

    /** Value at frame {@code t}, column {@code c}. */
    public float get(int t, int c) {
        return data[t * dim + c];
    }

    /** A copy of frame {@code t}, length {@code dim}. */
    public float[] row(int t) {
        return Arrays.copyOfRange(data, t * dim, (t + 1) * dim);
    }

    /** A copy as {@code [frames][dim]}. */
    public float[][] toArray2d() {
        float[][] out = new float[frames][];
        for (int t = 0; t < frames; t++) {
            out[t] = row(t);
        }
        return out;
    }

    // Records compare arrays by reference; features are compared by value.
    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureMatrix m && m.frames == frames && m.dim == dim && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * frames + dim) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FeatureMatrix[frames=" + frames + ", dim=" + dim + "]";
    }
}
