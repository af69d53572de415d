package io.serdistill.train;

import io.serdistill.model.SafeTensors;
import io.serdistill.model.TrainingEngine;
import io.serdistill.model.wav2vec2.Wav2Vec2Bench;
import io.serdistill.model.wav2vec2.Wav2Vec2Config;
import io.serdistill.model.wav2vec2.Wav2Vec2FineTuneModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Time of one fine-tuning step (forward, backward, AdamW) of a wav2vec2-base-sized {@link Wav2Vec2FineTuneModel}
 * (random weights, the paper's head) on the CNN frames of 4 s of audio (199 frames), and the process's peak resident
 * memory (VmHWM). Run as {@link Wav2Vec2Bench} is, with this class's name (io.serdistill.train.Wav2Vec2FineTuneBench);
 * arguments: seconds, warm-ups, runs, batch size, engine (auto, fused or samediff; {@link TrainingEngine}). The
 * optimiser is the training loop's: AdamW on the host loop for the fused engine, ND4J's in-place one for SameDiff.
 * tools/bench_wav2vec2_finetune.sh runs it next to tools/bench_torch_wav2vec2_finetune.py and prints the ratio.
 */
public final class Wav2Vec2FineTuneBench {
    private Wav2Vec2FineTuneBench() {
    }

    public static void main(String[] args) throws IOException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int batchSize = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        TrainingEngine engine = args.length > 4 ? TrainingEngine.valueOf(args[4].toUpperCase(java.util.Locale.ROOT))
                : TrainingEngine.AUTO;
        String json = """
                {"model_type": "wav2vec2", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                 "intermediate_size": 3072, "conv_bias": false, "feat_extract_norm": "group", "do_stable_layer_norm": false}
                """;
        Wav2Vec2Config config = Wav2Vec2Config.parse(json, "wav2vec2-base");
        Path dir = Files.createTempDirectory("w2v-bench");
        Files.writeString(dir.resolve("config.json"), json);
        Files.write(dir.resolve("model.safetensors"),
                new SafeTensors(Wav2Vec2Bench.randomWeights(config, 42), Map.of()).toBytes());
        Wav2Vec2FineTuneModel model = Wav2Vec2FineTuneModel.load(dir,
                Wav2Vec2FineTuneModel.meanPoolingHead(config, true, 256, 4), 1);
        model.setTrainingEngine(engine);
        model.prepareTraining(1.0, 1.0);
        int frames = config.frames((int) (seconds * 16000));
        INDArray cnn = Nd4j.rand(DataType.FLOAT, frames, config.featureDim());
        Wav2Vec2FineTuneModel.Batch batch = model.batch(java.util.Collections.nCopies(batchSize, cnn));
        AdamW adam = new AdamW(0.01, 1.0);
        if (model.trainingEngine() == TrainingEngine.FUSED) {
            adam.useHostLoop();
        }
        double[] times = new double[runs];
        for (int i = -warmups; i < runs; i++) {
            long start = System.nanoTime();
            Wav2Vec2FineTuneModel.Step step = model.step(batch, new int[batchSize], null, null);
            adam.apply(model.parameters(), step.gradients(), 1e-5);
            if (step.callerOwned()) {
                step.gradients().values().forEach(g -> g.close()); // as TrainingLoop does after each step
            }
            if (i >= 0) {
                times[i] = (System.nanoTime() - start) * 1e-9;
            }
        }
        Arrays.sort(times);
        System.out.printf("wav2vec2-base-sized fine-tuning step (%s engine), %d frames (%.1f s), batch %d, ND4J threads %d:"
                + " median %.2f s, best %.2f s (%d runs after %d warm-up); peak resident %s%n",
                model.trainingEngine().label(), frames, seconds, batchSize, Nd4j.getEnvironment().maxMasterThreads(),
                times[runs / 2], times[0], runs, warmups, peakResident());
        System.out.printf("result median_s=%.4f best_s=%.4f peak_rss_kb=%s%n", times[runs / 2], times[0],
                peakResident().replace(" kB", ""));
    }

    /** VmHWM of this process from /proc/self/status, e.g. "8123456 kB"; "n/a" where there is none. */
    static String peakResident() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring("VmHWM:".length()).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
        return "n/a";
    }
}
