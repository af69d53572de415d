package io.serdistill.audio;

/**
 * Why a clip cannot be used, as the decoder, the preparer and feature extractors report it. Extraction records
 * each as the reject reason of the same name ({@code io.serdistill.data.RejectReason#of}), so the codes in the
 * rejects table stay the ones listed here.
 */
public enum AudioProblem {
    /** The file could not be parsed (cut header, missing or bad fmt chunk, data cut before the first frame). */
    UNREADABLE,
    /** The bytes are not a RIFF/WAVE file. */
    NOT_WAV,
    /** A codec, bit depth or channel layout we do not decode (ADPCM, µ-law, 12-bit float, a missing channel). */
    UNSUPPORTED_FORMAT,
    /** A sample rate outside the range the decoder accepts ({@link WavDecoder#MIN_SAMPLE_RATE} to MAX_SAMPLE_RATE). */
    UNSUPPORTED_SAMPLE_RATE,
    /** More audio to keep than one clip can hold (over 2 GiB of data; in practice only without a maximum duration). */
    TOO_LONG,
    /** No data chunk, or zero sample frames. */
    EMPTY_AUDIO,
    /** Shorter than the configured minimum duration, or than one frame of the feature extractor. */
    TOO_SHORT,
    /** Peak absolute amplitude below the silence threshold. */
    SILENT,
    /** A NaN or infinite sample (only possible with float WAVs). */
    NON_FINITE
}
