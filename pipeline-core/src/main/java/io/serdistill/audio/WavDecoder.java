package io.serdistill.audio;


import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Decodes RIFF/WAVE bytes into a mono {@link AudioClip} at the file's own sample rate.
 *
 * <p>Reads integer PCM (8-bit unsigned, 16, 24, 32-bit signed), IEEE float (32, 64-bit), and
 * WAVE_FORMAT_EXTENSIBLE wrapping either, with any number of channels. Integer samples are scaled by
 * 2^(bits-1) so full scale maps to [-1, 1); float samples are taken as they are. Unknown chunks (LIST, fact,
 * cue, ...) are skipped, honouring the pad byte after odd-sized chunks. A data chunk whose declared size runs
 * past the end of the file (a cut download, or RF64's 0xFFFFFFFF placeholder) yields the complete frames present.
 *
 * <p>Sample rates outside {@value #MIN_SAMPLE_RATE}–{@value #MAX_SAMPLE_RATE} Hz are refused before any sample is
 * read (UNSUPPORTED_SAMPLE_RATE): a rate of millions of Hz would make the resampler's table gigabytes, and a rate
 * of a few Hz turns a few bytes into minutes of interpolated noise. From a stream, only the bytes the kept
 * duration needs are read ({@link #decode(InputStream, long, ChannelMode, double)}), so a file's size costs
 * nothing beyond them. Messages never quote a file's content beyond the hex of its magic bytes.
 *
 * <p>Written by hand rather than with javax.sound because that API rejects EXTENSIBLE and 64-bit float files and
 * cannot say why a file is bad; here every failure carries an {@link AudioProblem}. Stateless and thread-safe.
 */
public final class WavDecoder {

    private static final Map<Integer, String> KNOWN_CODECS = Map.ofEntries(
            Map.entry(0x0002, "ADPCM"),
            Map.entry(0x0006, "A-law"),
            Map.entry(0x0007, "mu-law"),
            Map.entry(0x0011, "IMA ADPCM"),
            Map.entry(0x0031, "GSM 6.10"),
            Map.entry(0x0050, "MPEG"),
            Map.entry(0x0055, "MPEG Layer 3"),
            Map.entry(0x00FF, "AAC"),
            Map.entry(0x1610, "HE-AAC"),
            Map.entry(0xF1AC, "FLAC"));

    /** Lowest sample rate accepted, in Hz (telephone audio is 8 kHz). */
    public static final int MIN_SAMPLE_RATE = 4_000;
    /** Highest sample rate accepted, in Hz (the highest rate studio recorders write). */
    public static final int MAX_SAMPLE_RATE = 384_000;
    /** Largest fmt chunk read from a stream; a standard one holds 16 to 40 bytes. */
    private static final int MAX_FMT_BYTES = 1 << 16;
    /** The most bytes one decode holds: a Java array's limit, less room for the header. */
    private static final long MAX_WAV_BYTES = Integer.MAX_VALUE - 1024;

    private WavDecoder() {
    }

    /** Reads the whole stream (not closed here) and decodes it; I/O failures are the caller's to classify. */
    public static AudioClip decode(InputStream in, ChannelMode mode) throws IOException, AudioFormatException {
        return decode(in, -1, mode, 0);
    }

    /**
     * Reads from the stream (not closed here) only what decoding the first {@code maxSeconds} needs: the RIFF
     * header, the chunks up to the data chunk (unknown ones skipped, not kept), and as many data bytes as
     * {@code maxSeconds} of frames at the file's rate take; the result equals decoding the whole file and keeping
     * its first {@code ceil(maxSeconds * rate)} frames, except that a data chunk met before the fmt chunk (its frame
     * size still unknown) is read whole.
     *
     * @param length     the stream's length in bytes when known (bounds what a declared size may claim), else -1
     * @param maxSeconds how much audio is kept; 0 keeps all of it
     * @throws AudioFormatException as {@link #decode(byte[], ChannelMode)}, before reading the data when the fmt
     *                              chunk is bad; TOO_LONG when the audio to keep exceeds what one array holds
     */
    public static AudioClip decode(InputStream in, long length, ChannelMode mode, double maxSeconds)
            throws IOException, AudioFormatException {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        return decode(readNeeded(in, length, maxSeconds), mode);
    }

    /** A compact WAV: the header, the fmt chunk and the data bytes to keep, in the order the file has them. */
    private static byte[] readNeeded(InputStream in, long length, double maxSeconds)
            throws IOException, AudioFormatException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] riff = in.readNBytes(12);
        out.writeBytes(riff);
        if (riff.length < 12) {
            return out.toByteArray(); // decode reports the short header
        }
        checkRiffHeader(riff);
        long position = 12;
        Format format = null;
        while (true) {
            byte[] header = in.readNBytes(8);
            out.writeBytes(header);
            position += header.length;
            if (header.length < 8) {
                break;
            }
            String id = fourCc(header, 0);
            long size = Integer.toUnsignedLong(ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt(4));
            long padded = size + (size & 1);
            if (id.equals("fmt ")) {
                if (size > MAX_FMT_BYTES) {
                    throw new AudioFormatException(AudioProblem.UNREADABLE,
                            "fmt chunk declares " + size + " bytes; a fmt chunk holds 16 to 40");
                }
                byte[] body = in.readNBytes((int) padded);
                out.writeBytes(body);
                position += body.length;
                if (body.length < size) {
                    break; // decode reports the cut fmt chunk
                }
                format = parseFormat(ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN), 0, (int) size);
            } else if (id.equals("data")) {
                long keep = size;
                if (format != null && maxSeconds > 0) {
                    long frameSize = (long) format.channels * format.sample.bytesPerSample();
                    keep = Math.min(size, (long) Math.ceil(maxSeconds * format.sampleRate) * frameSize);
                }
                if (length >= 0) {
                    keep = Math.min(keep, Math.max(0, length - position));
                }
                if (keep > MAX_WAV_BYTES - out.size()) {
                    throw new AudioFormatException(AudioProblem.TOO_LONG, "data chunk declares " + size
                            + " bytes, more than one clip can hold (2 GiB)"
                            + (maxSeconds > 0 ? "" : "; set a maximum duration (ser.audio.max-seconds)"));
                }
                byte[] data = in.readNBytes((int) keep);
                out.writeBytes(data);
                position += data.length;
                if (format != null || data.length < size) {
                    break; // nothing after the kept bytes is needed (or there is nothing after them)
                }
                if ((size & 1) == 1 && in.read() >= 0) {
                    out.write(0);
                    position++;
                }
            } else {
                long skipped = skip(in, padded);
                position += skipped;
                if (skipped < padded) {
                    break; // a cut trailing chunk
                }
                // Only the fmt and data chunks are kept: drop this chunk's header again.
                byte[] kept = out.toByteArray();
                out.reset();
                out.write(kept, 0, kept.length - 8);
            }
        }
        return out.toByteArray();
    }

    /** Skips up to {@code n} bytes, fewer only at the end of the stream. */
    private static long skip(InputStream in, long n) throws IOException {
        long done = 0;
        while (done < n) {
            long s = in.skip(n - done);
            if (s <= 0) {
                if (in.read() < 0) {
                    break;
                }
                s = 1;
            }
            done += s;
        }
        return done;
    }

    /**
     * Decodes a complete WAV file.
     *
     * @param wav  the file's bytes
     * @param mode how channels become mono
     * @return mono samples at the file's sample rate, shape [frames]
     * @throws AudioFormatException NOT_WAV (no RIFF/WAVE header), UNREADABLE (no or bad fmt chunk, data cut
     *                              before the first complete frame), UNSUPPORTED_FORMAT (codec, bit depth, or a
     *                              selected channel the file does not have), EMPTY_AUDIO (no data chunk, zero frames)
     */
    public static AudioClip decode(byte[] wav, ChannelMode mode) throws AudioFormatException {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        ByteBuffer buf = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        checkRiffHeader(wav);

        Format format = null;
        int dataOffset = -1;
        long dataDeclared = 0;
        int dataPresent = 0;
        int pos = 12;
        while (pos + 8 <= wav.length) {
            String id = fourCc(wav, pos);
            long size = Integer.toUnsignedLong(buf.getInt(pos + 4));
            int body = pos + 8;
            long available = wav.length - body;
            if (id.equals("data")) {
                dataOffset = body;
                dataDeclared = size;
                dataPresent = (int) Math.min(size, available);
                if (size >= available) {
                    break; // nothing can follow a data chunk that reaches the end of the file
                }
            } else if (id.equals("fmt ")) {
                if (size > available) {
                    throw new AudioFormatException(AudioProblem.UNREADABLE,
                            "fmt chunk declares " + size + " bytes but only " + available + " remain in the file");
                }
                format = parseFormat(buf, body, (int) size);
            } else if (size > available) {
                break; // a cut trailing chunk; what came before may still be usable
            }
            // RIFF chunks are word aligned: an odd-sized body is followed by one pad byte.
            long next = body + size + (size & 1);
            if (next > wav.length) {
                break;
            }
            pos = (int) next;
        }

        if (format == null) {
            throw new AudioFormatException(AudioProblem.UNREADABLE,
                    dataOffset < 0 ? "no fmt chunk and no data chunk found" : "no fmt chunk found");
        }
        if (dataOffset < 0) {
            throw new AudioFormatException(AudioProblem.EMPTY_AUDIO, "no data chunk found");
        }
        int frameSize = format.channels * format.sample.bytesPerSample();
        int frames = dataPresent / frameSize;
        if (frames == 0) {
            if (dataDeclared == 0) {
                throw new AudioFormatException(AudioProblem.EMPTY_AUDIO, "data chunk is empty (0 frames)");
            }
            if (dataDeclared > dataPresent) {
                throw new AudioFormatException(AudioProblem.UNREADABLE, "file is truncated: data chunk declares "
                        + dataDeclared + " bytes but only " + dataPresent + " are present, less than one "
                        + frameSize + "-byte frame");
            }
            throw new AudioFormatException(AudioProblem.EMPTY_AUDIO,
                    "data chunk holds " + dataPresent + " bytes, less than one " + frameSize + "-byte frame");
        }

        int first;
        int used;
        if (mode instanceof ChannelMode.Select select) {
            if (select.channel() >= format.channels) {
                throw new AudioFormatException(AudioProblem.UNSUPPORTED_FORMAT, "channel " + select.channel()
                        + " (0-based) was selected but the file has " + format.channels + " channel(s)");
            }
            first = dataOffset + select.channel() * format.sample.bytesPerSample();
            used = 1;
        } else {
            first = dataOffset;
            used = format.channels;
        }
        float[] out = new float[frames];
        readSamples(buf, wav, format.sample, first, frameSize, used, out);
        return new AudioClip(out, format.sampleRate);
    }

    private static void checkRiffHeader(byte[] wav) throws AudioFormatException {
        if (wav.length < 12) {
            throw new AudioFormatException(AudioProblem.NOT_WAV,
                    "only " + wav.length + " bytes; a WAV file starts with a 12-byte RIFF/WAVE header");
        }
        String riff = fourCc(wav, 0);
        String wave = fourCc(wav, 8);
        if (!(riff.equals("RIFF") || riff.equals("RF64")) || !wave.equals("WAVE")) {
            // Hex of the eight magic bytes only: the file may be anything (a key, a password file), and messages
            // end up in logs and the warehouse.
            throw new AudioFormatException(AudioProblem.NOT_WAV, "magic bytes 0-3 and 8-11 are "
                    + hex(wav, 0) + " and " + hex(wav, 8) + ", not RIFF (52 49 46 46) and WAVE (57 41 56 45)");
        }
    }

    /** What the fmt chunk says, reduced to what decoding needs. */
    private record Format(SampleFormat sample, int channels, int sampleRate) {
    }

    private static Format parseFormat(ByteBuffer buf, int at, int size) throws AudioFormatException {
        if (size < 16) {
            throw new AudioFormatException(AudioProblem.UNREADABLE,
                    "fmt chunk is " + size + " bytes, the minimum is 16");
        }
        int tag = Short.toUnsignedInt(buf.getShort(at));
        int channels = Short.toUnsignedInt(buf.getShort(at + 2));
        long sampleRate = Integer.toUnsignedLong(buf.getInt(at + 4));
        int bits = Short.toUnsignedInt(buf.getShort(at + 14));
        if (tag == WavConstants.FORMAT_EXTENSIBLE) {
            if (size < 40) {
                throw new AudioFormatException(AudioProblem.UNREADABLE,
                        "WAVE_FORMAT_EXTENSIBLE fmt chunk is " + size + " bytes, expected 40");
            }
            byte[] guid = new byte[16];
            buf.get(at + 24, guid);
            byte[] tail = Arrays.copyOfRange(guid, 2, 16);
            int subTag = (guid[0] & 0xFF) | (guid[1] & 0xFF) << 8;
            if (!Arrays.equals(tail, WavConstants.SUBTYPE_GUID_TAIL)) {
                throw new AudioFormatException(AudioProblem.UNSUPPORTED_FORMAT,
                        "WAVE_FORMAT_EXTENSIBLE sub-format GUID is not a standard KSDATAFORMAT_SUBTYPE");
            }
            tag = subTag;
        }
        if (tag != WavConstants.FORMAT_PCM && tag != WavConstants.FORMAT_IEEE_FLOAT) {
            String name = KNOWN_CODECS.get(tag);
            throw new AudioFormatException(AudioProblem.UNSUPPORTED_FORMAT, String.format(
                    "format tag 0x%04X%s is not supported; PCM and IEEE float only",
                    tag, name == null ? "" : " (" + name + ")"));
        }
        if (channels == 0) {
            throw new AudioFormatException(AudioProblem.UNREADABLE, "fmt chunk declares 0 channels");
        }
        if (sampleRate == 0) {
            throw new AudioFormatException(AudioProblem.UNREADABLE, "fmt chunk declares a sample rate of 0 Hz");
        }
        if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
            throw new AudioFormatException(AudioProblem.UNSUPPORTED_SAMPLE_RATE, "fmt chunk declares a sample rate of "
                    + sampleRate + " Hz, outside " + MIN_SAMPLE_RATE + "-" + MAX_SAMPLE_RATE + " Hz");
        }
        // Samples narrower than their container (e.g. 20-bit in 24) are left-justified, so the container decides.
        int container = (bits + 7) / 8 * 8;
        SampleFormat sample = SampleFormat.of(tag, container);
        if (sample == null || (tag == WavConstants.FORMAT_IEEE_FLOAT && bits != container)) {
            throw new AudioFormatException(AudioProblem.UNSUPPORTED_FORMAT, bits + "-bit "
                    + (tag == WavConstants.FORMAT_PCM ? "PCM" : "IEEE float")
                    + " is not supported; PCM 8/16/24/32-bit and float 32/64-bit only");
        }
        return new Format(sample, channels, (int) sampleRate);
    }

    /**
     * Fills {@code out[f]} with the mean of {@code used} adjacent channels starting at byte
     * {@code first + f * frameSize}. One loop per encoding keeps the inner loop free of dispatch and allocation.
     */
    private static void readSamples(ByteBuffer buf, byte[] wav, SampleFormat sample, int first, int frameSize,
                                    int used, float[] out) {
        int frames = out.length;
        switch (sample) {
            case PCM_U8 -> {
                double scale = 1.0 / (128.0 * used);
                for (int f = 0, p = first; f < frames; f++, p += frameSize) {
                    int acc = 0;
                    for (int c = 0; c < used; c++) {
                        acc += (wav[p + c] & 0xFF) - 128;
                    }
                    out[f] = (float) (acc * scale);
                }
            }
            case PCM_S16 -> {
                double scale = 1.0 / (32768.0 * used);
                for (int f = 0, p = first; f < frames; f++, p += frameSize) {
                    int acc = 0;
                    for (int c = 0; c < used; c++) {
                        acc += buf.getShort(p + 2 * c);
                    }
                    out[f] = (float) (acc * scale);
                }
            }
            case PCM_S24 -> {
                double scale = 1.0 / (8388608.0 * used);
                for (int f = 0, p = first; f < frames; f++, p += frameSize) {
                    long acc = 0;
                    for (int c = 0, q = p; c < used; c++, q += 3) {
                        // The top byte is read signed so the 24-bit value is sign-extended.
                        acc += (wav[q] & 0xFF) | (wav[q + 1] & 0xFF) << 8 | wav[q + 2] << 16;
                    }
                    out[f] = (float) (acc * scale);
                }
            }
            case PCM_S32 -> {
                double scale = 1.0 / (2147483648.0 * used);
                for (int f = 0, p = first; f < frames; f++, p += frameSize) {
                    long acc = 0;
                    for (int c = 0; c < used; c++) {
                        acc += buf.getInt(p + 4 * c);
                    }
                    out[f] = (float) (acc * scale);
                }
            }
            case FLOAT32 -> {
                for (int f = 0, p = first; f < frames; f++, p += frameSize) {
                    double acc = 0;
                    for (int c = 0; c < used; c++) {
                        acc += buf.getFloat(p + 4 * c);
                    }
                    out[f] = (float) (acc / used);
                }
            }
            case FLOAT64 -> {
                for (int f = 0, p = first; f < frames; f++, p += frameSize) {
                    double acc = 0;
                    for (int c = 0; c < used; c++) {
                        acc += buf.getDouble(p + 8 * c);
                    }
                    out[f] = (float) (acc / used);
                }
            }
            default -> throw new IllegalStateException("unhandled sample format " + sample);
        }
    }

    private static String fourCc(byte[] b, int at) {
        return new String(b, at, 4, StandardCharsets.ISO_8859_1);
    }

    /** Four bytes as upper-case hex pairs, e.g. "52 49 46 46". */
    private static String hex(byte[] b, int at) {
        return String.format("%02X %02X %02X %02X", b[at], b[at + 1], b[at + 2], b[at + 3]);
    }
}
