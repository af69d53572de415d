package io.serdistill.audio;

/** Numbers from the RIFF/WAVE specification shared by the reader and the writer. */
final class WavConstants {
    static final int FORMAT_PCM = 0x0001;
    static final int FORMAT_IEEE_FLOAT = 0x0003;
    static final int FORMAT_EXTENSIBLE = 0xFFFE;

    /**
     * Bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID that wraps a classic format tag
     * (xxxxxxxx-0000-0010-8000-00aa00389b71, little-endian fields); bytes 0..1 hold the tag itself.
     */
    static final byte[] SUBTYPE_GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71
    };

    private WavConstants() {
    }
}
