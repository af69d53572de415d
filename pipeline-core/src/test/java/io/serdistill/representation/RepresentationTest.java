package io.serdistill.representation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.features.FbankFeatures;
import io.serdistill.features.FbankOptions;
import io.serdistill.features.Normalization;
import io.serdistill.features.PoolingStat;
import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.Wav2Vec2FineTuneKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepresentationTest {
    private static final Representation.Wav2Vec2Source SOURCE = new Representation.Wav2Vec2Source("/models/w2v", true);
    private static final Representation.FrameHead HEAD =
            new Representation.FrameHead(HeadSpec.Pooling.ATTENTIVE_STATS, 64, 128);

    private static List<Representation> every() {
        return List.of(new Representation.Fbank(FbankOptions.defaults(), Normalization.UTTERANCE, false),
                new Representation.LayerMeans(SOURCE, 4), new Representation.LayerWeights(SOURCE, -1),
                new Representation.Frames(SOURCE, -1, HEAD), new Representation.FineTune(SOURCE, true, HEAD));
    }

    @Test
    void eachVariantAnswersWhereItsRowsGoAndWhatModelsRead() {
        List<Representation> all = every();
        assertEquals(List.of("fbank", "wav2vec2", "wav2vec2", "wav2vec2-frames", "wav2vec2-cnn"),
                all.stream().map(Representation::table).toList(), "layer weights share the layer means' rows");
        assertEquals(List.of("pooled", "pooled", "frames", "frames", "frames"),
                all.stream().map(Representation::inputColumn).toList());
        assertEquals(List.of(false, false, false, true, true),
                all.stream().map(Representation::readsFrameSequences).toList());
        assertEquals(List.of("fbank", "wav2vec2", "wav2vec2", "wav2vec2", "wav2vec2"),
                all.stream().map(Representation::frontEnd).toList());
        assertEquals(List.of(Normalization.UTTERANCE, Normalization.NONE, Normalization.NONE, Normalization.NONE,
                Normalization.NONE), all.stream().map(Representation::normalization).toList());
    }

    @Test
    void modelFamiliesFollowTheRepresentation() {
        List<Representation> all = every();
        assertEquals(new PooledClassifierKind(List.of(32), 1), all.get(0).modelKind(List.of(32)));
        assertEquals(new PooledClassifierKind(List.of(), 1), all.get(1).modelKind(List.of()));
        assertEquals(new Wav2Vec2FrameHeadKind("/models/w2v", HeadSpec.Pooling.ATTENTIVE_STATS, 64, 128),
                all.get(3).modelKind(List.of(32)), "frame heads take their shape from the head, not the MLP widths");
        assertEquals(new Wav2Vec2FineTuneKind("/models/w2v", true, 128, HeadSpec.Pooling.ATTENTIVE_STATS, 64),
                all.get(4).modelKind(List.of(32)));
    }

    @Test
    void fbankBuildsItsExtractorFromItsOptions() throws Exception {
        Representation.Fbank fbank = new Representation.Fbank(
                FbankOptions.defaults().toBuilder().numMelBins(40).build(), Normalization.NONE, true);
        FbankFeatures f = assertInstanceOf(FbankFeatures.class, fbank.extractor());
        float[] second = new float[16_000];
        for (int i = 0; i < second.length; i++) {
            second[i] = (float) Math.sin(i * 0.05);
        }
        assertEquals(40, f.extract(second).matrix().dim());
        assertEquals(80, f.extract(second).pooled().length, "mean and std of 40 bins");
        assertEquals(1, fbank.inputLayers());
        Representation.Fbank richer = new Representation.Fbank(fbank.options(), Normalization.NONE, true,
                List.of(PoolingStat.MEAN, PoolingStat.STD, PoolingStat.DELTA_STD, PoolingStat.DELTA_DELTA_STD));
        float[] pooled = richer.extractor().extract(second).pooled();
        assertEquals(160, pooled.length, "four statistics of 40 bins");
        float[] plain = f.extract(second).pooled();
        assertEquals(plain[0], pooled[0], "the mean block is the same");
        assertThrows(IllegalArgumentException.class, () -> new Representation.Fbank(fbank.options(),
                Normalization.NONE, true, List.of(PoolingStat.MEAN, PoolingStat.MEAN)));
    }

    /** Extract tasks receive the representation inside their closure. */
    @Test
    void everyVariantSurvivesJavaSerialisation() throws Exception {
        for (Representation r : every()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(r);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                assertEquals(r, in.readObject());
            }
        }
    }

    @Test
    void layerWeightsCountEveryHiddenStateFromTheCheckpointConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 32, \"num_hidden_layers\": 3,"
                + " \"num_attention_heads\": 2, \"intermediate_size\": 64, \"conv_dim\": [16, 16],"
                + " \"conv_kernel\": [10, 3], \"conv_stride\": [5, 2]}");
        Representation.LayerWeights w = new Representation.LayerWeights(
                new Representation.Wav2Vec2Source(dir.toString(), false), -1);
        assertEquals(4, w.inputLayers(), "three layers' outputs and the input to the first");
        assertEquals(new PooledClassifierKind(List.of(8), 4), w.modelKind(List.of(8)), "an MLP over 4 stacked means");
        Representation.LayerWeights missing = new Representation.LayerWeights(
                new Representation.Wav2Vec2Source(dir.resolve("nope").toString(), false), -1);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, missing::inputLayers);
        assertTrue(e.getMessage().contains(dir.resolve("nope").toString()), e.getMessage());
    }

    @Test
    void invalidValuesAreRefusedOnConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new Representation.Wav2Vec2Source(" ", true));
        assertThrows(IllegalArgumentException.class, () -> new Representation.LayerMeans(SOURCE, -2));
        assertThrows(IllegalArgumentException.class,
                () -> new Representation.FrameHead(HeadSpec.Pooling.MEAN, 0, 256));
        assertFalse(every().get(0).readsFrameSequences());
    }
}
