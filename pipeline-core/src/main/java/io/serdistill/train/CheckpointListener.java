package io.serdistill.train;

import com.fasterxml.jackson.core.type.TypeReference;
import io.serdistill.json.Json;
import io.serdistill.model.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * End-of-epoch checkpoints, as often as {@link TrainingOptions#checkpointPolicy()} says, written in the background by
 * a {@link CheckpointWriter}; on begin, resumes from the latest checkpoint taken with the same options and data
 * (its fingerprint): parameters, both Adam moments, step, history and the best epoch's weights, so a resumed run ends
 * exactly where an uninterrupted one does. The epoch that ends training takes none: the final model is written next.
 */
final class CheckpointListener implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger("ser.train");

    private final CheckpointStore store;
    private final String fingerprint;
    private final CheckpointPolicy policy;
    private final int epochs;
    private final CheckpointWriter writer;
    private int checkpointedEpoch;
    private long checkpointedAt;

    /** @param fingerprint identifies options and data ({@link #fingerprint}) */
    CheckpointListener(CheckpointStore store, String fingerprint, CheckpointPolicy policy, int epochs) {
        this.store = store;
        this.fingerprint = fingerprint;
        this.policy = policy;
        this.epochs = epochs;
        this.writer = new CheckpointWriter(store);
    }

    @Override
    public void onTrainingBegin(TrainingLoop.State state) {
        if (restore(state)) {
            LOG.info("resuming from checkpoint epoch {} of {} in {}", state.epoch(), epochs, store.location());
        }
        checkpointedEpoch = state.epoch();
        checkpointedAt = System.nanoTime();
    }

    @Override
    public void onEpochEnd(TrainingLoop.State state, EpochRecord epoch) {
        int e = state.epoch();
        if (store != CheckpointStore.NONE && e < epochs
                && policy.due(e - checkpointedEpoch, (System.nanoTime() - checkpointedAt) / 1e9)) {
            writer.write(e, () -> snapshot(state));
            checkpointedEpoch = e;
            checkpointedAt = System.nanoTime();
        }
    }

    /** Waits for the checkpoint in flight (also when training fails) and throws its failure. */
    @Override
    public void onTrainingEnd(TrainingLoop.State state) {
        writer.close();
    }

    /** The checkpoint of {@code state}: every array copied, so training may go on while it is written. */
    private SafeTensors snapshot(TrainingLoop.State state) {
        Map<String, INDArray> params = state.parameters();
        AdamW optimizer = state.optimizer();
        Map<String, SafeTensors.Tensor> tensors = new LinkedHashMap<>();
        params.forEach((n, a) -> tensors.put("param/" + n, tensor(a)));
        optimizer.firstMoments().forEach((n, a) -> tensors.put("m/" + n, tensor(a)));
        optimizer.secondMoments().forEach((n, a) -> tensors.put("v/" + n, tensor(a)));
        state.best().forEach((n, w) -> tensors.put("best/" + n, new SafeTensors.Tensor(params.get(n).shape(), w)));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("fingerprint", fingerprint);
        meta.put("epoch", Integer.toString(state.epoch()));
        meta.put("step", Long.toString(optimizer.step()));
        meta.put("best_epoch", Integer.toString(state.bestEpoch()));
        meta.put("best_ua", Double.toString(state.bestUa()));
        meta.put("history", Json.compact(state.history()));
        // state.best() is replaced on improvement, never written into, so sharing its arrays is safe.
        return new SafeTensors(tensors, meta);
    }

    /** Restores {@code state} from the latest checkpoint of this fingerprint; false when there is none. */
    private boolean restore(TrainingLoop.State state) {
        SafeTensors st;
        List<EpochRecord> history;
        try {
            var bytes = store.latest();
            if (bytes.isEmpty()) {
                return false;
            }
            st = SafeTensors.parse(bytes.get(), "checkpoint");
            if (!fingerprint.equals(st.metadata().get("fingerprint"))) {
                // Another configuration or other data: starting over is the only safe choice.
                LOG.info("not resuming from the checkpoint in {}: it was taken with other options or data",
                        store.location());
                return false;
            }
            history = Json.read(st.metadata().get("history"), new TypeReference<List<EpochRecord>>() {},
                    "checkpoint metadata 'history'");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the latest checkpoint", e);
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        Map<String, INDArray> v = new LinkedHashMap<>();
        Map<String, float[]> best = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> p : state.parameters().entrySet()) {
            String n = p.getKey();
            long[] shape = p.getValue().shape();
            p.getValue().assign(Nd4j.create(st.require("param/" + n).values(), shape, 'c'));
            if (st.tensors().containsKey("m/" + n)) {
                m.put(n, Nd4j.create(st.require("m/" + n).values(), shape, 'c').castTo(p.getValue().dataType()));
                v.put(n, Nd4j.create(st.require("v/" + n).values(), shape, 'c').castTo(p.getValue().dataType()));
            }
            best.put(n, st.require("best/" + n).values());
        }
        state.optimizer().restore(Long.parseLong(st.metadata().get("step")), m, v);
        state.resume(Integer.parseInt(st.metadata().get("epoch")), new ArrayList<>(history), best,
                Double.parseDouble(st.metadata().get("best_ua")), Integer.parseInt(st.metadata().get("best_epoch")));
        return true;
    }

    private static SafeTensors.Tensor tensor(INDArray a) {
        return new SafeTensors.Tensor(a.shape(), a.dup('c').data().asFloat());
    }

    /** Identifies options and data: a checkpoint is only resumed by the run that wrote it. */
    static String fingerprint(TrainingOptions opts, Map<String, INDArray> parameters,
                              List<? extends LabelledUtterance> train, List<? extends LabelledUtterance> dev) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            // When checkpoints are taken never changes what is trained: a checkpoint resumes under any policy.
            String options = opts.withCheckpointPolicy(CheckpointPolicy.EVERY_EPOCH).toString();
            d.update(options.getBytes(StandardCharsets.UTF_8));
            // The model's shape (the options do not hold it): a checkpoint of another architecture never resumes.
            for (Map.Entry<String, INDArray> p : parameters.entrySet()) {
                d.update((p.getKey() + java.util.Arrays.toString(p.getValue().shape()) + ";")
                        .getBytes(StandardCharsets.UTF_8));
            }
            for (List<? extends LabelledUtterance> part : List.of(train, dev)) {
                d.update((byte) '|');
                for (LabelledUtterance e : part) {
                    d.update(e.uttId().getBytes(StandardCharsets.UTF_8));
                    d.update((byte) ',');
                }
            }
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
