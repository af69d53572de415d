package io.serdistill.train;

import static io.serdistill.train.InvalidOption.require;

import java.io.Serializable;

/**
 * What keeps a model from fitting its few training speakers too closely, besides AdamW's decoupled weight decay
 * ({@link Optimisation#weightDecay()}). All of it acts in training only: inference is deterministic and unchanged.
 * Random draws (dropout masks, input noise) are seeded from the run's seed, the epoch and the batch, so a given
 * seed trains the same model, resumed or not. Validated on construction; an error names the option
 * ({@link InvalidOption}).
 *
 * @param inputDropout   share of the (standardised) input values zeroed per example, survivors scaled by 1/(1-p)
 *                       (pooled MLPs only)
 * @param dropout        the same on every hidden layer's ReLU output (pooled MLPs only)
 * @param inputNoise     standard deviation of Gaussian noise added to the standardised inputs (pooled MLPs only)
 * @param labelSmoothing epsilon of the label cross-entropy's target (1 - epsilon) one-hot + epsilon / classes; the
 *                       distillation term is unchanged
 * @param l2             coupled L2 penalty (l2 / 2) ||W||^2 on the parameters the model decays
 *                       ({@link io.serdistill.model.Classifier#decayed}: an MLP's weight matrices, not its biases): l2 W
 *                       is added to the clipped gradient before Adam's moments, like
 *                       {@code torch.optim.Adam(weight_decay=l2)} after {@code clip_grad_norm_}; reported losses leave
 *                       the penalty out
 */
public record Regularisation(double inputDropout, double dropout, double inputNoise, double labelSmoothing, double l2)
        implements Serializable {

    /** Nothing beyond weight decay. */
    public static final Regularisation NONE = new Regularisation(0, 0, 0, 0, 0);

    public Regularisation {
        require(inputDropout >= 0 && inputDropout < 1, "input-dropout", "must be within [0, 1), got " + inputDropout);
        require(dropout >= 0 && dropout < 1, "dropout", "must be within [0, 1), got " + dropout);
        require(inputNoise >= 0 && Double.isFinite(inputNoise), "input-noise", "must be >= 0, got " + inputNoise);
        require(labelSmoothing >= 0 && labelSmoothing < 1, "label-smoothing",
                "must be within [0, 1), got " + labelSmoothing);
        require(l2 >= 0 && Double.isFinite(l2), "l2", "must be >= 0, got " + l2);
    }

    /** Whether any option draws random numbers in training (dropout or input noise). */
    public boolean perturbsInputs() {
        return inputDropout > 0 || dropout > 0 || inputNoise > 0;
    }
}
