package io.serdistill.jobs.spark;

import java.io.PrintStream;

/**
 * ND4J 1.0.0-M2.1 prints "Added differentiated op …" with System.out.println for every op the first time a SameDiff
 * graph builds its gradient: hundreds of lines that bury the pipeline's own output. This drops exactly those lines.
 */
public final class StdoutFilter extends PrintStream {
    private static final String NOISE = "Added differentiated op ";

    private StdoutFilter(PrintStream target) {
        super(target, true);
    }

    /** Idempotent; call on the driver and in every task that trains. */
    public static synchronized void install() {
        if (!(System.out instanceof StdoutFilter)) {
            System.setOut(new StdoutFilter(System.out));
        }
    }

    @Override
    public void println(String line) {
        if (line == null || !line.startsWith(NOISE)) {
            super.println(line);
        }
    }
}
