package io.serdistill.jobs.stages;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.serdistill.model.wav2vec2.HeadSpec;
import io.serdistill.train.PooledClassifierKind;
import io.serdistill.train.Wav2Vec2FineTuneKind;
import io.serdistill.train.Wav2Vec2FrameHeadKind;
import org.junit.jupiter.api.Test;

class ModelStoreTest {

    @Test
    void broadcastsHeadsAndLetsTasksReadFineTunedEncoders() {
        assertTrue(ModelStore.broadcasts(new PooledClassifierKind(java.util.List.of(128), 1)), "an MLP is small");
        assertTrue(ModelStore.broadcasts(new Wav2Vec2FrameHeadKind("/m", HeadSpec.Pooling.MEAN, 128, 256)),
                "a head alone is small");
        assertFalse(ModelStore.broadcasts(new Wav2Vec2FineTuneKind("/m", false, 256, HeadSpec.Pooling.MEAN, 128)),
                "a fine-tuned encoder is hundreds of MB");
    }
}
