package io.serdistill.audio;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Encodes samples as a RIFF/WAVE file: integer PCM or IEEE float, one or more interleaved channels, with a
 * classic 16-byte fmt chunk or a 40-byte WAVE_FORMAT_EXTENSIBLE one.
 *
 * <p>Integer formats clip to [-1, 1] and scale by 2^(bits-1) with rounding, clamping +1.0 to the largest code;
 * so {@code k / 2^(bits-1)} round-trips exactly through {@link WavDecoder}. NaN becomes 0 in integer formats and
 * stays NaN in float ones. Stateless and thread-safe.
 */
public final class WavWriter {

    private WavWriter() {
    }

    /** A mono clip as 16-bit PCM, the corpus format. */
    public static byte[] pcm16(AudioClip clip) {
        return write(clip, SampleFormat.PCM_S16);
    }

    /** A mono clip in the given sample format. */
    public static byte[] write(AudioClip clip, SampleFormat format) {
        return write(new float[][] {clip.samples()}, clip.sampleRate(), format, false);
    }

    /**
     * Interleaves the channels into one file.
     *
     * @param channels   shape [channels][frames]; every channel must have the same number of frames
     * @param sampleRate Hz
     * @param format     sample encoding of the data chunk
     * @param extensible write WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE with a sub-format GUID) instead of the plain tag
     */
    public static byte[] write(float[][] channels, int sampleRate, SampleFormat format, boolean extensible) {
        if (channels.length == 0 || channels.length > 0xFFFF) {
            throw new IllegalArgumentException("need 1..65535 channels, got " + channels.length);
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be positive, got " + sampleRate);
        }
        int frames = channels[0].length;
        for (int c = 1; c < channels.length; c++) {
            if (channels[c].length != frames) {
                throw new IllegalArgumentException("channel " + c + " has " + channels[c].length
                        + " frames, channel 0 has " + frames);
            }
        }
        int bytes = format.bytesPerSample();
        int blockAlign = channels.length * bytes;
        long dataSize = (long) frames * blockAlign;
        int fmtSize = extensible ? 40 : 16;
        long riffSize = 4 + (8 + fmtSize) + (8 + dataSize) + (dataSize & 1);
        if (riffSize + 8 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("audio too long for one WAV byte array: " + dataSize + " data bytes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) (riffSize + 8)).order(ByteOrder.LITTLE_ENDIAN);
        out.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt((int) riffSize)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII));
        out.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(fmtSize)
                .putShort((short) (extensible ? WavConstants.FORMAT_EXTENSIBLE : format.formatTag()))
                .putShort((short) channels.length)
                .putInt(sampleRate)
                .putInt(sampleRate * blockAlign)
                .putShort((short) blockAlign)
                .putShort((short) format.bitsPerSample());
        if (extensible) {
            out.putShort((short) 22) // cbSize: the extension that follows
                    .putShort((short) format.bitsPerSample()) // valid bits
                    .putInt(0) // channel mask: no speaker positions claimed
                    .putShort((short) format.formatTag())
                    .put(WavConstants.SUBTYPE_GUID_TAIL);
        }
        out.put("data".getBytes(StandardCharsets.US_ASCII)).putInt((int) dataSize);
        for (int f = 0; f < frames; f++) {
            for (float[] channel : channels) {
                putSample(out, format, channel[f]);
            }
        }
        return out.array(); // a pad byte for an odd data size is already zero
    }

    /** Writes {@link #write(float[][], int, SampleFormat, boolean)}'s bytes to the stream (not closed here). */
    public static void write(float[][] channels, int sampleRate, SampleFormat format, boolean extensible,
                             OutputStream out) throws IOException {
        out.write(write(channels, sampleRate, format, extensible));
    }

    private static void putSample(ByteBuffer out, SampleFormat format, float x) {
        switch (format) {
            case PCM_U8 -> out.put((byte) (quantize(x, 128.0) + 128));
            case PCM_S16 -> out.putShort((short) quantize(x, 32768.0));
            case PCM_S24 -> {
                long v = quantize(x, 8388608.0);
                out.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
            }
            case PCM_S32 -> out.putInt((int) quantize(x, 2147483648.0));
            case FLOAT32 -> out.putFloat(x);
            case FLOAT64 -> out.putDouble(x);
            default -> throw new IllegalStateException("unhandled sample format " + format);
        }
    }

    /** Rounds x * fullScale to the nearest code in [-fullScale, fullScale - 1]. */
    private static long quantize(float x, double fullScale) {
        double clipped = Math.max(-1.0, Math.min(1.0, x)); // Math.min/max pass NaN through
        if (Double.isNaN(clipped)) {
            return 0;
        }
        return Math.min((long) fullScale - 1, Math.round(clipped * fullScale));
    }
}
