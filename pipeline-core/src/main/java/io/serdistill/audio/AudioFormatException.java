package io.serdistill.audio;

import io.serdistill.data.RejectReason;

/**
 * Audio that cannot be used, with the reject code the extraction stage records for its manifest row.
 * Checked because every caller must route the row to the rejects table rather than fail the job.
 */
public final class AudioFormatException extends Exception {

    private final RejectReason reason;

    public AudioFormatException(RejectReason reason, String message) {
        super(message);
        if (reason == null) {
            throw new IllegalArgumentException("reason must not be null");
        }
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
