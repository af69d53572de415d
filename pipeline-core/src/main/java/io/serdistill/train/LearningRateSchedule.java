package io.serdistill.train;

/**
 * Learning rate per optimiser step: linear warm-up over the first {@code warmupFraction} of the steps, then
 * constant, linear decay to zero, or cosine decay to zero.
 */
public record LearningRateSchedule(Shape shape, double peak, double warmupFraction, long totalSteps)
        implements java.io.Serializable {

    public enum Shape { CONSTANT, LINEAR, COSINE }

    public LearningRateSchedule {
        if (peak <= 0 || warmupFraction < 0 || warmupFraction >= 1 || totalSteps < 1) {
            throw new IllegalArgumentException("need peak > 0, 0 <= warmupFraction < 1, totalSteps >= 1; got "
                    + peak + ", " + warmupFraction + ", " + totalSteps);
        }
    }

    /** Learning rate for 0-based step {@code step}. */
    public double at(long step) {
        long warmup = Math.round(warmupFraction * totalSteps);
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = totalSteps == warmup ? 1 : (double) (step - warmup) / (totalSteps - warmup);
        progress = Math.min(1, Math.max(0, progress));
        return switch (shape) {
            case CONSTANT -> peak;
            case LINEAR -> peak * (1 - progress);
            case COSINE -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
