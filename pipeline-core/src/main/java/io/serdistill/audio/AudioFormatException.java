package io.serdistill.audio;

/**
 * Audio that cannot be used, with the problem the extraction stage records as its manifest row's reject reason.
 * Checked because every caller must route the row to the rejects table rather than fail the job.
 */
public final class AudioFormatException extends Exception {

    private final AudioProblem problem;

    public AudioFormatException(AudioProblem problem, String message) {
        super(message);
        if (problem == null) {
            throw new IllegalArgumentException("problem must not be null");
        }
        this.problem = problem;
    }

    public AudioProblem problem() {
        return problem;
    }
}
