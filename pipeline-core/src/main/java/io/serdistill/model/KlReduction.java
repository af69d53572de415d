package io.serdistill.model;

import java.util.Locale;

/**
 * How the distillation term's per-example KL is reduced over a batch ({@code ser.distill.kl-reduction}).
 * {@link #BATCHMEAN}: summed over classes, averaged over the batch (the true KL per utterance; PyTorch's
 * {@code KLDivLoss(reduction="batchmean")}). {@link #MEAN}: averaged over batch × classes, as the paper's code does
 * ({@code KLDivLoss(reduction="mean")}), which is the batchmean value divided by the number of classes: the paper's
 * stated λ on the KD term is effectively λ / C.
 */
public enum KlReduction {
    BATCHMEAN,
    MEAN;

    /** The factor on the batchmean KL: 1, or 1 / classes. */
    public double factor(int classes) {
        return this == BATCHMEAN ? 1.0 : 1.0 / classes;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
