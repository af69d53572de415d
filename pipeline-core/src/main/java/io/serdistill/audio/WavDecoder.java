package io.serdistill.audio;


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

    private WavDecoder() {
    }

    /** Reads the whole stream (not closed here) and decodes it; I/O failures are the caller's to classify. */
    public static AudioClip decode(InputStream in, ChannelMode mode) throws IOException, AudioFormatException {
        return decode(in.readAllBytes(), mode);
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
            throw new AudioFormatException(AudioProblem.NOT_WAV,
                    "header is '" + printable(riff) + "...." + printable(wave) + "', not 'RIFF....WAVE'");
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
        if (sampleRate == 0 || sampleRate > Integer.MAX_VALUE) {
            throw new AudioFormatException(AudioProblem.UNREADABLE,
                    "fmt chunk declares a sample rate of " + sampleRate + " Hz");
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

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x20 && c < 0x7F) {
                sb.append(c);
            } else {
                sb.append(String.format("\\x%02X", (int) c));
            }
        }
        return sb.toString();
    }
}
