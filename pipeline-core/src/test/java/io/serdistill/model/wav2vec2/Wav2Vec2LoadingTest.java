package io.serdistill.model.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.serdistill.json.Json;
import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class Wav2Vec2LoadingTest {
    @TempDir
    Path tmp;

    private static final String BASE_CONFIG = """
            {"model_type": "wav2vec2", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
             "intermediate_size": 3072, "hidden_act": "gelu", "feat_extract_activation": "gelu",
             "conv_dim": [512, 512, 512, 512, 512, 512, 512], "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
             "conv_stride": [5, 2, 2, 2, 2, 2, 2], "conv_bias": false, "feat_extract_norm": "group",
             "do_stable_layer_norm": false, "num_conv_pos_embeddings": 128, "num_conv_pos_embedding_groups": 16,
             "layer_norm_eps": 1e-05}
            """;

    @Test
    void parsesWav2Vec2BaseConfig() throws IOException {
        Wav2Vec2Config c = Wav2Vec2Config.parse(BASE_CONFIG, "config.json");
        assertEquals(768, c.hiddenSize());
        assertEquals(Wav2Vec2Config.FeatExtractNorm.GROUP, c.featExtractNorm());
        assertEquals(List.of(10, 3, 3, 3, 3, 2, 2), c.convKernel());
        assertEquals(199, c.frames(64000)); // 4 s at 16 kHz: 20 ms frames, minus the receptive field
        assertEquals(0, c.frames(399));
        assertEquals(1, c.frames(400));
    }

    @Test
    void rejectsUnsupportedConfigValuesNamingTheKey() {
        IOException act = assertThrows(IOException.class,
                () -> Wav2Vec2Config.parse(BASE_CONFIG.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"relu\""), "c.json"));
        assertTrue(act.getMessage().contains("hidden_act = 'relu'"), act.getMessage());
        IOException norm = assertThrows(IOException.class,
                () -> Wav2Vec2Config.parse(BASE_CONFIG.replace("\"group\"", "\"batch\""), "c.json"));
        assertTrue(norm.getMessage().contains("feat_extract_norm = 'batch'"), norm.getMessage());
        IOException heads = assertThrows(IOException.class,
                () -> Wav2Vec2Config.parse(BASE_CONFIG.replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 7"), "c.json"));
        assertTrue(heads.getMessage().contains("num_attention_heads"), heads.getMessage());
        IOException type = assertThrows(IOException.class,
                () -> Wav2Vec2Config.parse(BASE_CONFIG.replace("\"conv_bias\": false", "\"conv_bias\": \"no\""), "c.json"));
        assertTrue(type.getMessage().contains("conv_bias"), type.getMessage());
        IOException model = assertThrows(IOException.class,
                () -> Wav2Vec2Config.parse(BASE_CONFIG.replace("\"wav2vec2\"", "\"wavlm\""), "c.json"));
        assertTrue(model.getMessage().contains("model_type = 'wavlm'"), model.getMessage());
        IOException adapter = assertThrows(IOException.class,
                () -> Wav2Vec2Config.parse(BASE_CONFIG.replace("{", "{\"adapter_attn_dim\": 16, "), "c.json"));
        assertTrue(adapter.getMessage().contains("adapter_attn_dim"), adapter.getMessage());
    }

    @Test
    void refusesDirectoryWithOnlyPickleWeights() throws IOException {
        Files.writeString(tmp.resolve("config.json"), BASE_CONFIG);
        Files.write(tmp.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        IOException e = assertThrows(IOException.class, () -> Wav2Vec2Model.load(tmp));
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("never loads pickle"), e.getMessage());
    }

    @Test
    void namesAMissingTensor() throws IOException {
        Path dir = copyOfFixture("base", tensors -> tensors.remove("encoder.layers.1.attention.k_proj.bias"));
        IOException e = assertThrows(IOException.class, () -> Wav2Vec2Model.load(dir));
        assertTrue(e.getMessage().contains("'encoder.layers.1.attention.k_proj.bias'") && e.getMessage().contains("missing"),
                e.getMessage());
    }

    @Test
    void namesATensorOfTheWrongShapeWithBothShapes() throws IOException {
        Path dir = copyOfFixture("stable", tensors -> tensors.put("wav2vec2.feature_projection.projection.weight",
                new SafeTensors.Tensor(new long[] {32, 16}, new float[512])));
        IOException e = assertThrows(IOException.class, () -> Wav2Vec2Model.load(dir));
        assertTrue(e.getMessage().contains("'feature_projection.projection.weight' has shape [32, 16], expected [32, 32]"),
                e.getMessage());
    }

    @Test
    void acceptsPrefixedAndUnprefixedNamesAlike() throws IOException {
        Path dir = copyOfFixture("base", tensors -> {
            Map<String, SafeTensors.Tensor> prefixed = new LinkedHashMap<>();
            tensors.forEach((k, v) -> prefixed.put("wav2vec2." + k, v));
            prefixed.put("classifier.weight", new SafeTensors.Tensor(new long[] {4, 256}, new float[1024]));
            tensors.clear();
            tensors.putAll(prefixed);
        });
        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        INDArray a = Wav2Vec2Model.load(dir).forward(List.of(wave)).hiddenStates().get(2);
        INDArray b = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir("base")).forward(List.of(wave)).hiddenStates().get(2);
        assertEquals(0, a.sub(b).amaxNumber().doubleValue());
    }

    @Test
    void paddingDoesNotChangeTheRealFramesOfALayerNormModel() throws IOException {
        // With layer norm in the conv stack nothing sees across utterances or into padding, so the padded batch's
        // real frames equal the utterance run alone. (Group norm, the base model's, does see its padding.)
        Wav2Vec2Model model = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir("stable"));
        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        float[] shorter = java.util.Arrays.copyOf(wave, 5600);
        Wav2Vec2Output batch = model.forward(List.of(wave, shorter));
        Wav2Vec2Output alone = model.forward(List.of(shorter));
        assertArrayEquals(new int[] {24, 17}, batch.frames());
        for (int layer = 0; layer < batch.hiddenStates().size(); layer++) {
            float[][] padded = batch.hiddenState(layer, 1);
            float[][] single = alone.hiddenState(layer, 0);
            assertEquals(single.length, padded.length);
            for (int t = 0; t < single.length; t++) {
                assertArrayEquals(single[t], padded[t], 1e-5f, "layer " + layer + " frame " + t);
            }
        }
    }

    @Test
    void repeatedForwardPassesOfDifferentSizesGiveIdenticalResults() throws IOException {
        // The forward pass reuses a workspace; outputs must not alias it.
        Wav2Vec2Model model = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir("base"));
        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        Wav2Vec2Output first = model.forward(List.of(wave));
        Wav2Vec2Output batch = model.forward(List.of(wave, java.util.Arrays.copyOf(wave, 3000), wave));
        Wav2Vec2Output again = model.forward(List.of(wave));
        for (int layer = 0; layer < first.hiddenStates().size(); layer++) {
            assertEquals(0, first.hiddenStates().get(layer).sub(again.hiddenStates().get(layer)).amaxNumber().doubleValue());
            assertEquals(0, first.hiddenStates().get(layer).slice(0).sub(batch.hiddenStates().get(layer).slice(2))
                    .amaxNumber().doubleValue(), 1e-5);
        }
    }

    @Test
    void rejectsTooShortUtterance() throws IOException {
        Wav2Vec2Model model = Wav2Vec2Model.load(Wav2Vec2ParityTest.fixtureDir("base"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.forward(List.of(new float[399])));
        assertTrue(e.getMessage().contains("400 samples needed"), e.getMessage());
    }

    @Test
    void normalizesWaveformToZeroMeanUnitVarianceLikeHuggingFace() {
        float[] x = Wav2Vec2Model.normalizeWaveform(new float[] {1, 2, 3, 6});
        // mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5
        double s = Math.sqrt(3.5 + 1e-7);
        assertArrayEquals(new float[] {(float) (-2 / s), (float) (-1 / s), 0f, (float) (3 / s)}, x, 1e-6f);
    }

    @Test
    void loadsAModelFileOverTwoGigabytesTensorByTensor() throws IOException {
        // The fixture's tensors followed by one sparse 2.2 GB tensor the model does not use (as an LM head of a big
        // checkpoint would be): the file exceeds any Java array, and only the tensors the model reads are mapped.
        Path src = Wav2Vec2ParityTest.fixtureDir("base");
        Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
        Map<String, SafeTensors.Tensor> tensors =
                SafeTensors.parse(Files.readAllBytes(src.resolve("model.safetensors")), "fixture").tensors();
        Path file = tmp.resolve("model.safetensors");
        writeWithSparseTail(file, tensors, "lm_head.weight", 550_000_000L);
        assertTrue(Files.size(file) > 2L * 1024 * 1024 * 1024, "over 2 GiB");

        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        INDArray a = Wav2Vec2Model.load(tmp).forward(List.of(wave)).hiddenStates().get(2);
        INDArray b = Wav2Vec2Model.load(src).forward(List.of(wave)).hiddenStates().get(2);
        assertEquals(0, a.sub(b).amaxNumber().doubleValue());
    }

    @Test
    void loadsShardsNamedByTheIndexAndRefusesATensorInTwoShards() throws IOException {
        Path src = Wav2Vec2ParityTest.fixtureDir("base");
        Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
        Map<String, SafeTensors.Tensor> tensors =
                SafeTensors.parse(Files.readAllBytes(src.resolve("model.safetensors")), "fixture").tensors();
        Map<String, SafeTensors.Tensor> first = new LinkedHashMap<>();
        Map<String, SafeTensors.Tensor> second = new LinkedHashMap<>();
        tensors.forEach((name, t) -> (first.size() <= second.size() ? first : second).put(name, t));
        Files.write(tmp.resolve("model-00001-of-00002.safetensors"), new SafeTensors(first, Map.of()).toBytes());
        Files.write(tmp.resolve("model-00002-of-00002.safetensors"), new SafeTensors(second, Map.of()).toBytes());
        ObjectNode index = Json.newObject();
        ObjectNode weightMap = index.putObject("weight_map");
        first.keySet().forEach(n -> weightMap.put(n, "model-00001-of-00002.safetensors"));
        second.keySet().forEach(n -> weightMap.put(n, "model-00002-of-00002.safetensors"));
        Files.writeString(tmp.resolve("model.safetensors.index.json"), Json.compact(index));

        float[] wave = Wav2Vec2ParityTest.floats(Wav2Vec2ParityTest.FIXTURES + "input.f32", 8000);
        INDArray a = Wav2Vec2Model.load(tmp).forward(List.of(wave)).hiddenStates().get(2);
        INDArray b = Wav2Vec2Model.load(src).forward(List.of(wave)).hiddenStates().get(2);
        assertEquals(0, a.sub(b).amaxNumber().doubleValue());

        String twice = second.keySet().iterator().next();
        first.put(twice, second.get(twice));
        Files.write(tmp.resolve("model-00001-of-00002.safetensors"), new SafeTensors(first, Map.of()).toBytes());
        IOException e = assertThrows(IOException.class, () -> Wav2Vec2Model.load(tmp));
        assertEquals(tmp.resolve("model.safetensors.index.json") + ": tensor '" + twice + "' is in both "
                + tmp.resolve("model-00001-of-00002.safetensors") + " and " + tmp.resolve("model-00002-of-00002.safetensors"),
                e.getMessage());
    }

    /** {@code tensors} as F32, then {@code tailFloats} zeros named {@code tail} that take no disk space. */
    private static void writeWithSparseTail(Path file, Map<String, SafeTensors.Tensor> tensors, String tail,
                                            long tailFloats) throws IOException {
        ObjectNode header = Json.newObject();
        long offset = 0;
        for (Map.Entry<String, SafeTensors.Tensor> e : tensors.entrySet()) {
            offset = describe(header, e.getKey(), e.getValue().shape(), offset);
        }
        long end = describe(header, tail, new long[] {tailFloats}, offset);
        byte[] json = Json.compact(header).getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            f.write(json);
            for (SafeTensors.Tensor t : tensors.values()) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.values());
                f.write(b.array());
            }
            f.setLength(8 + json.length + end);
        }
    }

    private static long describe(ObjectNode header, String name, long[] shape, long offset) {
        ObjectNode info = header.putObject(name);
        info.put("dtype", "F32");
        ArrayNode dims = info.putArray("shape");
        long count = 1;
        for (long d : shape) {
            dims.add(d);
            count *= d;
        }
        info.putArray("data_offsets").add(offset).add(offset + 4 * count);
        return offset + 4 * count;
    }

    interface Edit {
        void apply(Map<String, SafeTensors.Tensor> tensors);
    }

    private Path copyOfFixture(String variant, Edit edit) throws IOException {
        Path src = Wav2Vec2ParityTest.fixtureDir(variant);
        Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
        SafeTensors st = SafeTensors.parse(Files.readAllBytes(src.resolve("model.safetensors")), "fixture");
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>(st.tensors());
        edit.apply(tensors);
        Files.write(tmp.resolve("model.safetensors"), new SafeTensors(tensors, Map.of()).toBytes());
        return tmp;
    }
}
