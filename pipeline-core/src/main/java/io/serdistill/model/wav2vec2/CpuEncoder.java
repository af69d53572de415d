package io.serdistill.model.wav2vec2;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Wav2Vec2Model}'s forward pass for the CPU backend (nd4j-native): the same weights and the same arithmetic,
 * but every GEMM is one OpenBLAS call straight on the operands where they lie, and everything between GEMMs is one
 * fused Java pass. With plain ND4J ops each element-wise step is its own pass over memory (a layer norm is six, a
 * GELU four) and strided operands are copied before each GEMM; those took about half of the forward time.
 *
 * <ul>
 *   <li>Convolutions without im2col where patches overlap: output frame t of a stride-s conv reads input rows
 *       st .. st + k - 1, and each run of s consecutive taps is a plain row-major matrix with leading dimension
 *       s * in, so the conv is ceil(k / s) accumulating GEMMs on the input in place.</li>
 *   <li>Bias and residual adds folded into the GEMMs: the output is first filled with bias (+ residual) rows and
 *       the GEMM accumulates onto it (beta = 1).</li>
 *   <li>Attention per (utterance, head) on strided blocks of the fused QKV output, keys limited to the utterance's
 *       real frames (a padded key's softmax weight is exactly 0 in the ND4J path too), context written straight
 *       into the merged [frames, hidden] layout.</li>
 *   <li>Layer norm, group norm, GELU ({@link FastErf}) and softmax as single passes over rows copied to the heap,
 *       where the JIT vectorises them.</li>
 * </ul>
 *
 * <p>OpenBLAS is the library nd4j-native links (same threads). Only used when ND4J runs on the CPU backend: the
 * arrays' buffers are then host memory. Scratch buffers are per thread and reused across calls (they grow to the
 * largest batch seen).
 */
final class CpuEncoder {
    private final Wav2Vec2Config config;
    private final ConvStep[] convs;
    private final Norm projectionNorm;
    private final Dense projection;
    private final Conv1d positionalConv;
    private final float[] positionalBias;
    private final Norm encoderNorm;
    private final Layer[] layers;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** One conv layer of the feature encoder and what follows it: norm (or none), then GELU times geluScale. */
    private record ConvStep(Conv1d conv, float[] bias, Norm norm, boolean normOverTime, float geluScale) {}

    /** y = x W^T + b with W^T [in, out] in native memory. */
    private record Dense(FloatPointer weightT, int in, int out, float[] bias, INDArray owner) {
        static Dense of(Linear l) {
            INDArray w = l.weightT().ordering() == 'c' && !l.weightT().isView() ? l.weightT() : l.weightT().dup('c');
            return new Dense(pointer(w), (int) w.size(0), (int) w.size(1), l.bias().toFloatVector(), w);
        }
    }

    private record Norm(float[] gain, float[] bias, float eps) {
        static Norm of(LayerNorm n) {
            return n == null ? null : new Norm(n.gain().toFloatVector(), n.bias().toFloatVector(), (float) n.eps());
        }
    }

    private record Layer(Dense qkv, Dense out, int heads, Norm norm, Dense intermediate, Dense output, Norm finalNorm,
                         boolean preNorm) {}

