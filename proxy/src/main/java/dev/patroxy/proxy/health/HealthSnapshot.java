package dev.patroxy.proxy.health;

import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.ServerState;
import java.time.Duration;
import java.time.Instant;

/**
 * A {@link HealthState} frozen at one moment, safe to hand to the stats thread.
 *
 * @param downSince start of the ongoing DOWN spell, or null when none is being counted
 * @param checkErrors checks that could not be sent or applied (patroxy's errors, not the server's)
 */
public record HealthSnapshot(
        ServerState state,
        int progress,
        int progressMax,
        Instant lastChange,
        Duration downtimeBefore,
        Instant downSince,
        long checkFailures,
        long checkErrors,
        long downTransitions,
        CheckResult lastCheck) {

    public static HealthSnapshot initial(Instant now, int rise) {
        return new HealthSnapshot(ServerState.DOWN, 0, rise, now, Duration.ZERO, null, 0, 0, 0, CheckResult.NONE);
    }

    /** A server without health checks: UP from the start, for good. */
    public static HealthSnapshot unchecked(Instant now) {
        return new HealthSnapshot(ServerState.UP, 0, 0, now, Duration.ZERO, null, 0, 0, 0, CheckResult.UNCHECKED);
    }

    /** Total time DOWN as of {@code now}. */
    public Duration downtime(Instant now) {
        return downSince == null ? downtimeBefore : downtimeBefore.plus(Duration.between(downSince, now));
    }
}
