package io.serdistill.data;

/**
 * Why a manifest row did not become a feature row. Every row ends either in features or in the rejects table
 * with one of these codes, so the set is shared by the manifest, audio and extraction stages.
 */
public enum RejectReason {
    /** The manifest line could not be parsed (wrong column count, blank required field, bad quoting). */
    MALFORMED_ROW,
    /** The audio path named by the row does not exist. */
    MISSING_FILE,
    /** The file exists but could not be read or parsed (I/O error, cut header, missing fmt chunk, garbage). */
    UNREADABLE,
    /** The bytes are not a RIFF/WAVE file. */
    NOT_WAV,
    /** A WAV file whose codec, bit depth or channel layout we do not decode (ADPCM, µ-law, 12-bit float, ...). */
    UNSUPPORTED_FORMAT,
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
    DUPLICATE_ID
}
