package io.serdistill.jobs;

import java.util.HashSet;
import java.util.Set;

/**
 * The one-line error of a failed run: the failure's own message, and when the deepest exception of its cause chain
 * says something else (Spark wraps a task's {@code IOException: No space left on device} in several layers of "Job
 * aborted"), that root cause too, so the line names what to fix without the stack trace.
 */
final class Failures {
    private Failures() {}

    static String oneLine(Throwable e) {
        Throwable root = e;
        Set<Throwable> seen = new HashSet<>();
        while (root.getCause() != null && seen.add(root)) {
            root = root.getCause();
        }
        String top = describe(e);
        if (root == e) {
            return top;
        }
        String cause = root.getClass().getName() + (root.getMessage() == null ? "" : ": " + describe(root));
        String rootMessage = root.getMessage();
        return rootMessage != null && !rootMessage.isBlank() && top.contains(rootMessage) ? top
                : top + " (root cause: " + cause + ")";
    }

    /** The message, or the exception's class when it has none ("null" says nothing). */
    private static String describe(Throwable t) {
        String message = t.getMessage();
        String first = message == null || message.isBlank() ? null : message.lines().findFirst().orElse(message);
        return first == null ? t.getClass().getName() : first;
    }
}
