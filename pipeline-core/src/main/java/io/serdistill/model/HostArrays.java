package io.serdistill.model;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Java and OpenBLAS access to a dense float ND4J array's host memory on the CPU backend, without copying: a pointer
 * to its first element and a {@link FloatBuffer} over its elements (index 0 = the first, c order). Both are views:
 * they read and write the array itself and are valid while it is.
 */
public final class HostArrays {
    private HostArrays() {}

    /** Whether {@code a} is a float array whose elements are its buffer's, densely in c order. */
    public static boolean dense(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && (!a.isView() || a.length() == a.data().length())
                && a.elementWiseStride() == 1;
    }

    /** The array's first element (see {@link #dense}). */
    public static FloatPointer pointer(INDArray a) {
        require(a);
        Pointer base = a.data().addressPointer();
        return new FloatPointer(base).position(base.position() + a.offset());
    }

    /** The array's elements as a buffer (see {@link #dense}). */
    public static FloatBuffer view(INDArray a) {
        FloatPointer p = pointer(a);
        return p.capacity(p.position() + a.length()).limit(p.position() + a.length()).asBuffer();
    }

    private static void require(INDArray a) {
        if (!dense(a)) {
            throw new IllegalArgumentException("need a dense c-ordered float array, got " + a.shapeInfoToString());
        }
    }
}
