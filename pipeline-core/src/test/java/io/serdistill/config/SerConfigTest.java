package io.serdistill.config;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import io.serdistill.features.PoolingStat;
import io.serdistill.representation.Representation;
import io.serdistill.model.KlReduction;
import io.serdistill.distill.StudentMethod;
import io.serdistill.distill.TeacherWeighting;
import io.serdistill.audio.ChannelMode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.data.Emotion;
import io.serdistill.train.CheckpointPolicy;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.Wav2Vec2FineTuneKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerConfigTest {

    @Test
    void referenceDefaultsAreValid() {
        SerConfig c = SerConfig.defaults();
        assertEquals(List.of("en", "fi", "fr"), c.input().languages());
        assertEquals(5.0, c.distill().temperature());
        assertEquals(0.75, c.distill().alpha());
        assertEquals(KlReduction.BATCHMEAN, c.distill().klReduction(), "the true per-utterance KL by default");
        assertEquals(KlReduction.MEAN, SerConfig.load(List.of(), Map.of("ser.distill.kl-reduction", "mean"))
                .distill().klReduction());
        assertEquals(KlReduction.MEAN, SerConfig.load(List.of(), Map.of("ser.distill.kl-reduction", "mean")).student()
                .distillation(0.75, 5, TeacherWeighting.named("uniform", 0), List.of("en"), KlReduction.MEAN, 1)
                .objective().klReduction());
        assertEquals(ChannelMode.DOWNMIX, c.audio().channelMode(), "downmix");
        Representation.Fbank fbank = assertInstanceOf(Representation.Fbank.class, c.features().representation());
        assertEquals(80, fbank.options().numMelBins());
        assertEquals(16_000, fbank.options().sampleRate(), "fbank runs at ser.audio.sample-rate");
        assertEquals("fbank", fbank.table());
        assertEquals(Representation.POOLED, fbank.inputColumn());
        assertEquals(List.of(PoolingStat.MEAN, PoolingStat.STD), fbank.pooling(), "mean and std by default");
        Representation.Fbank richer = (Representation.Fbank) SerConfig.load(List.of(), Map.of(
                "ser.features.fbank.pooling", "[mean, std, delta-std, delta-delta-std]")).features().representation();
        assertEquals(List.of(PoolingStat.MEAN, PoolingStat.STD, PoolingStat.DELTA_STD, PoolingStat.DELTA_DELTA_STD),
                richer.pooling());
        assertKey("ser.features.fbank.pooling", Map.of("ser.features.fbank.pooling", "[mean, kurtosis]"));
        assertKey("ser.features.fbank.pooling", Map.of("ser.features.fbank.pooling", "[mean, mean]"));
        assertKey("ser.features.fbank.pooling", Map.of("ser.features.fbank.pooling", "[]"));
    }

    @Test
    void overlaysAndOverridesApplyInOrder(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.conf");
        Files.writeString(a, "ser.run.id = from-a\nser.teachers.epochs = 3\nser.input.label-map { excited = happy }\n");
        Path b = dir.resolve("b.conf");
        Files.writeString(b, "ser.teachers.epochs = 4\n");
        SerConfig c = SerConfig.load(List.of(a, b), Map.of("ser.distill.methods", "[ft-multi]",
                "ser.output.root", "hdfs://nn:8020/x"));
        assertEquals("from-a", c.run().id());
        assertEquals(4, c.teachers().optimisation().epochs(), "later overlay wins");
        assertEquals(List.of(StudentMethod.FT_MULTI), c.distill().methods());
        assertEquals("hdfs://nn:8020/x", c.outputRoot(), "a URI is taken as a string");
        assertEquals(Emotion.HAPPY, c.input().labelMap().get("excited"));
    }

    @Test
    void errorsNameTheOffendingKey() {
        assertKey("ser.teachers.epochs", Map.of("ser.teachers.epochs", "0"));
        assertKey("ser.distill.alpha", Map.of("ser.distill.alpha", "1.5"));
        assertKey("ser.distill.methods", Map.of("ser.distill.methods", "[mtkd-magic]"));
        assertKey("ser.distill.kl-reduction", Map.of("ser.distill.kl-reduction", "sum"));
        // ft-multi-lang appends a language one-hot to a pooled vector: frame-sequence students cannot take it.
        assertKey("ser.distill.methods", Map.of("ser.distill.methods", "[ft-multi-lang]", "ser.features.kind",
                "wav2vec2", "ser.features.wav2vec2.model-dir", "/m", "ser.features.wav2vec2.store", "frames"));
        assertEquals(List.of(StudentMethod.FT_MULTI_LANG), SerConfig.load(List.of(), Map.of("ser.distill.methods",
                "[ft-multi-lang]")).distill().methods());
        assertKey("ser.input.languages", Map.of("ser.input.languages", "[en, EN1]"));
        assertKey("ser.audio.channel", Map.of("ser.audio.channel", "left"));
        assertKey("ser.run.id", Map.of("ser.run.id", "\"a b\""));
        assertKey("ser.input.label-map.excited", Map.of("ser.input.label-map.excited", "thrilled"));
        assertKey("ser.student.batch-size", Map.of("ser.student.batch-size", "many"));
        assertKey("ser.teachers.epoch", Map.of("ser.teachers.epoch", "3"));
        // An empty split list would pass every stage up to evaluate and fail there on an empty index.
        assertKey("ser.evaluate.splits", Map.of("ser.evaluate.splits", "[]"));
    }

    @Test
    void wav2vec2ModeDefaultsToTheFrozenEncoderAndValidates() {
        SerConfig frozen = SerConfig.load(List.of(), Map.of("ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/m"));
        Representation.LayerMeans means = assertInstanceOf(Representation.LayerMeans.class,
                frozen.features().representation(), "the frozen encoder's layer means by default");
        assertEquals("wav2vec2", means.table());
        assertEquals(Representation.POOLED, means.inputColumn());
        assertEquals(new Representation.Wav2Vec2Source("/m", true), means.source());
        assertEquals(-1, means.layer());
        SerConfig ft = SerConfig.load(List.of(), Map.of("ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/m", "ser.features.wav2vec2.mode", "finetune"));
        Representation.FineTune fineTune = assertInstanceOf(Representation.FineTune.class, ft.features().representation());
        assertEquals("wav2vec2-cnn", fineTune.table(), "CNN frames are another table than hidden-state means");
        assertEquals(Representation.FRAMES, fineTune.inputColumn());
        assertTrue(fineTune.readsFrameSequences());
        assertEquals(256, fineTune.head().projectorDim());
        assertInstanceOf(io.serdistill.train.Wav2Vec2FineTuneKind.class, ft.modelKind(ft.teachers()));
        assertInstanceOf(Representation.Fbank.class, SerConfig.load(List.of(), Map.of("ser.features.wav2vec2.mode",
                "finetune")).features().representation(), "the mode applies to kind = wav2vec2 only");
        SerConfig weights = SerConfig.load(List.of(), Map.of("ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/m", "ser.features.wav2vec2.layer-weights", "true"));
        Representation.LayerWeights lw = assertInstanceOf(Representation.LayerWeights.class,
                weights.features().representation());
        assertEquals("wav2vec2", lw.table(), "the same stored rows as layer means");
        assertEquals(Representation.FRAMES, lw.inputColumn(), "every hidden state's mean");

        Map<String, String> base = Map.of("ser.features.kind", "wav2vec2", "ser.features.wav2vec2.model-dir", "/m",
                "ser.features.wav2vec2.mode", "finetune");
        assertKey("ser.features.wav2vec2.mode", Map.of("ser.features.wav2vec2.mode", "fine-tune"));
        assertKey("ser.features.wav2vec2.projector-dim", Map.of("ser.features.wav2vec2.projector-dim", "0"));
        assertKey("ser.features.wav2vec2.layer", with(base, "ser.features.wav2vec2.layer", "3"));
        assertTrue(SerConfig.load(List.of(), with(base, "ser.student.class-weighted", "true")).student().optimisation().classWeighted(),
                "fine-tuned wav2vec2 trains with class weights like every model");
        assertKey("ser.features.wav2vec2.model-dir", with(base, "ser.features.wav2vec2.model-dir", "\"\""));
    }

    @Test
    void framesStoreAndHeadPoolingValidateNamingTheKey() {
        Map<String, String> frames = Map.of("ser.features.kind", "wav2vec2", "ser.features.wav2vec2.model-dir", "/m",
                "ser.features.wav2vec2.store", "frames");
        SerConfig c = SerConfig.load(List.of(), with(frames, "ser.features.wav2vec2.pooling", "attentive-statistics"));
        Representation.Frames f = assertInstanceOf(Representation.Frames.class, c.features().representation());
        assertEquals("wav2vec2-frames", f.table(), "hidden-state frames are another table than their means");
        assertTrue(f.readsFrameSequences());
        assertEquals(HeadSpec.Pooling.ATTENTIVE_STATS, f.head().pooling());
        assertEquals(128, f.head().attentionDim());
        assertInstanceOf(io.serdistill.train.Wav2Vec2FrameHeadKind.class, c.modelKind(c.teachers()));
        assertEquals(HeadSpec.Pooling.MEAN, ((Representation.Frames) SerConfig.load(List.of(), frames).features()
                .representation()).head().pooling(), "mean pooling by default");
        assertInstanceOf(Representation.Fbank.class, SerConfig.load(List.of(), Map.of("ser.features.wav2vec2.store",
                "frames")).features().representation(), "the store applies to kind = wav2vec2 only");

        assertKey("ser.features.wav2vec2.store", Map.of("ser.features.wav2vec2.store", "all-frames"));
        assertKey("ser.features.wav2vec2.store", with(frames, "ser.features.wav2vec2.mode", "finetune"));
        assertKey("ser.features.wav2vec2.layer-weights", with(frames, "ser.features.wav2vec2.layer-weights", "true"));
        assertKey("ser.features.wav2vec2.pooling", with(frames, "ser.features.wav2vec2.pooling", "max"));
        assertKey("ser.features.wav2vec2.pooling", Map.of("ser.features.kind", "wav2vec2",
                "ser.features.wav2vec2.model-dir", "/m", "ser.features.wav2vec2.pooling", "attentive-statistics"));
        assertKey("ser.features.wav2vec2.attention-dim", with(frames, "ser.features.wav2vec2.attention-dim", "0"));
        assertTrue(SerConfig.load(List.of(), with(frames, "ser.teachers.class-weighted", "true")).teachers().optimisation().classWeighted(),
                "frame heads train with class weights like every model");
        // attentive statistics with fine-tuning is allowed
        SerConfig.load(List.of(), Map.of("ser.features.kind", "wav2vec2", "ser.features.wav2vec2.model-dir", "/m",
                "ser.features.wav2vec2.mode", "finetune", "ser.features.wav2vec2.pooling", "attentive-statistics"));
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new java.util.LinkedHashMap<>(base);
        m.put(key, value);
        return m;
    }

    @Test
    void warehouseDefaultsFollowTheOutputRootAndValidate() {
        SerConfig c = SerConfig.load(List.of(), Map.of("ser.output.root", "hdfs://nn:8020/ser"));
        assertEquals("hdfs://nn:8020/ser/warehouse", c.warehouse().root());
        assertEquals(false, c.warehouse().registerHive());
        assertEquals(1000, c.warehouse().bootstrapResamples());
        assertKey("ser.warehouse.bootstrap-resamples", Map.of("ser.warehouse.bootstrap-resamples", "0"));
        assertKey("ser.warehouse.database", Map.of("ser.warehouse.database", "\"my db\""));
        assertKey("ser.warehouse.register-hive", Map.of("ser.warehouse.register-hive", "maybe"));
    }

    @Test
    void checkpointIntervalReachesBothFamiliesAndValidatesNamingTheKey() {
        SerConfig defaults = SerConfig.defaults();
        assertEquals(new CheckpointPolicy(5, 60), defaults.teachers().checkpointPolicy());
        SerConfig c = SerConfig.load(List.of(), Map.of("ser.train.checkpoint.every-epochs", "2",
                "ser.train.checkpoint.every-seconds", "0"));
        assertEquals(new CheckpointPolicy(2, 0), c.teachers().checkpointPolicy());
        assertEquals(new CheckpointPolicy(2, 0), c.student().checkpointPolicy());
        assertEquals(new CheckpointPolicy(2, 0), c.teachers().fineTuning(1).checkpointPolicy());
        assertKey("ser.train.checkpoint.every-epochs", Map.of("ser.train.checkpoint.every-epochs", "-1"));
        assertKey("ser.train.checkpoint.every-epochs", Map.of("ser.train.checkpoint.every-epochs", "often"));
        assertKey("ser.train.checkpoint.every-seconds", Map.of("ser.train.checkpoint.every-seconds", "-0.5"));
        assertKey("ser.train.checkpoint.every-minutes", Map.of("ser.train.checkpoint.every-minutes", "1"));
        assertEquals(defaults.hash(), c.hash(), "how often training checkpoints does not re-run finished stages");
    }

    @Test
    void overrideSplitterAddsTheSerPrefix() {
        assertEquals(Map.entry("ser.run.id", "x"), SerConfig.splitOverride("run.id=x"));
        assertThrows(ConfigError.class, () -> SerConfig.splitOverride("novalue"));
    }

    @Test
    void hashChangesWithTheConfig() {
        assertEquals(SerConfig.defaults().hash(), SerConfig.defaults().hash());
        assertNotEquals(SerConfig.defaults().hash(), SerConfig.load(List.of(), Map.of("ser.run.seed", "1")).hash());
        assertNotEquals(SerConfig.defaults().hash(), SerConfig.load(List.of(), Map.of("ser.distill.kl-reduction",
                "mean")).hash());
        assertEquals(SerConfig.defaults().hash(), SerConfig.load(List.of(), Map.of("ser.spark.master", "local[1]")).hash(),
                "Spark tuning does not invalidate finished stages");
        assertEquals(SerConfig.defaults().hash(), SerConfig.load(List.of(), Map.of("ser.features.wav2vec2.mode",
                "frozen-encoder", "ser.features.wav2vec2.projector-dim", "64")).hash(),
                "fine-tuning keys do not change the hash of runs that do not fine-tune");
        Map<String, String> ft = Map.of("ser.features.kind", "wav2vec2", "ser.features.wav2vec2.model-dir", "/m",
                "ser.features.wav2vec2.mode", "finetune");
        assertNotEquals(SerConfig.load(List.of(), ft).hash(), SerConfig.load(List.of(), with(ft,
                "ser.features.wav2vec2.projector-dim", "64")).hash());
        assertEquals(SerConfig.load(List.of(), ft).hash(), SerConfig.load(List.of(), with(ft,
                "ser.features.wav2vec2.attention-dim", "64")).hash(), "attention-dim without attentive pooling changes nothing");
        Map<String, String> frames = with(with(ft, "ser.features.wav2vec2.mode", "frozen-encoder"),
                "ser.features.wav2vec2.store", "frames");
        assertNotEquals(SerConfig.load(List.of(), frames).hash(), SerConfig.load(List.of(), with(frames,
                "ser.features.wav2vec2.projector-dim", "64")).hash(), "frame heads read projector-dim");
        assertNotEquals(SerConfig.load(List.of(), frames).hash(), SerConfig.load(List.of(), with(frames,
                "ser.features.wav2vec2.pooling", "attentive-statistics")).hash());
    }

    @Test
    void configPicksTheModelKind() {
        SerConfig d = SerConfig.defaults();
        assertEquals(new PooledClassifierKind(List.of(256, 128), 1), d.modelKind(d.teachers()), "ser.teachers.hidden");
        assertEquals(new PooledClassifierKind(List.of(128), 1), d.modelKind(d.student()), "ser.student.hidden");
        assertEquals(new PooledClassifierKind(List.of(256, 128), 1), SerConfig.load(List.of(), Map.of("ser.features.kind",
                "wav2vec2", "ser.features.wav2vec2.model-dir", "/m")).modelKind(SerConfig.defaults().teachers()));
        assertEquals(new Wav2Vec2FineTuneKind("/m", true, 64, HeadSpec.Pooling.MEAN, 128), SerConfig.load(List.of(),
                Map.of("ser.features.kind", "wav2vec2", "ser.features.wav2vec2.model-dir", "/m",
                        "ser.features.wav2vec2.mode", "finetune", "ser.features.wav2vec2.layer-weights", "true",
                        "ser.features.wav2vec2.projector-dim", "64")).modelKind(SerConfig.defaults().teachers()));
        assertEquals(new Wav2Vec2FineTuneKind("/m", false, 256, HeadSpec.Pooling.ATTENTIVE_STATS, 128),
                SerConfig.load(List.of(), Map.of("ser.features.kind", "wav2vec2",
                        "ser.features.wav2vec2.model-dir", "/m", "ser.features.wav2vec2.mode", "finetune",
                        "ser.features.wav2vec2.pooling", "attentive-statistics")).modelKind(SerConfig.defaults().teachers()));
        assertEquals(new Wav2Vec2FrameHeadKind("/m", HeadSpec.Pooling.ATTENTIVE_STATS, 16, 64),
                SerConfig.load(List.of(), Map.of("ser.features.kind", "wav2vec2",
                        "ser.features.wav2vec2.model-dir", "/m", "ser.features.wav2vec2.store", "frames",
                        "ser.features.wav2vec2.pooling", "attentive-statistics", "ser.features.wav2vec2.attention-dim",
                        "16", "ser.features.wav2vec2.projector-dim", "64")).modelKind(SerConfig.defaults().teachers()));
    }

    @Test
    void regularisationKeysAreReadPerFamilyValidatedAndHashed() {
        SerConfig c = SerConfig.load(List.of(), Map.of("ser.teachers.dropout", "0.3", "ser.teachers.input-dropout", "0.1",
                "ser.teachers.input-noise", "0.2", "ser.teachers.label-smoothing", "0.05", "ser.teachers.l2", "0.01",
                "ser.student.dropout", "0.25"));
        assertEquals(new io.serdistill.train.Regularisation(0.1, 0.3, 0.2, 0.05, 0.01), c.teachers().regularisation());
        assertEquals(0.25, c.student().regularisation().dropout());
        assertEquals(c.teachers().regularisation(), c.teachers().fineTuning(1).regularisation(), "reaches the training options");
        assertEquals(c.student().regularisation(), c.student().distillation(0.5, 2.0,
                io.serdistill.distill.TeacherWeighting.named("uniform", 0.8), List.of("en"), 1).regularisation());
        for (String key : List.of("dropout", "input-dropout", "input-noise", "label-smoothing", "l2")) {
            assertNotEquals(SerConfig.defaults().hash(), SerConfig.load(List.of(), Map.of("ser.student." + key, "0.125"))
                    .hash(), key + " changes results, so it is in the config hash");
        }
        assertKey("ser.teachers.dropout", Map.of("ser.teachers.dropout", "1.0"));
        assertKey("ser.student.input-dropout", Map.of("ser.student.input-dropout", "-0.1"));
        assertKey("ser.teachers.input-noise", Map.of("ser.teachers.input-noise", "-1"));
        assertKey("ser.student.label-smoothing", Map.of("ser.student.label-smoothing", "1"));
        assertKey("ser.teachers.l2", Map.of("ser.teachers.l2", "-0.5"));
        assertKey("ser.student.dropout", Map.of("ser.student.dropout", "lots"));
    }

    @Test
    void seedsAndTeacherEnsembleAreCheckedAndOneSeedKeepsTheHash() {
        SerConfig d = SerConfig.defaults();
        assertEquals(1, d.run().seeds(), "one seed by default");
        assertEquals(io.serdistill.distill.TeacherEnsemble.SINGLE, d.distill().teacherEnsemble());
        SerConfig three = SerConfig.load(List.of(), Map.of("ser.run.seeds", "3", "ser.distill.teacher-ensemble",
                "mean-logits"));
        assertEquals(3, three.run().seeds());
        assertEquals(io.serdistill.distill.TeacherEnsemble.MEAN_LOGITS, three.distill().teacherEnsemble());
        assertNotEquals(d.hash(), three.hash(), "more seeds train more models: a new hash");
        assertNotEquals(SerConfig.load(List.of(), Map.of("ser.run.seeds", "3")).hash(), three.hash(),
                "with several seeds the ensemble choice changes the students");
        assertEquals(d.hash(), SerConfig.load(List.of(), Map.of("ser.run.seeds", "1")).hash(),
                "one seed trains what a run before the key trained");
        assertEquals(d.hash(), SerConfig.load(List.of(), Map.of("ser.distill.teacher-ensemble", "mean-logits")).hash(),
                "the ensemble of one seed is the teacher");
        assertKey("ser.run.seeds", Map.of("ser.run.seeds", "0"));
        assertKey("ser.run.seeds", Map.of("ser.run.seeds", "-2"));
        assertKey("ser.run.seeds", Map.of("ser.run.seeds", "two"));
        assertKey("ser.run.seeds", Map.of("ser.run.seeds", "1.5"));
        assertKey("ser.distill.teacher-ensemble", Map.of("ser.distill.teacher-ensemble", "median"));
    }

    private static void assertKey(String key, Map<String, String> overrides) {
        ConfigError e = assertThrows(ConfigError.class, () -> SerConfig.load(List.of(), overrides));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }
}
