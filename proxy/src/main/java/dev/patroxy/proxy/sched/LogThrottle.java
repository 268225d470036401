package dev.patroxy.proxy.sched;

import java.time.Duration;

/**
 * Lets an event that repeats be logged at most once per interval, and says how many were held back in between, so
 * that a failure in a loop is neither silent nor a flood.
 */
public final class LogThrottle {
    private final long everyNanos;
    private boolean passedOnce;
    private long lastPassedAt;
    private long heldBack;

    public LogThrottle(Duration every) {
        this.everyNanos = every.toNanos();
    }

    /** For an event at {@code nowNanos}: -1 to stay quiet, else how many were held back since the last one logged. */
    public synchronized long pass(long nowNanos) {
        if (passedOnce && nowNanos - lastPassedAt < everyNanos) {
            heldBack++;
            return -1;
        }
        passedOnce = true;
        lastPassedAt = nowNanos;
        long held = heldBack;
        heldBack = 0;
        return held;
    }
}
