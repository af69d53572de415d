package io.serdistill.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EtaTest {
    @Test
    void remainingStepsTimesMeanStepTime() {
        assertEquals("50s", Eta.of(10, 60, 10.0), "50 epochs left at 1 s each");
        assertEquals("3m 07s", Eta.of(1, 12, 17.0), "11 x 17 s");
        assertEquals("2h 04m", Eta.of(2, 64, 240.0), "62 x 120 s");
        assertEquals("0s", Eta.of(60, 60, 600.0), "nothing left");
        assertEquals("0s", Eta.of(0, 60, 0.0), "no step timed yet");
    }
}
