package io.serdistill.data;

import io.serdistill.audio.AudioProblem;

/**
 * Why a manifest row did not become a feature row. Every row ends either in features or in the rejects table
 * with one of these codes, so the set is shared by the manifest and extraction stages; the audio decoder reports
 * its own {@link AudioProblem}s, each recorded as the reason of the same name ({@link #of}).
 */
public enum RejectReason {
    /** The manifest line could not be parsed (wrong column count, blank required field, bad quoting). */
    MALFORMED_ROW,
    /** The audio path named by the row does not exist (or is not a valid path). */
    MISSING_FILE,
    /** The path exists but is not a regular file (a directory, FIFO, device or socket); it is never opened. */
    NOT_A_FILE,
    /** No FileSystem reads the path's scheme here (s3a:// without its jars, http://); the message has the cause. */
    UNSUPPORTED_SCHEME,
    /** The path lies outside the manifest's directory tree and every ser.input.allowed-roots entry. */
    OUTSIDE_ROOTS,
    /** The file exists but could not be read or parsed (I/O error, cut header, missing fmt chunk, garbage). */
    UNREADABLE,
    /** The bytes are not a RIFF/WAVE file. */
    NOT_WAV,
    /** A WAV file whose codec, bit depth or channel layout we do not decode (ADPCM, µ-law, 12-bit float, ...). */
    UNSUPPORTED_FORMAT,
    /** A WAV file whose sample rate is outside 4-384 kHz; the message has the rate. */
    UNSUPPORTED_SAMPLE_RATE,
    /** More audio than one clip can hold: over 2 GiB of sample data to keep (e.g. without ser.audio.max-seconds). */
    TOO_LONG,
    /** A WAV file without a data chunk or with zero sample frames. */
    EMPTY_AUDIO,
    /** Audio shorter than the configured minimum duration. */
    TOO_SHORT,
    /** Audio whose peak absolute amplitude is below the silence threshold. */
    SILENT,
    /** Audio containing a NaN or infinite sample (only possible with float WAVs). */
    NON_FINITE,
    /** The emotion label is not one of the canonical classes and has no mapping. */
    UNKNOWN_LABEL,
    /** The language code is not one the run is configured for. */
    UNKNOWN_LANGUAGE,
    /** The utterance id occurs more than once in the manifest; all but the first occurrence are rejected. */
    DUPLICATE_ID,
    /**
     * Decoding or feature extraction of this one row failed unexpectedly (a RuntimeException, or an Error such as
     * OutOfMemoryError or StackOverflowError); the message names the exception. The row is rejected instead of the
     * executor dying, so the rest of the run goes on.
     */
    EXTRACTION_FAILED,
    /** A long recording in which voice activity detection found no speech (infer, ser.infer.segmentation = energy-vad). */
    NO_SPEECH;

    /** The reason recorded for audio that fails with {@code problem}: the code of the same name. */
    public static RejectReason of(AudioProblem problem) {
        return switch (problem) {
            case UNREADABLE -> UNREADABLE;
            case NOT_WAV -> NOT_WAV;
            case UNSUPPORTED_FORMAT -> UNSUPPORTED_FORMAT;
            case UNSUPPORTED_SAMPLE_RATE -> UNSUPPORTED_SAMPLE_RATE;
            case TOO_LONG -> TOO_LONG;
            case EMPTY_AUDIO -> EMPTY_AUDIO;
            case TOO_SHORT -> TOO_SHORT;
            case SILENT -> SILENT;
            case NON_FINITE -> NON_FINITE;
        };
    }
}