    CpuEncoder(Wav2Vec2Config config, Conv1d[] convs, LayerNorm[] convNorms, LayerNorm projectionNorm, Linear projection,
               Conv1d positionalConv, LayerNorm encoderNorm, EncoderLayer[] layers) {
        this.config = config;
        this.convs = new ConvStep[convs.length];
        for (int i = 0; i < convs.length; i++) {
            if (convs[i].kernels().length != 1 || convs[i].padding() != 0 || convs[i].dropLast()) {
                throw new IllegalArgumentException("feature encoder conv " + i + " is grouped or padded");
            }
            boolean overTime = config.featExtractNorm() == Wav2Vec2Config.FeatExtractNorm.GROUP;
            this.convs[i] = new ConvStep(convs[i], convs[i].bias() == null ? null : convs[i].bias().toFloatVector(),
                    Norm.of(convNorms[i]), overTime, i < convs.length - 1 ? 1f : 0.5f);
        }
        this.projectionNorm = Norm.of(projectionNorm);
        this.projection = Dense.of(projection);
        this.positionalConv = positionalConv;
        this.positionalBias = positionalConv.bias().toFloatVector();
        this.encoderNorm = Norm.of(encoderNorm);
        this.layers = new Layer[layers.length];
        for (int i = 0; i < layers.length; i++) {
            EncoderLayer l = layers[i];
            this.layers[i] = new Layer(Dense.of(l.attention().qkv()), Dense.of(l.attention().out()), l.attention().heads(),
                    Norm.of(l.layerNorm()), Dense.of(l.intermediate()), Dense.of(l.output()), Norm.of(l.finalLayerNorm()),
                    l.preNorm());
        }
    }

