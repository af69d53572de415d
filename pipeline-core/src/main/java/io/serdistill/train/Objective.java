package io.serdistill.train;

import static io.serdistill.train.InvalidOption.require;

import io.serdistill.model.KlReduction;
import io.serdistill.distill.TeacherWeighting;
import java.io.Serializable;
import java.util.List;

/**
 * What a model learns from: alpha · CE(labels) + (1 − alpha) · T² · KL(teacher mix ‖ student), the teachers' soft
 * targets mixed per utterance by {@code weighting}.
 *
 * @param alpha       weight of the label cross-entropy; 1 = labels only (plain fine-tuning)
 * @param temperature distillation temperature T
 * @param weighting   how teacher soft targets are mixed per utterance (null for labels only)
 * @param teachers    teacher languages, in the order of {@link TrainingExample#teacherLogits()}
 * @param klReduction how the KL term is reduced over a batch (batchmean: the mean per-utterance KL)
 */
public record Objective(double alpha, double temperature, TeacherWeighting weighting, List<String> teachers,
                        KlReduction klReduction) implements Serializable {

    public Objective {
        teachers = teachers == null ? List.of() : List.copyOf(teachers);
        java.util.Objects.requireNonNull(klReduction, "klReduction");
        require(alpha >= 0 && alpha <= 1, "alpha", "must be within [0, 1], got " + alpha);
        require(temperature > 0, "temperature", "must be > 0, got " + temperature);
        require(alpha == 1 || weighting != null && !teachers.isEmpty(), "alpha",
                "below 1 (distillation) needs a teacher weighting and teachers");
    }

    /** With the KL term reduced by {@link KlReduction#BATCHMEAN}. */
    public Objective(double alpha, double temperature, TeacherWeighting weighting, List<String> teachers) {
        this(alpha, temperature, weighting, teachers, KlReduction.BATCHMEAN);
    }

    /** Labels only. */
    public static Objective labels() {
        return new Objective(1.0, 1.0, null, List.of());
    }

    public boolean distills() {
        return alpha < 1;
    }
}
