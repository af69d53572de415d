package io.serdistill.model.wav2vec2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture of a wav2vec 2.0 encoder, as in a Hugging Face {@code config.json} (same key names, snake case
 * there). Keys absent from the file take Hugging Face's defaults. Only what inference needs is kept; dropout and
 * masking keys are ignored.
 *
 * @param convDim     output channels of each feature-encoder conv layer (512 for every released model)
 * @param convKernel  kernel of each conv layer, in samples for layer 0 and frames after
 * @param convStride  stride of each conv layer; their product is the frame hop in samples (320 = 20 ms at 16 kHz)
 * @param featExtractNorm "group": group norm (one group per channel) after the first conv only (wav2vec2-base);
 *                    "layer": layer norm over channels after every conv (large-lv60, XLS-R)
 * @param doStableLayerNorm true: pre-LN transformer with a final encoder LayerNorm; false: post-LN with the encoder
 *                    LayerNorm applied before the first layer
 */
public record Wav2Vec2Config(
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        List<Integer> convDim,
        List<Integer> convKernel,
        List<Integer> convStride,
        FeatExtractNorm featExtractNorm,
        boolean doStableLayerNorm,
        int numConvPosEmbeddings,
        int numConvPosEmbeddingGroups,
        double layerNormEps,
        boolean convBias) {

    /** Normalisation in the conv feature encoder ({@code feat_extract_norm}). */
    public enum FeatExtractNorm {
        GROUP, LAYER
    }

    public Wav2Vec2Config {
        convDim = List.copyOf(convDim);
        convKernel = List.copyOf(convKernel);
        convStride = List.copyOf(convStride);
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("intermediate_size", intermediateSize);
        positive("num_conv_pos_embeddings", numConvPosEmbeddings);
        positive("num_conv_pos_embedding_groups", numConvPosEmbeddingGroups);
        if (convDim.isEmpty() || convDim.size() != convKernel.size() || convDim.size() != convStride.size()) {
            throw new IllegalArgumentException("conv_dim, conv_kernel and conv_stride must be non-empty and of equal"
                    + " length, got " + convDim.size() + ", " + convKernel.size() + ", " + convStride.size());
        }
        for (int i = 0; i < convDim.size(); i++) {
            positive("conv_dim[" + i + "]", convDim.get(i));
            positive("conv_kernel[" + i + "]", convKernel.get(i));
            positive("conv_stride[" + i + "]", convStride.get(i));
        }
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numAttentionHeads);
        }
        if (hiddenSize % numConvPosEmbeddingGroups != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize
                    + " is not divisible by num_conv_pos_embedding_groups " + numConvPosEmbeddingGroups);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        }
    }

    /** Channels of the conv feature encoder's output (input of the feature projection). */
    public int featureDim() {
        return convDim.get(convDim.size() - 1);
    }

    /** Encoder frames produced from {@code samples} input samples (0 when too short for the first kernel). */
    public int frames(int samples) {
        long n = samples;
        for (int i = 0; i < convKernel.size(); i++) {
            n = n < convKernel.get(i) ? 0 : (n - convKernel.get(i)) / convStride.get(i) + 1;
        }
        return (int) n;
    }

    /** Reads {@code config.json}; errors name the file and the offending key. */
    public static Wav2Vec2Config load(Path configJson) throws IOException {
        return parse(Files.readString(configJson, StandardCharsets.UTF_8), configJson.toString());
    }

    /** Parses a Hugging Face wav2vec2 config; {@code source} names the file in errors. */
    public static Wav2Vec2Config parse(String json, String source) throws IOException {
        ObjectNode o;
        try {
            o = Json.object(json);
        } catch (IOException e) {
            throw new IOException(source + ": not a JSON object: " + e.getMessage(), e);
        }
        try {
            requireValue(o, "model_type", "wav2vec2", source);
            requireValue(o, "hidden_act", "gelu", source);
            requireValue(o, "feat_extract_activation", "gelu", source);
            if (value(o, "adapter_attn_dim") != null) {
                throw new IOException(source + ": adapter_attn_dim (MMS attention adapters) is not supported");
            }
            if (bool(o, "conv_pos_batch_norm", false)) {
                throw new IOException(source + ": conv_pos_batch_norm = true is not supported");
            }
            String norm = string(o, "feat_extract_norm", "group");
            FeatExtractNorm featNorm = switch (norm) {
                case "group" -> FeatExtractNorm.GROUP;
                case "layer" -> FeatExtractNorm.LAYER;
                default -> throw new IOException(source + ": feat_extract_norm = '" + norm
                        + "' is not supported; expected 'group' or 'layer'");
            };
            return new Wav2Vec2Config(
                    integer(o, "hidden_size", 768),
                    integer(o, "num_hidden_layers", 12),
                    integer(o, "num_attention_heads", 12),
                    integer(o, "intermediate_size", 3072),
                    ints(o, "conv_dim", List.of(512, 512, 512, 512, 512, 512, 512)),
                    ints(o, "conv_kernel", List.of(10, 3, 3, 3, 3, 2, 2)),
                    ints(o, "conv_stride", List.of(5, 2, 2, 2, 2, 2, 2)),
                    featNorm,
                    bool(o, "do_stable_layer_norm", false),
                    integer(o, "num_conv_pos_embeddings", 128),
                    integer(o, "num_conv_pos_embedding_groups", 16),
                    number(o, "layer_norm_eps", 1e-5),
                    bool(o, "conv_bias", false));
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }

    private static void requireValue(ObjectNode o, String key, String expected, String source) throws IOException {
        JsonNode e = value(o, key);
        if (e != null && !expected.equals(text(e, key))) {
            throw new IOException(source + ": " + key + " = '" + text(e, key) + "' is not supported;"
                    + " expected '" + expected + "'");
        }
    }

    private static JsonNode value(ObjectNode o, String key) {
        JsonNode e = o.get(key);
        return e == null || e.isNull() ? null : e;
    }

    private static int integer(ObjectNode o, String key, int fallback) {
        JsonNode e = value(o, key);
        if (e == null) {
            return fallback;
        }
        double d = asNumber(e, key);
        if (d != Math.rint(d)) {
            throw new IllegalArgumentException(key + " must be an integer, got " + e);
        }
        return (int) d;
    }

    private static double number(ObjectNode o, String key, double fallback) {
        JsonNode e = value(o, key);
        return e == null ? fallback : asNumber(e, key);
    }

    private static double asNumber(JsonNode e, String key) {
        if (!e.isNumber()) {
            throw new IllegalArgumentException(key + " must be a number, got " + e);
        }
        return e.doubleValue();
    }

    private static boolean bool(ObjectNode o, String key, boolean fallback) {
        JsonNode e = value(o, key);
        if (e == null) {
            return fallback;
        }
        if (!e.isBoolean()) {
            throw new IllegalArgumentException(key + " must be true or false, got " + e);
        }
        return e.booleanValue();
    }

    private static String string(ObjectNode o, String key, String fallback) {
        JsonNode e = value(o, key);
        return e == null ? fallback : text(e, key);
    }

    /** A string, or a number or boolean as written. */
    private static String text(JsonNode e, String key) {
        if (!e.isValueNode()) {
            throw new IllegalArgumentException(key + " must be a string, got " + e);
        }
        return e.asText();
    }

    private static List<Integer> ints(ObjectNode o, String key, List<Integer> fallback) {
        JsonNode e = value(o, key);
        if (e == null) {
            return fallback;
        }
        if (!e.isArray()) {
            throw new IllegalArgumentException(key + " must be a list of integers, got " + e);
        }
        List<Integer> out = new ArrayList<>(e.size());
        for (int i = 0; i < e.size(); i++) {
            double d = asNumber(e.get(i), key + "[" + i + "]");
            if (d != Math.rint(d)) {
                throw new IllegalArgumentException(key + "[" + i + "] must be an integer, got " + e.get(i));
            }
            out.add((int) d);
        }
        return out;
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }
}