    /** Whether ND4J runs on its CPU backend, where array buffers are host memory this class can hand to OpenBLAS. */
    static boolean supported() {
        return Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT).contains("cpu");
    }

    /** Same contract as {@link Wav2Vec2Model#forward(INDArray, int[])}; lengths already checked, frames computed. */
    Wav2Vec2Output forward(INDArray waveforms, int[] realFrames) {
        int batch = (int) waveforms.size(0);
        int samples = (int) waveforms.size(1);
        int frames = config.frames(samples);
        int f = config.featureDim();
        int h = config.hiddenSize();
        long rows = (long) batch * frames;
        Scratch s = scratch.get();

        INDArray features = Nd4j.createUninitializedDetached(DataType.FLOAT, batch, frames, f);
        Floats feat = Floats.of(features);
        for (int b = 0; b < batch; b++) {
            convStack(waveforms.getRow(b).toFloatVector(), feat, (long) b * frames * f, s);
        }

        // Feature projection: LN over the CNN channels, then the projection with its bias folded into the GEMM.
        Floats normed = s.get(Scratch.A, rows * f);
        rowsNorm(feat, normed, (int) rows, f, projectionNorm, s);
        INDArray first = Nd4j.createUninitializedDetached(DataType.FLOAT, batch, frames, h);
        Floats x = Floats.of(first);
        dense(normed, (int) rows, projection, x, null, s);
        float[] zeros = new float[h];
        for (int b = 0; b < batch; b++) {
            for (int t = realFrames[b]; t < frames; t++) {
                x.put(((long) b * frames + t) * h, zeros, h); // padding frames carry no features
            }
        }
        for (int b = 0; b < batch; b++) {
            positional(x, (long) b * frames * h, frames, h, s);
        }
        if (!config.doStableLayerNorm()) {
            rowsNorm(x, x, (int) rows, h, encoderNorm, s);
        }
        List<INDArray> states = new ArrayList<>(layers.length + 1);
        states.add(first);
        for (int i = 0; i < layers.length; i++) {
            INDArray next = Nd4j.createUninitializedDetached(DataType.FLOAT, batch, frames, h);
            Floats y = Floats.of(next);
            layer(layers[i], x, y, batch, frames, realFrames, s);
            if (config.doStableLayerNorm() && i == layers.length - 1) {
                rowsNorm(y, y, (int) rows, h, encoderNorm, s);
            }
            states.add(next);
            x = y;
        }
        return new Wav2Vec2Output(states, features, realFrames);
    }

    /** The conv feature encoder alone on one waveform: [frames, conv_dim[-1]]. */
    INDArray featureEncoder(float[] wave) {
        int frames = config.frames(wave.length);
        INDArray out = Nd4j.createUninitializedDetached(DataType.FLOAT, frames, config.featureDim());
        convStack(wave, Floats.of(out), 0, scratch.get());
        return out;
    }

    /** The conv feature encoder on one waveform, into out [frames, conv_dim[-1]] at element outOffset. */
    private void convStack(float[] wave, Floats out, long outOffset, Scratch s) {
        int frames = wave.length;
        int channels = 1;
        Floats src = s.get(Scratch.CONV_IN, wave.length);
        src.put(0, wave, wave.length);
        for (int i = 0; i < convs.length; i++) {
            ConvStep step = convs[i];
            Conv1d conv = step.conv();
            int outFrames = conv.outputFrames(frames);
            int outChannels = (int) conv.kernels()[0].size(1);
            boolean last = i == convs.length - 1;
            Floats dst = last ? out : s.get(i % 2 == 0 ? Scratch.CONV_B : Scratch.CONV_C, (long) outFrames * outChannels);
            long dstOffset = last ? outOffset : 0;
            convolve(conv, src, frames, channels, dst, dstOffset, outFrames, s);
            if (step.norm() != null && step.normOverTime()) {
                groupNormGelu(dst, dstOffset, outFrames, outChannels, step, s);
            } else {
                rowsBiasNormGelu(dst, dstOffset, outFrames, outChannels, step, s);
            }
            src = dst;
            frames = outFrames;
            channels = outChannels;
        }
    }

    /**
     * y[outFrames, out] = conv(x[frames, in]) for an ungrouped, unpadded conv: small patches (the first layer's
     * kernel over 1 channel) as im2col + one GEMM; otherwise one accumulating GEMM per run of {@code stride} taps,
     * reading the input in place.
     */
    private static void convolve(Conv1d conv, Floats x, int frames, int in, Floats y, long yOffset, int outFrames,
                                 Scratch s) {
        int k = conv.kernel();
        int stride = conv.stride();
        int out = (int) conv.kernels()[0].size(1);
        FloatPointer w = pointer(conv.kernels()[0]);
        if (outFrames == 0) {
            return;
        }
        if (k * in <= 64) {
            int width = k * in;
            Floats patches = s.get(Scratch.PATCHES, (long) outFrames * width);
            float[] row = s.row(width);
            for (int t = 0; t < outFrames; t++) {
                x.get((long) t * stride * in, row, width);
                patches.put((long) t * width, row, width);
            }
            gemm(outFrames, out, width, patches.at(0), width, w, out, false, 0f, y.at(yOffset), out);
            return;
        }
        for (int tap = 0; tap < k; tap += stride) {
            int taps = Math.min(stride, k - tap);
            gemm(outFrames, out, taps * in, x.at((long) tap * in), stride * in, offset(w, (long) tap * in * out), out,
                    false, tap == 0 ? 0f : 1f, y.at(yOffset), out);
        }
    }

    /** wav2vec2-base's first layer: conv bias, GroupNorm with one group per channel (statistics over time), GELU. */
    private static void groupNormGelu(Floats y, long offset, int frames, int channels, ConvStep step, Scratch s) {
        float[] row = s.row(channels);
        float[] bias = step.bias();
        double[] sum = new double[channels];
        double[] sumSq = new double[channels];
        for (int t = 0; t < frames; t++) {
            y.get(offset + (long) t * channels, row, channels);
            for (int c = 0; c < channels; c++) {
                double v = bias == null ? row[c] : row[c] + bias[c];
                sum[c] += v;
                sumSq[c] += v * v;
            }
        }
        float[] scale = new float[channels];
        float[] shift = new float[channels];
        Norm n = step.norm();
        for (int c = 0; c < channels; c++) {
            double mean = sum[c] / frames;
            double var = Math.max(0, sumSq[c] / frames - mean * mean);
            double inv = 1 / Math.sqrt(var + n.eps());
            scale[c] = (float) (n.gain()[c] * inv);
            shift[c] = (float) (n.bias()[c] - (mean - (bias == null ? 0 : bias[c])) * n.gain()[c] * inv);
        }
        for (int t = 0; t < frames; t++) {
            long at = offset + (long) t * channels;
            y.get(at, row, channels);
            for (int c = 0; c < channels; c++) {
                row[c] = row[c] * scale[c] + shift[c];
            }
            FastErf.gelu(row, 0, channels, step.geluScale());
            y.put(at, row, channels);
        }
    }

    /** Conv bias, then layer norm over channels (layer-norm conv stacks) or nothing, then GELU; row by row. */
    private static void rowsBiasNormGelu(Floats y, long offset, int frames, int channels, ConvStep step, Scratch s) {
        float[] row = s.row(channels);
        for (int t = 0; t < frames; t++) {
            long at = offset + (long) t * channels;
            y.get(at, row, channels);
            if (step.bias() != null) {
                addInto(row, step.bias(), channels);
            }
            if (step.norm() != null) {
                normalize(row, channels, step.norm());
            }
            FastErf.gelu(row, 0, channels, step.geluScale());
            y.put(at, row, channels);
        }
    }

    /**
     * x[frames, hidden] += GELU(positional conv of x), for one utterance at element offset: the grouped conv as
     * im2col (one copy per patch row from a zero-padded group-major heap copy of x) + one GEMM per group, each
     * writing its own columns.
     */
    private void positional(Floats x, long offset, int frames, int hidden, Scratch s) {
        Conv1d conv = positionalConv;
        int groups = conv.kernels().length;
        int perGroup = hidden / groups;
        int k = conv.kernel();
        int pad = conv.padding();
        int outFrames = conv.outputFrames(frames);
        int padded = frames + 2 * pad;
        float[] input = s.heap(Scratch.HEAP_INPUT, frames * hidden);
        x.get(offset, input, frames * hidden);
        float[] groupMajor = s.heap(Scratch.HEAP_GROUPS, groups * padded * perGroup);
        java.util.Arrays.fill(groupMajor, 0, groups * padded * perGroup, 0f);
        for (int t = 0; t < frames; t++) {
            for (int g = 0; g < groups; g++) {
                System.arraycopy(input, t * hidden + g * perGroup, groupMajor, (g * padded + t + pad) * perGroup, perGroup);
            }
        }
        int width = k * perGroup;
        Floats patches = s.get(Scratch.PATCHES, (long) outFrames * width);
        Floats conved = s.get(Scratch.B, (long) outFrames * hidden);
        for (int g = 0; g < groups; g++) {
            for (int t = 0; t < outFrames; t++) {
                patches.put((long) t * width, groupMajor, (g * padded + t * conv.stride()) * perGroup, width);
            }
            gemm(outFrames, perGroup, width, patches.at(0), width, pointer(conv.kernels()[g]), perGroup, false, 0f,
                    conved.at((long) g * perGroup), hidden);
        }
        float[] row = s.row(hidden);
        for (int t = 0; t < Math.min(frames, outFrames); t++) {
            conved.get((long) t * hidden, row, hidden);
            addInto(row, positionalBias, hidden);
            FastErf.gelu(row, 0, hidden, 0.5f);
            int base = t * hidden;
            for (int c = 0; c < hidden; c++) {
                row[c] += input[base + c];
            }
            x.put(offset + base, row, hidden);
        }
    }

    /** One transformer layer, x [batch * frames, hidden] to y (a different buffer). */
    private void layer(Layer l, Floats x, Floats y, int batch, int frames, int[] realFrames, Scratch s) {
        int h = config.hiddenSize();
        int rows = batch * frames;
        Floats qkv = s.get(Scratch.QKV, (long) rows * 3 * h);
        Floats context = s.get(Scratch.CONTEXT, (long) rows * h);
        if (l.preNorm()) {
            Floats normed = s.get(Scratch.A, (long) rows * h);
            rowsNorm(x, normed, rows, h, l.norm(), s);
            dense(normed, rows, l.qkv(), qkv, null, s);
            attention(qkv, context, batch, frames, h, l.heads(), realFrames, s);
            dense(context, rows, l.out(), y, x, s); // y = x + attention
            rowsNorm(y, normed, rows, h, l.finalNorm(), s);
            feedForward(l, normed, rows, y, y, s); // y += feed-forward
            return;
        }
        dense(x, rows, l.qkv(), qkv, null, s);
        attention(qkv, context, batch, frames, h, l.heads(), realFrames, s);
        dense(context, rows, l.out(), y, x, s); // y = x + attention
        rowsNorm(y, y, rows, h, l.norm(), s);
        Floats sum = s.get(Scratch.A, (long) rows * h);
        feedForward(l, y, rows, sum, y, s); // sum = y + feed-forward
        rowsNorm(sum, y, rows, h, l.finalNorm(), s);
    }

    /** out = residual + output(2 GELU(intermediate(in))) (output's weights are halved at load); out may be residual. */
    private static void feedForward(Layer l, Floats in, int rows, Floats out, Floats residual, Scratch s) {
        long size = (long) rows * l.intermediate().out();
        Floats inner = s.get(Scratch.FFN, size);
        dense(in, rows, l.intermediate(), inner, null, s);
        geluAll(inner, size, s);
        dense(inner, rows, l.output(), out, residual, s);
    }

    /**
     * Scaled dot-product attention per (utterance, head) on the fused projection qkv [rows, 3 * hidden] (query
     * scale folded into its weights), into context [rows, hidden]; keys beyond an utterance's real frames are left
     * out (their softmax weight would be exactly 0).
     */
    private static void attention(Floats qkv, Floats context, int batch, int frames, int hidden, int heads,
                                  int[] realFrames, Scratch s) {
        int headDim = hidden / heads;
        int ld = 3 * hidden;
        Floats scores = s.get(Scratch.SCORES, (long) frames * frames);
        for (int b = 0; b < batch; b++) {
            int keys = realFrames[b];
            long base = (long) b * frames * ld;
            for (int head = 0; head < heads; head++) {
                long q = base + (long) head * headDim;
                gemm(frames, keys, headDim, qkv.at(q), ld, qkv.at(q + hidden), ld, true, 0f, scores.at(0), keys);
                softmaxRows(scores, frames, keys, s);
                gemm(frames, headDim, keys, scores.at(0), keys, qkv.at(q + 2L * hidden), ld, false, 0f,
                        context.at((long) b * frames * hidden + (long) head * headDim), hidden);
            }
        }
    }

    private static void softmaxRows(Floats scores, int rows, int cols, Scratch s) {
        float[] row = s.row(cols);
        for (int r = 0; r < rows; r++) {
            long at = (long) r * cols;
            scores.get(at, row, cols);
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, row[c]);
            }
            float sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(row[c] - max);
                row[c] = e;
                sum += e;
            }
            float inv = 1 / sum;
            for (int c = 0; c < cols; c++) {
                row[c] *= inv;
            }
            scores.put(at, row, cols);
        }
    }

    /**
     * y[rows, out] = x[rows, in] W^T + b (+ residual[rows, out] when not null; residual may be y itself): y is
     * first filled with b + residual row by row, then the GEMM accumulates onto it.
     */
    private static void dense(Floats x, int rows, Dense d, Floats y, Floats residual, Scratch s) {
        float[] row = s.row(d.out());
        for (int r = 0; r < rows; r++) {
            long at = (long) r * d.out();
            if (residual == null) {
                y.put(at, d.bias(), d.out());
            } else {
                residual.get(at, row, d.out());
                addInto(row, d.bias(), d.out());
                y.put(at, row, d.out());
            }
        }
        gemm(rows, d.out(), d.in(), x.at(0), d.in(), d.weightT(), d.out(), false, 1f, y.at(0), d.out());
    }

    /** Layer norm of each row of src into dst (may be the same buffer). */
    private static void rowsNorm(Floats src, Floats dst, int rows, int cols, Norm n, Scratch s) {
        float[] row = s.row(cols);
        for (int r = 0; r < rows; r++) {
            src.get((long) r * cols, row, cols);
            normalize(row, cols, n);
            dst.put((long) r * cols, row, cols);
        }
    }

    /** Layer norm in place: biased variance, eps inside the square root (PyTorch's). */
    private static void normalize(float[] row, int cols, Norm n) {
        float sum = 0;
        for (int c = 0; c < cols; c++) {
            sum += row[c];
        }
        float mean = sum / cols;
        float sq = 0;
        for (int c = 0; c < cols; c++) {
            float d = row[c] - mean;
            sq += d * d;
        }
        float inv = (float) (1 / Math.sqrt(sq / cols + n.eps()));
        float[] gain = n.gain();
        float[] bias = n.bias();
        for (int c = 0; c < cols; c++) {
            row[c] = (row[c] - mean) * inv * gain[c] + bias[c];
        }
    }

    /** 2 GELU in place over the first n elements (the next layer's weights are halved). */
    private static void geluAll(Floats x, long n, Scratch s) {
        int chunk = 8192;
        float[] buf = s.row(chunk);
        for (long at = 0; at < n; at += chunk) {
            int len = (int) Math.min(chunk, n - at);
            x.get(at, buf, len);
            FastErf.gelu(buf, 0, len, 1f);
            x.put(at, buf, len);
        }
    }

    private static void addInto(float[] row, float[] add, int n) {
        for (int c = 0; c < n; c++) {
            row[c] += add[c];
        }
    }

    /** C[m, n] = A[m, k] B[k, n] (B stored [n, k] when transB) + beta C; row-major, leading dimensions given. */
    private static void gemm(int m, int n, int k, FloatPointer a, int lda, FloatPointer b, int ldb, boolean transB,
                             float beta, FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, 1f, a, lda, b, ldb,
                beta, c, ldc);
    }

    /** x's first element as a native pointer (x must be a float array on the CPU backend). */
    private static FloatPointer pointer(INDArray x) {
        if (x.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("float arrays only, not " + x.dataType());
        }
        Pointer p = x.data().addressPointer();
        return new FloatPointer(p).position(p.position() + x.offset());
    }

    private static FloatPointer offset(FloatPointer p, long elements) {
        return new FloatPointer(p).position(p.position() + elements);
    }

    /** Native floats: a pointer for OpenBLAS and a buffer view for bulk copies to and from the heap. */
    private record Floats(FloatPointer base, FloatBuffer view, INDArray owner) {
        static Floats of(INDArray a) {
            FloatPointer p = pointer(a);
            return new Floats(p, p.capacity(p.position() + a.length()).limit(p.position() + a.length()).asBuffer(), a);
        }

        static Floats allocate(long n) {
            FloatPointer p = new FloatPointer(n);
            return new Floats(p, p.asBuffer(), null);
        }

        FloatPointer at(long offset) {
            return CpuEncoder.offset(base, offset);
        }

        void get(long at, float[] dst, int n) {
            view.get(Math.toIntExact(at), dst, 0, n);
        }

        void put(long at, float[] src, int n) {
            view.put(Math.toIntExact(at), src, 0, n);
        }

        void put(long at, float[] src, int from, int n) {
            view.put(Math.toIntExact(at), src, from, n);
        }

        long capacity() {
            return view.capacity();
        }
    }

    /** Per-thread buffers, grown on demand and kept for the next call. */
    private static final class Scratch {
        static final int A = 0;
        static final int B = 1;
        static final int QKV = 2;
        static final int CONTEXT = 3;
        static final int FFN = 4;
        static final int SCORES = 5;
        static final int PATCHES = 6;
        static final int CONV_IN = 7;
        static final int CONV_B = 8;
        static final int CONV_C = 9;
        static final int HEAP_INPUT = 0;
        static final int HEAP_GROUPS = 1;

        private final Floats[] buffers = new Floats[10];
        private final float[][] heaps = new float[2][];
        private float[] row = new float[0];

        Floats get(int slot, long n) {
            Floats f = buffers[slot];
            if (f == null || f.capacity() < n) {
                if (f != null) {
                    f.base().deallocate();
                }
                f = Floats.allocate(Math.max(n, 1));
                buffers[slot] = f;
            }
            return f;
        }

        float[] heap(int slot, int n) {
            if (heaps[slot] == null || heaps[slot].length < n) {
                heaps[slot] = new float[n];
            }
            return heaps[slot];
        }

        float[] row(int n) {
            if (row.length < n) {
                row = new float[n];
            }
            return row;
        }
    }
}
