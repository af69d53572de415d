package io.serdistill.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.config.SerConfig;
import io.serdistill.demo.DemoCorpus;
import io.serdistill.jobs.run.RunLayout;
import io.serdistill.model.MlpClassifier;
import io.serdistill.model.SafeTensors;
import io.serdistill.model.tdnn.TdnnClassifier;
import io.serdistill.model.tdnn.TdnnSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ser.teachers.model = tdnn through the whole pipeline on a small demo corpus: the teachers are TDNNs over the fbank
 * frames, the students MLPs on the pooled vectors distilled from them (the two read different columns), and evaluate
 * scores all of them.
 */
class TdnnPipelineTest {
    @TempDir
    Path tmp;

    @Test
    void tdnnTeachersTrainOnFramesDistilIntoMlpStudentsAndAreEvaluated() throws Exception {
        DemoCorpus.Summary corpus = new DemoCorpus(DemoCorpus.Options.defaults().withSpeakers(3).withUtterances(2)
                .withSeed(5)).write(tmp.resolve("corpus"));
        Files.writeString(corpus.manifest(), "fr_bad_missing,wav/fr/does-not-exist.wav,fr,sad,fr_spk00,train,demo\n",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Map<String, String> o = new LinkedHashMap<>();
        o.put("ser.run.id", "tdnn");
        o.put("ser.output.root", tmp.resolve("runs").toString());
        o.put("ser.input.manifest", corpus.manifest().toUri().toString());
        o.put("ser.distill.methods", "[" + String.join(", ", FramePipelineChecks.METHODS) + "]");
        o.put("ser.teachers.model", "tdnn");
        o.put("ser.teachers.tdnn.channels", "[16, 16]");
        o.put("ser.teachers.tdnn.kernel-sizes", "[5, 3]");
        o.put("ser.teachers.tdnn.dilations", "[1, 2]");
        o.put("ser.teachers.tdnn.attention-dim", "8");
        for (String family : List.of("teachers", "student")) {
            o.put("ser." + family + ".optimiser", "adamw"); // the MLP students too: AdamW epochs
            o.put("ser." + family + ".epochs", "4");
            o.put("ser." + family + ".batch-size", "8");
        }
        SerConfig cfg = SerConfig.load(List.of(), o);
        SparkSession spark = FramePipelineChecks.spark("TdnnPipelineTest");
        try {
            String run = FramePipelineChecks.runFirstFiveStages(spark, cfg, "tdnn teachers on the demo corpus");
            Map<String, String> methodOf = new LinkedHashMap<>();
            for (Map.Entry<String, Path> f : FramePipelineChecks.modelFiles(cfg, new RunLayout(run), methodOf).entrySet()) {
                byte[] bytes = Files.readAllBytes(f.getValue());
                SafeTensors saved = SafeTensors.parse(bytes, f.getKey());
                assertEquals(cfg.hash(), saved.metadata().get("ser.config_hash"), f.getKey());
                if (f.getKey().startsWith("teacher-")) {
                    TdnnClassifier teacher = TdnnClassifier.fromSafeTensors(bytes, f.getKey());
                    assertEquals(new TdnnSpec(80, List.of(16, 16), List.of(5, 3), List.of(1, 2), 8, true, 4),
                            teacher.spec(), f.getKey());
                    assertArrayEquals(new long[] {80}, saved.require("input_mean").shape());
                } else {
                    assertEquals(List.of(128), MlpClassifier.fromSafeTensors(bytes, f.getKey()).spec().hidden(),
                            f.getKey() + " is an MLP student");
                }
            }
            assertTrue(methodOf.keySet().stream().filter(m -> m.startsWith("teacher-")).count() == 3, methodOf.toString());
            FramePipelineChecks.assertScoredEverywhereAndRerunSkips(spark, cfg, run, "fbank", methodOf);
        } finally {
            spark.stop();
        }
    }
}
