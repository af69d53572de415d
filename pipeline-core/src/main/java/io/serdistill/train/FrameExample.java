package io.serdistill.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One utterance for training on frames ({@link FrameModelTrainer}): its frames live once, on the Java heap, and
 * become an ND4J array only for the batch that uses them, so a training set is not held twice (heap and native).
 *
 * @param values        the frames flattened frame by frame, {@code numFrames() * dim} values: the frozen CNN's
 *                      output ({@link io.serdistill.model.wav2vec2.Wav2Vec2Model#featureEncoder}) or stored
 *                      hidden states, one frame per 20 ms
 * @param dim           values per frame
 * @param label         class index ({@link io.serdistill.data.Emotion} ordinal)
 * @param teacherLogits [teachers][classes] raw teacher logits, or null when not distilling
 */
public record FrameExample(String uttId, String language, String speaker, int label, float[] values, int dim,
                           float[][] teacherLogits) implements LabelledUtterance {

    public FrameExample {
        if (dim < 1 || values.length == 0 || values.length % dim != 0) {
            throw new IllegalArgumentException(uttId + ": " + values.length + " values are not whole frames of " + dim);
        }
    }

    /** From frames [numFrames, dim] (copied to the heap). */
    public FrameExample(String uttId, String language, String speaker, int label, INDArray frames,
                        float[][] teacherLogits) {
        this(uttId, language, speaker, label, frames.castTo(DataType.FLOAT).dup('c').data().asFloat(),
                (int) frames.size(1), teacherLogits);
    }

    public int numFrames() {
        return values.length / dim;
    }

    /** The frames as a new [numFrames, dim] float array. */
    public INDArray frames() {
        return Nd4j.create(values, new long[] {numFrames(), dim}, 'c');
    }

    public FrameExample withTeacherLogits(float[][] logits) {
        return new FrameExample(uttId, language, speaker, label, values, dim, logits);
    }
}
