package io.serdistill.data;

/**
 * One manifest row before validation, as a manifest CSV line or a corpus adapter gives it; {@link ManifestValidator}
 * turns it into a {@link ManifestEntry} or a {@link Reject}. Values are as written (no case folding yet).
 *
 * @param row     1-based line number in the manifest CSV (header = 1)
 * @param uttId   the utterance id, empty only when the path is empty
 * @param path    as written: an absolute URI, an absolute path or a path relative to the manifest's directory
 * @param emotion the label as written: a canonical class or a key of ser.input.label-map
 * @param split   train, dev or test; ignored (may be empty) when folds assign the splits
 * @param session recording session (IEMOCAP) or empty
 */
public record ManifestRow(long row, String uttId, String path, String language, String emotion, String speaker,
                          String split, String corpus, String session) {}
