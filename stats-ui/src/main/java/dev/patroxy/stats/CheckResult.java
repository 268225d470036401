package dev.patroxy.stats;

import java.time.Duration;
import java.time.Instant;

/**
 * The outcome of one health check.
 *
 * @param status HAProxy's check status: {@code L7OK}, {@code L7STS} (unexpected HTTP status), {@code L4CON}
 *     (connection refused or reset), {@code L4TOUT} (timeout), {@code L7RSP} (malformed answer), {@code INI}
 *     before the first check, or empty for a server without checks
 * @param code the HTTP status, or 0 when there was none
 * @param duration how long the check took
 * @param detail a short human explanation
 * @param at when it finished
 */
public record CheckResult(String status, int code, Duration duration, String detail, Instant at) {
    public static final CheckResult NONE = new CheckResult("INI", 0, Duration.ZERO, "not checked yet", Instant.EPOCH);
    /** A server the configuration does not check at all (HAProxy's "no check"): it is always UP. */
    public static final CheckResult UNCHECKED = new CheckResult("", 0, Duration.ZERO, "no check", Instant.EPOCH);

    public boolean passed() {
        return "L7OK".equals(status);
    }
}
