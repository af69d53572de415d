package io.serdistill.data;

import java.io.Serializable;

/**
 * One validated manifest row.
 *
 * @param row     1-based line number in the CSV (header = 1), kept so later rejects can point back to it
 * @param path    absolute URI of the audio file (relative paths are resolved against the CSV's directory)
 * @param split   train, dev or test
 * @param session recording session (IEMOCAP) or empty
 */
public record ManifestEntry(long row, String uttId, String path, String language, Emotion emotion, String speaker,
                            String split, String corpus, String session) implements Serializable {}
