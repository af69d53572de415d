package io.serdistill.data;

import java.io.Serializable;

/**
 * A manifest row that did not become features, and why. Every manifest row ends in the features table or as a
 * Reject; nothing is dropped silently.
 *
 * @param stage  the stage that rejected it (manifest, extract)
 * @param row    1-based line number in the manifest CSV (the header is line 1)
 * @param uttId  utterance id when known, else null
 * @param path   the audio path as resolved (or as written, when it could not be resolved), else null
 */
public record Reject(String stage, long row, String uttId, String path, RejectReason reason, String message)
        implements Serializable {

    /** "manifest.csv row 7 (path a.wav): UNKNOWN_LABEL: ..." — the line operators see in logs. */
    public String describe() {
        return "row " + row + (path == null ? "" : " (" + path + ")") + ": " + reason + ": " + message;
    }
}
