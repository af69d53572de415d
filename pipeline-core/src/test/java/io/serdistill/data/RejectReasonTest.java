package io.serdistill.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.serdistill.audio.AudioProblem;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RejectReasonTest {

    @Test
    void everyAudioProblemIsRecordedAsTheReasonOfTheSameName() {
        for (AudioProblem p : AudioProblem.values()) {
            assertEquals(p.name(), RejectReason.of(p).name());
        }
    }

    @Test
    void theRejectCodesAreTheOnesTheRejectsTableHolds() {
        assertEquals(List.of("MALFORMED_ROW", "MISSING_FILE", "NOT_A_FILE", "UNSUPPORTED_SCHEME", "OUTSIDE_ROOTS",
                        "UNREADABLE", "NOT_WAV", "UNSUPPORTED_FORMAT", "UNSUPPORTED_SAMPLE_RATE", "TOO_LONG",
                        "EMPTY_AUDIO", "TOO_SHORT", "SILENT", "NON_FINITE", "UNKNOWN_LABEL", "UNKNOWN_LANGUAGE",
                        "DUPLICATE_ID", "EXTRACTION_FAILED", "NO_SPEECH"),
                Arrays.stream(RejectReason.values()).map(Enum::name).toList());
    }
}
