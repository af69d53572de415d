package io.serdistill.audio;

/** Test tones. */
final class Sines {

    private Sines() {
    }

    /** amplitude · sin(2π · hz · i / rate) for i in [0, frames), starting at phase 0. */
    static float[] sine(double hz, double amplitude, int rate, int frames) {
        float[] x = new float[frames];
        for (int i = 0; i < frames; i++) {
            x[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return x;
    }
}
