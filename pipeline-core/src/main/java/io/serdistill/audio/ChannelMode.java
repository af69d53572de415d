package io.serdistill.audio;

import java.util.Locale;

/**
 * How a multichannel recording becomes mono: the average of all channels, or one channel picked by its
 * 0-based index (for corpora that put the speaker on one channel and the interlocutor on another).
 */
public sealed interface ChannelMode extends java.io.Serializable {

    /** Average of all channels; mono files pass through unchanged. */
    ChannelMode DOWNMIX = new Downmix();

    /** Averages all channels. */
    record Downmix() implements ChannelMode {
        @Override
        public String toString() {
            return "downmix";
        }
    }

    /** Keeps only the channel with this 0-based index; decoding fails if the file has fewer channels. */
    record Select(int channel) implements ChannelMode {
        public Select {
            if (channel < 0) {
                throw new IllegalArgumentException("channel must be >= 0, got " + channel);
            }
        }

        @Override
        public String toString() {
            return "channel:" + channel;
        }
    }

    static ChannelMode select(int channel) {
        return new Select(channel);
    }

    /**
     * Parses the config spelling: {@code downmix} (or {@code mix}, {@code average}), {@code channel:N} or a bare
     * {@code N}. The inverse of {@link #toString()}.
     */
    static ChannelMode parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("downmix") || t.equals("mix") || t.equals("average")) {
            return DOWNMIX;
        }
        String digits = t.startsWith("channel:") ? t.substring("channel:".length()) : t;
        try {
            return select(Integer.parseInt(digits.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "channel mode '" + text + "' is not one of: downmix, channel:N (N >= 0)", e);
        }
    }
}
