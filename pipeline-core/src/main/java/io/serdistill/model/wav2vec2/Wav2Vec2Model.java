package io.serdistill.model.wav2vec2;

import com.fasterxml.jackson.databind.JsonNode;
import io.serdistill.json.Json;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.SafeTensorsFile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A frozen wav2vec 2.0 encoder (Hugging Face {@code Wav2Vec2Model} semantics) for inference with plain ND4J ops:
 * conv feature encoder, feature projection, convolutional positional embedding, transformer (post-LN or pre-LN),
 * returning the hidden states of every layer. Input: 16 kHz mono waveforms as floats in [-1, 1], normalised the
 * way the checkpoint expects (zero mean / unit variance per utterance for models whose feature extractor has
 * {@code do_normalize}; the caller does that). Output frames: one per 320 samples (20 ms) with the standard strides.
 *
 * <p>Padded batches: padding samples must be zeros (the conv stack sees them, as in Hugging Face and torchaudio;
 * for group-norm models the first layer's statistics include them, which is why such models are best run one
 * utterance or length-sorted batches at a time). Projected features of padding frames are zeroed and attention
 * never looks at them.
 *
 * <p>On ND4J's CPU backend the pass runs through {@link CpuEncoder} (direct OpenBLAS GEMMs, fused element-wise
 * passes; same results to float rounding; 2-3x faster, see docs/benchmarks.md); on other backends, or with
 * {@code -Dserdistill.wav2vec2.fused=false}, through the plain ND4J ops below.
 *
 * <p>Immutable after loading; {@link #forward} may be called from several threads (ND4J itself uses a thread pool
 * per op). Gradients are not available: this is the frozen-feature path; {@link Wav2Vec2FineTuneModel} is the
 * trainable counterpart of everything after the CNN, fed by {@link #featureEncoder}.
 */
public final class Wav2Vec2Model {
    private static final double MASKED = -1e9;
    /**
     * Intermediates of a forward pass live in a per-thread workspace reused across calls: without it every pass
     * leaves ~1 GB (batch 8, 4 s) of off-heap garbage that only a Java GC frees, and the process outgrows its memory.
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyLearning(LearningPolicy.OVER_TIME)
            .cyclesBeforeInitialization(1)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    private static final String WORKSPACE_ID = "wav2vec2-forward";

    private final Wav2Vec2Config config;
    private final Conv1d[] convs;
    private final LayerNorm[] convNorms; // null entries where a conv layer has no norm
    private final LayerNorm projectionNorm;
    private final Linear projection;
    private final Conv1d positionalConv;
    private final LayerNorm encoderNorm;
    private final EncoderLayer[] layers;
    /** The fused CPU path ({@link CpuEncoder}); null on other backends or with -Dserdistill.wav2vec2.fused=false. */
    private final CpuEncoder cpu;

    private Wav2Vec2Model(Wav2Vec2Config config, CheckpointTensors t) throws IOException {
        this.config = config;
        double eps = config.layerNormEps();
        int n = config.convDim().size();
        convs = new Conv1d[n];
        convNorms = new LayerNorm[n];
        int in = 1;
        for (int i = 0; i < n; i++) {
            String p = "feature_extractor.conv_layers." + i + ".";
            int out = config.convDim().get(i);
            INDArray w = t.get(p + "conv.weight", out, in, config.convKernel().get(i));
            INDArray b = config.convBias() ? t.get(p + "conv.bias", out) : null;
            // Layers after the first read 2 GELU of the previous one (Gelu.applyDoubledInPlace): halved weights.
            convs[i] = Conv1d.of(i == 0 ? w : w.mul(0.5), b, 1, config.convStride().get(i), 0, false);
            if (config.featExtractNorm() == Wav2Vec2Config.FeatExtractNorm.LAYER || i == 0) {
                // PyTorch's GroupNorm and LayerNorm default eps, not layer_norm_eps.
                convNorms[i] = LayerNorm.of(t.get(p + "layer_norm.weight", out), t.get(p + "layer_norm.bias", out), 1e-5);
            }
            in = out;
        }
        int f = config.featureDim();
        int h = config.hiddenSize();
        projectionNorm = LayerNorm.of(t.get("feature_projection.layer_norm.weight", f),
                t.get("feature_projection.layer_norm.bias", f), eps);
        projection = Linear.of(t.get("feature_projection.projection.weight", h, f), t.get("feature_projection.projection.bias", h));
        int k = config.numConvPosEmbeddings();
        int groups = config.numConvPosEmbeddingGroups();
        positionalConv = Conv1d.of(positionalWeight(t, h, h / groups, k), t.get("encoder.pos_conv_embed.conv.bias", h),
                groups, 1, k / 2, k % 2 == 0);
        encoderNorm = LayerNorm.of(t.get("encoder.layer_norm.weight", h), t.get("encoder.layer_norm.bias", h), eps);
        layers = new EncoderLayer[config.numHiddenLayers()];
        int ffn = config.intermediateSize();
        for (int i = 0; i < layers.length; i++) {
            String p = "encoder.layers." + i + ".";
            SelfAttention attention = SelfAttention.of(linear(t, p + "attention.q_proj", h, h),
                    linear(t, p + "attention.k_proj", h, h), linear(t, p + "attention.v_proj", h, h),
                    linear(t, p + "attention.out_proj", h, h), config.numAttentionHeads());
            layers[i] = new EncoderLayer(attention, layerNorm(t, p + "layer_norm", h, eps),
                    linear(t, p + "feed_forward.intermediate_dense", ffn, h), halved(linear(t, p + "feed_forward.output_dense", h, ffn)),
                    layerNorm(t, p + "final_layer_norm", h, eps), config.doStableLayerNorm());
        }
        cpu = CpuEncoder.supported() && !"false".equals(System.getProperty("serdistill.wav2vec2.fused"))
                ? new CpuEncoder(config, convs, convNorms, projectionNorm, projection, positionalConv, encoderNorm, layers)
                : null;
    }

    /**
     * Reads {@code config.json} and {@code model.safetensors} (or the shards named by
     * {@code model.safetensors.index.json}) from a Hugging Face model directory. Pickle-based weights
     * ({@code pytorch_model.bin}, *.pt, *.pth, *.ckpt) are refused: loading them can run arbitrary code.
     */
    public static Wav2Vec2Model load(Path dir) throws IOException {
        try (Checkpoint c = readCheckpoint(dir)) {
            return new Wav2Vec2Model(c.config(), c.tensors());
        }
    }

    /**
     * A Hugging Face model directory's config and its tensors, opened (headers validated) but not yet read; closing
     * it releases the weight files.
     */
    record Checkpoint(Wav2Vec2Config config, String configJson, CheckpointTensors tensors) implements Closeable {
        @Override
        public void close() throws IOException {
            tensors.close();
        }
    }

    /**
     * The reading half of {@link #load}, shared with {@link Wav2Vec2FineTuneModel#load}: weight files are memory
     * mapped tensor by tensor ({@link SafeTensorsFile}), so checkpoints over 2 GB load.
     */
    static Checkpoint readCheckpoint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a directory (expected a Hugging Face model directory with config.json"
                    + " and model.safetensors)");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IOException(dir + ": no config.json");
        }
        String configJson = Files.readString(configFile, StandardCharsets.UTF_8);
        Wav2Vec2Config config = Wav2Vec2Config.parse(configJson, configFile.toString());
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(single)) {
            return new Checkpoint(config, configJson,
                    CheckpointTensors.of(List.of(SafeTensorsFile.open(single)), single.toString()));
        }
        if (Files.isRegularFile(index)) {
            List<SafeTensorsFile> files = new ArrayList<>();
            try {
                for (String shard : shards(index)) {
                    Path file = dir.resolve(shard).normalize();
                    if (!file.startsWith(dir.normalize())) {
                        throw new IOException(index + ": shard '" + shard + "' lies outside the model directory");
                    }
                    files.add(SafeTensorsFile.open(file));
                }
            } catch (IOException | RuntimeException e) {
                for (SafeTensorsFile f : files) {
                    f.close();
                }
                throw e;
            }
            return new Checkpoint(config, configJson, CheckpointTensors.of(files, index.toString()));
        }
        List<String> pickles = pickleFiles(dir);
        if (!pickles.isEmpty()) {
            throw new IOException(dir + ": holds only PyTorch pickle weights " + pickles + " and no model.safetensors."
                    + " ser-distill never loads pickle files (unpickling can run arbitrary code). Convert once, in an"
                    + " environment you trust, e.g. python3 -c \"from transformers import Wav2Vec2Model as M;"
                    + " M.from_pretrained('DIR').save_pretrained('OUT', safe_serialization=True)\"");
        }
        throw new IOException(dir + ": no model.safetensors (nor model.safetensors.index.json)");
    }

    /** A model from already-read tensors named as in Hugging Face's Wav2Vec2Model (optionally "wav2vec2."-prefixed). */
    public static Wav2Vec2Model fromTensors(Wav2Vec2Config config, Map<String, SafeTensors.Tensor> tensors, String source)
            throws IOException {
        return new Wav2Vec2Model(config, CheckpointTensors.of(tensors, source));
    }

    /**
     * Every parameter this model reads and its shape, Hugging Face names without prefix (positional conv as
     * {@code weight_g} / {@code weight_v}). Useful to build a randomly initialised model of a given size.
     */
    public static Map<String, long[]> parameterShapes(Wav2Vec2Config config) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long in = 1;
        for (int i = 0; i < config.convDim().size(); i++) {
            String p = "feature_extractor.conv_layers." + i + ".";
            long out = config.convDim().get(i);
            s.put(p + "conv.weight", new long[] {out, in, config.convKernel().get(i)});
            if (config.convBias()) {
                s.put(p + "conv.bias", new long[] {out});
            }
            if (config.featExtractNorm() == Wav2Vec2Config.FeatExtractNorm.LAYER || i == 0) {
                s.put(p + "layer_norm.weight", new long[] {out});
                s.put(p + "layer_norm.bias", new long[] {out});
            }
            in = out;
        }
        long f = config.featureDim();
        long h = config.hiddenSize();
        long ffn = config.intermediateSize();
        s.put("feature_projection.layer_norm.weight", new long[] {f});
        s.put("feature_projection.layer_norm.bias", new long[] {f});
        s.put("feature_projection.projection.weight", new long[] {h, f});
        s.put("feature_projection.projection.bias", new long[] {h});
        int k = config.numConvPosEmbeddings();
        s.put("encoder.pos_conv_embed.conv.weight_g", new long[] {1, 1, k});
        s.put("encoder.pos_conv_embed.conv.weight_v", new long[] {h, h / config.numConvPosEmbeddingGroups(), k});
        s.put("encoder.pos_conv_embed.conv.bias", new long[] {h});
        s.put("encoder.layer_norm.weight", new long[] {h});
        s.put("encoder.layer_norm.bias", new long[] {h});
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                s.put(p + "attention." + proj + ".weight", new long[] {h, h});
                s.put(p + "attention." + proj + ".bias", new long[] {h});
            }
            s.put(p + "layer_norm.weight", new long[] {h});
            s.put(p + "layer_norm.bias", new long[] {h});
            s.put(p + "feed_forward.intermediate_dense.weight", new long[] {ffn, h});
            s.put(p + "feed_forward.intermediate_dense.bias", new long[] {ffn});
            s.put(p + "feed_forward.output_dense.weight", new long[] {h, ffn});
            s.put(p + "feed_forward.output_dense.bias", new long[] {h});
            s.put(p + "final_layer_norm.weight", new long[] {h});
            s.put(p + "final_layer_norm.bias", new long[] {h});
        }
        return s;
    }

    public Wav2Vec2Config config() {
        return config;
    }

    /** Whether {@link #forward} takes the fused CPU path ({@link CpuEncoder}) rather than plain ND4J ops. */
    boolean fused() {
        return cpu != null;
    }

    /** Forward pass over utterances of any lengths (samples at 16 kHz); they are zero-padded to the longest. */
    public Wav2Vec2Output forward(List<float[]> waveforms) {
        int longest = 0;
        for (float[] w : waveforms) {
            longest = Math.max(longest, w.length);
        }
        INDArray batch = Nd4j.zeros(DataType.FLOAT, waveforms.size(), longest);
        int[] lengths = new int[waveforms.size()];
        for (int b = 0; b < lengths.length; b++) {
            lengths[b] = waveforms.get(b).length;
            if (lengths[b] > 0) {
                batch.get(NDArrayIndex.point(b), NDArrayIndex.interval(0, lengths[b])).assign(Nd4j.createFromArray(waveforms.get(b)));
            }
        }
        return forward(batch, lengths);
    }

    /**
     * Forward pass over a zero-padded batch.
     *
     * @param waveforms [B, samples], float
     * @param lengths   real samples of each utterance
     */
    public Wav2Vec2Output forward(INDArray waveforms, int[] lengths) {
        return forward(waveforms, lengths, cpu != null);
    }

    /** {@link #forward(INDArray, int[])} through the fused CPU path or the plain ND4J ops (tests compare the two). */
    Wav2Vec2Output forward(INDArray waveforms, int[] lengths, boolean fused) {
        int[] realFrames = realFrames(waveforms, lengths);
        if (fused) {
            if (cpu == null) {
                throw new IllegalStateException("the fused CPU path needs ND4J's CPU backend");
            }
            return cpu.forward(waveforms, realFrames);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            return forwardInWorkspace(waveforms, realFrames);
        }
    }

    /** Real frames of each utterance of a padded batch; lengths must lie in [0, samples] and give a frame. */
    private int[] realFrames(INDArray waveforms, int[] lengths) {
        int batch = (int) waveforms.size(0);
        int samples = (int) waveforms.size(1);
        if (lengths.length != batch) {
            throw new IllegalArgumentException(lengths.length + " lengths for a batch of " + batch);
        }
        int[] realFrames = new int[batch];
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 0 || lengths[b] > samples) {
                throw new IllegalArgumentException("length " + lengths[b] + " of utterance " + b + " is outside [0, " + samples + "]");
            }
            realFrames[b] = config.frames(lengths[b]);
            if (realFrames[b] == 0) {
                throw new IllegalArgumentException("utterance " + b + " has " + lengths[b] + " samples, too short for"
                        + " one frame (" + minimumSamples() + " samples needed)");
            }
        }
        return realFrames;
    }

    /** The forward pass with plain ND4J ops; everything it returns is detached from the workspace. */
    private Wav2Vec2Output forwardInWorkspace(INDArray waveforms, int[] realFrames) {
        int batch = (int) waveforms.size(0);
        int samples = (int) waveforms.size(1);
        int frames = config.frames(samples);
        int f = config.featureDim();
        int h = config.hiddenSize();
        INDArray features = Nd4j.createUninitialized(DataType.FLOAT, batch, frames, f); // every slice assigned below
        for (int b = 0; b < batch; b++) {
            features.slice(b).assign(convFeatures(waveforms.getRow(b).dup().reshape(samples, 1)));
        }
        INDArray x = projection.apply(projectionNorm.apply(features.reshape((long) batch * frames, f)));
        INDArray keyMask = null;
        for (int b = 0; b < batch; b++) {
            if (realFrames[b] < frames) {
                if (keyMask == null) {
                    keyMask = Nd4j.zeros(DataType.FLOAT, batch, frames);
                }
                x.get(NDArrayIndex.interval((long) b * frames + realFrames[b], (long) (b + 1) * frames), NDArrayIndex.all()).assign(0);
                keyMask.get(NDArrayIndex.point(b), NDArrayIndex.interval(realFrames[b], frames)).assign(MASKED);
            }
        }
        for (int b = 0; b < batch; b++) {
            INDArray rows = x.get(NDArrayIndex.interval((long) b * frames, (long) (b + 1) * frames), NDArrayIndex.all());
            rows.addi(Gelu.applyInPlace(positionalConv.apply(rows)));
        }
        if (!config.doStableLayerNorm()) {
            x = encoderNorm.apply(x);
        }
        List<INDArray> states = new ArrayList<>(layers.length + 1);
        states.add(x.reshape(batch, frames, h).detach());
        for (int i = 0; i < layers.length; i++) {
            x = layers[i].apply(x, batch, frames, keyMask);
            INDArray state = config.doStableLayerNorm() && i == layers.length - 1 ? encoderNorm.apply(x) : x;
            states.add(state.reshape(batch, frames, h).detach());
        }
        return new Wav2Vec2Output(states, features.detach(), realFrames);
    }

    /**
     * The frozen conv feature encoder alone, one utterance at a time: for each waveform (16 kHz samples, normalised
     * as for {@link #forward}) its CNN frames [frames, conv_dim[-1]] (512 for released models), one per 20 ms.
     * These are the inputs of {@link Wav2Vec2FineTuneModel}: the CNN is frozen during fine-tuning, so its output
     * can be computed once and cached like any other feature. Unlike a padded {@link #forward} batch, no padding
     * samples ever reach the CNN (for group-norm models, whose first layer normalises over time, that matters).
     */
    public List<INDArray> featureEncoder(List<float[]> waveforms) {
        List<INDArray> out = new ArrayList<>(waveforms.size());
        for (int i = 0; i < waveforms.size(); i++) {
            float[] w = waveforms.get(i);
            if (config.frames(w.length) == 0) {
                throw new IllegalArgumentException("utterance " + i + " has " + w.length + " samples, too short for"
                        + " one frame (" + minimumSamples() + " samples needed)");
            }
            if (cpu != null) {
                out.add(cpu.featureEncoder(w));
                continue;
            }
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
                out.add(convFeatures(Nd4j.createFromArray(w).reshape(w.length, 1)).detach());
            }
        }
        return out;
    }

    /**
     * Hugging Face's {@code Wav2Vec2FeatureExtractor} normalisation for checkpoints with {@code do_normalize = true}
     * (wav2vec2-base, large-lv60, XLS-R): (x - mean) / sqrt(var + 1e-7) over the utterance's own samples, before
     * any padding. Returns a new array.
     */
    public static float[] normalizeWaveform(float[] samples) {
        double mean = 0;
        for (float v : samples) {
            mean += v;
        }
        mean /= Math.max(1, samples.length);
        double var = 0;
        for (float v : samples) {
            var += (v - mean) * (v - mean);
        }
        var /= Math.max(1, samples.length);
        double scale = 1 / Math.sqrt(var + 1e-7);
        float[] out = new float[samples.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) ((samples[i] - mean) * scale);
        }
        return out;
    }

    /** Receptive field of one output frame, in samples (400 for the standard conv stack). */
    public int minimumSamples() {
        int n = 1;
        for (int i = config.convKernel().size() - 1; i >= 0; i--) {
            n = (n - 1) * config.convStride().get(i) + config.convKernel().get(i);
        }
        return n;
    }

    /** The conv feature encoder on one utterance: [samples, 1] to [frames, conv_dim[-1]]. */
    private INDArray convFeatures(INDArray x) {
        for (int i = 0; i < convs.length; i++) {
            x = convs[i].apply(x);
            if (convNorms[i] != null) {
                x = config.featExtractNorm() == Wav2Vec2Config.FeatExtractNorm.GROUP
                        ? convNorms[i].applyOverTime(x) : convNorms[i].apply(x);
            }
            if (i < convs.length - 1) {
                Gelu.applyDoubledInPlace(x); // the next layer's weights are halved
            } else {
                Gelu.applyInPlace(x);
            }
        }
        return x;
    }

    /**
     * The positional conv's weight [out, in / groups, kernel]: g * v / ||v|| from {@link #positionalGV}, the norm
     * taken over dims 0 and 1 for each kernel tap (weight norm along dim 2).
     */
    private static INDArray positionalWeight(CheckpointTensors t, int out, int inPerGroup, int kernel) throws IOException {
        INDArray[] gv = positionalGV(t, out, inPerGroup, kernel);
        INDArray v = gv[1];
        INDArray norm = Transforms.sqrt(v.mul(v).sum(0, 1), false); // [kernel]
        INDArray scale = gv[0].reshape(kernel).div(norm).reshape(1, kernel);
        INDArray w = v.reshape((long) out * inPerGroup, kernel).mulRowVector(scale);
        return w.reshape(out, inPerGroup, kernel);
    }

    /**
     * g [1, 1, k] and v [out, in / groups, k] of the positional conv. Checkpoints store it weight-normalised along
     * dim 2; older Hugging Face names g and v {@code weight_g} / {@code weight_v}, newer
     * {@code parametrizations.weight.original0 / 1}; an already folded {@code weight} w is accepted too, as
     * v = w, g = ||w|| per tap.
     */
    static INDArray[] positionalGV(CheckpointTensors t, int out, int inPerGroup, int k) throws IOException {
        String p = "encoder.pos_conv_embed.conv.";
        if (t.has(p + "weight_g")) {
            return new INDArray[] {t.get(p + "weight_g", 1, 1, k), t.get(p + "weight_v", out, inPerGroup, k)};
        }
        if (t.has(p + "parametrizations.weight.original0")) {
            return new INDArray[] {t.get(p + "parametrizations.weight.original0", 1, 1, k),
                    t.get(p + "parametrizations.weight.original1", out, inPerGroup, k)};
        }
        INDArray w = t.get(p + "weight", out, inPerGroup, k);
        return new INDArray[] {Transforms.sqrt(w.mul(w).sum(true, 0, 1), false), w};
    }

    private static Linear linear(CheckpointTensors t, String name, int out, int in) throws IOException {
        return Linear.of(t.get(name + ".weight", out, in), t.get(name + ".bias", out));
    }

    /** The same map on 2x its input (for a layer fed {@link Gelu#applyDoubledInPlace}); halving is exact. */
    private static Linear halved(Linear l) {
        return new Linear(l.weightT().mul(0.5), l.bias());
    }

    private static LayerNorm layerNorm(CheckpointTensors t, String name, int dim, double eps) throws IOException {
        return LayerNorm.of(t.get(name + ".weight", dim), t.get(name + ".bias", dim), eps);
    }

    private static List<String> shards(Path index) throws IOException {
        String text = Files.readString(index, StandardCharsets.UTF_8);
        JsonNode map;
        try {
            map = Json.object(text).path("weight_map");
        } catch (IOException e) {
            throw new IOException(index + ": no readable weight_map: " + e.getMessage(), e);
        }
        if (!map.isObject()) {
            throw new IOException(index + ": no readable weight_map: expected an object of tensor name to file name");
        }
        TreeSet<String> files = new TreeSet<>();
        for (JsonNode file : map) {
            if (!file.isTextual()) {
                throw new IOException(index + ": no readable weight_map: file name " + file + " is not a string");
            }
            files.add(file.textValue());
        }
        return new ArrayList<>(files);
    }

    private static List<String> pickleFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".ckpt"))
                    .sorted().toList();
        }
    }
}
