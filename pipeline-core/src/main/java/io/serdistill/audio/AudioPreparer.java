package io.serdistill.audio;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns WAV bytes into the mono clip at the target rate that feature extraction consumes: decode with the
 * channel mode, validate, cut to the maximum duration, resample.
 *
 * <p>Checks run on the decoded clip before cutting and resampling, in this order: NON_FINITE (a NaN would smear
 * over the whole resampled clip), TOO_SHORT (duration below {@link AudioOptions#minSeconds()}), SILENT (peak
 * |sample| below {@value #SILENCE_PEAK}, i.e. under one 16-bit step). Cutting happens before resampling so long
 * recordings cost only what is kept.
 *
 * <p>Keeps one {@link Resampler} per source rate it meets, so it is meant as per-task reusable state:
 * thread-confined, not safe to share between threads.
 */
public final class AudioPreparer {

    /** Peak absolute amplitude below which a clip counts as silent. */
    public static final double SILENCE_PEAK = 1e-5;

    private final AudioOptions options;
    /**
     * Filter-table floats the cached resamplers may hold together (64 MB). An odd rate near the 384 kHz limit costs
     * ~26 M floats; a corpus of many such rates would otherwise grow one task's cache until the executor ran out of
     * memory, so past this the cache starts again.
     */
    static final long MAX_CACHED_TABLE_FLOATS = 16L << 20;

    private final Map<Integer, Resampler> resamplers = new HashMap<>();
    private final long maxCachedTableFloats;
    private long cachedTableFloats;

    public AudioPreparer(AudioOptions options) {
        this(options, MAX_CACHED_TABLE_FLOATS);
    }

    /** With another bound on the resampler cache (tests). */
    AudioPreparer(AudioOptions options, long maxCachedTableFloats) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.options = options;
        this.maxCachedTableFloats = maxCachedTableFloats;
    }

    public AudioOptions options() {
        return options;
    }

    /** The cached resampler from {@code rate}, built (and the cache emptied first when full) on first use. */
    private Resampler resampler(int rate) {
        Resampler r = resamplers.get(rate);
        if (r == null) {
            r = new Resampler(rate, options.targetRate());
            if (cachedTableFloats + r.tableFloats() > maxCachedTableFloats) {
                resamplers.clear();
                cachedTableFloats = 0;
            }
            resamplers.put(rate, r);
            cachedTableFloats += r.tableFloats();
        }
        return r;
    }

    /** Filter-table floats the cache holds now (for tests). */
    long cachedTableFloats() {
        return cachedTableFloats;
    }

    /** Decodes and prepares a WAV file; the result is mono at {@link AudioOptions#targetRate()} Hz. */
    public AudioClip prepare(byte[] wav) throws AudioFormatException {
        return prepare(WavDecoder.decode(wav, options.channelMode()));
    }

    /**
     * Decodes and prepares a WAV stream (not closed here), reading only the bytes the maximum duration keeps: a
     * file far longer than {@link AudioOptions#maxSeconds()} costs no more than that much audio. The checks then
     * see the kept audio only (a NaN or the only loud passage after the cut no longer matters).
     *
     * @param length the stream's length in bytes when known, else -1
     */
    public AudioClip prepare(InputStream wav, long length) throws IOException, AudioFormatException {
        return prepare(WavDecoder.decode(wav, length, options.channelMode(), options.maxSeconds()));
    }

    /** Validates, cuts and resamples an already decoded mono clip. */
    public AudioClip prepare(AudioClip clip) throws AudioFormatException {
        float[] x = clip.samples();
        double peak = 0;
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (!Float.isFinite(v)) {
                throw new AudioFormatException(AudioProblem.NON_FINITE,
                        "sample " + i + " of " + x.length + " is " + v);
            }
            peak = Math.max(peak, Math.abs(v));
        }
        double seconds = clip.durationSeconds();
        if (seconds < options.minSeconds()) {
            throw new AudioFormatException(AudioProblem.TOO_SHORT, String.format(
                    "%.4f s (%d frames at %d Hz) is shorter than the minimum %.4f s",
                    seconds, x.length, clip.sampleRate(), options.minSeconds()));
        }
        if (peak < SILENCE_PEAK) {
            throw new AudioFormatException(AudioProblem.SILENT, String.format(
                    "peak amplitude %.3g is below the silence threshold %.0e", peak, SILENCE_PEAK));
        }
        AudioClip cut = clip;
        if (options.maxSeconds() > 0) {
            int keep = (int) Math.ceil(options.maxSeconds() * clip.sampleRate());
            if (keep < x.length) {
                cut = new AudioClip(Arrays.copyOf(x, keep), clip.sampleRate());
            }
        }
        if (cut.sampleRate() == options.targetRate()) {
            return cut;
        }
        Resampler resampler = resampler(cut.sampleRate());
        AudioClip out = resampler.resample(cut);
        if (options.maxSeconds() > 0) {
            // ceil() on both sides can leave one frame more than the limit at the target rate.
            int limit = (int) Math.ceil(options.maxSeconds() * options.targetRate());
            if (out.samples().length > limit) {
                out = new AudioClip(Arrays.copyOf(out.samples(), limit), out.sampleRate());
            }
        }
        return out;
    }
}
