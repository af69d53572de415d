package io.serdistill.model.wav2vec2;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A 1-D convolution on a time-major [frames, channels] matrix, as im2col + GEMM: in a row-major [frames, channels]
 * matrix the receptive field of output frame t is one contiguous run of kernel * channels values starting at row
 * t * stride, so the patch matrix is a strided view of the input.
 *
 * <p>{@code kernels[g]} is group g's weight as [kernel * inPerGroup, outPerGroup] with row index
 * k * inPerGroup + c (PyTorch's [out, in/groups, kernel] reordered at load). Zero padding of {@code padding} frames
 * on both sides; {@code dropLast} removes the final output frame (wav2vec2's positional conv with an even kernel).
 */
record Conv1d(INDArray[] kernels, INDArray bias, int kernel, int stride, int padding, boolean dropLast) {

    /** From PyTorch's weight [out, in / groups, kernel] and optional bias [out] (null for none). */
    static Conv1d of(INDArray weight, INDArray bias, int groups, int stride, int padding, boolean dropLast) {
        long out = weight.size(0);
        long inPerGroup = weight.size(1);
        int kernel = (int) weight.size(2);
        long outPerGroup = out / groups;
        INDArray[] kernels = new INDArray[groups];
        for (int g = 0; g < groups; g++) {
            INDArray w = weight.get(NDArrayIndex.interval(g * outPerGroup, (g + 1) * outPerGroup), NDArrayIndex.all(),
                    NDArrayIndex.all());
            // [outG, inG, k] -> [k, inG, outG] -> [k * inG, outG]
            kernels[g] = w.permute(2, 1, 0).dup('c').reshape(kernel * inPerGroup, outPerGroup);
        }
        return new Conv1d(kernels, bias == null ? null : bias.reshape(1, out), kernel, stride, padding, dropLast);
    }

    int outputFrames(int frames) {
        int padded = frames + 2 * padding;
        int n = padded < kernel ? 0 : (padded - kernel) / stride + 1;
        return dropLast ? Math.max(0, n - 1) : n;
    }

    /** x [frames, in] to [outputFrames(frames), out]. */
    INDArray apply(INDArray x) {
        int frames = (int) x.size(0);
        int in = (int) x.size(1);
        int groups = kernels.length;
        int inPerGroup = in / groups;
        int outFrames = outputFrames(frames);
        long outPerGroup = kernels[0].size(1);
        // Every element is written below (one group: y is the GEMM's own output), so no zero-filled allocation.
        INDArray y = groups == 1 ? null : Nd4j.createUninitialized(DataType.FLOAT, outFrames, outPerGroup * groups);
        for (int g = 0; g < groups; g++) {
            INDArray xg = groups == 1 ? x : x.get(NDArrayIndex.all(), NDArrayIndex.interval(g * inPerGroup, (g + 1) * inPerGroup));
            INDArray padded = padded(xg, frames, inPerGroup);
            INDArray patches = Nd4j.create(padded.data(), new long[] {outFrames, (long) kernel * inPerGroup},
                    new long[] {(long) stride * inPerGroup, 1}, padded.offset(), 'c', DataType.FLOAT).dup('c');
            INDArray yg = patches.mmul(kernels[g]);
            if (groups == 1) {
                y = yg;
            } else {
                y.get(NDArrayIndex.all(), NDArrayIndex.interval(g * outPerGroup, (g + 1) * outPerGroup)).assign(yg);
            }
        }
        return bias == null ? y : y.addiRowVector(bias);
    }

    /** A contiguous row-major copy (or x itself when already one) with {@code padding} zero rows on both sides. */
    private INDArray padded(INDArray x, int frames, int channels) {
        if (padding == 0 && x.ordering() == 'c' && x.elementWiseStride() == 1 && x.offset() == 0) {
            return x;
        }
        INDArray p = Nd4j.zeros(DataType.FLOAT, frames + 2L * padding, channels);
        p.get(NDArrayIndex.interval(padding, padding + frames), NDArrayIndex.all()).assign(x);
        return p;
    }
}
