package io.serdistill.jobs.spark;

/** Estimated time left for a loop of equal steps (epochs): steps remaining × mean seconds per step so far. */
final class Eta {
    private Eta() {}

    /**
     * @param done steps finished, at least 1
     * @param total steps planned (early stopping may end sooner, so the estimate is an upper bound)
     * @param elapsedSeconds wall time of the {@code done} steps
     * @return e.g. "1h 02m", "3m 07s", "12s", or "0s" when nothing is left
     */
    static String of(int done, int total, double elapsedSeconds) {
        int left = Math.max(0, total - done);
        return duration(done <= 0 ? 0 : left * elapsedSeconds / done);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format("%dh %02dm", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format("%dm %02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
