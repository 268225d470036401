package dev.patroxy.stats;

import java.time.Duration;
import java.time.Instant;

/**
 * One server as seen by one listener.
 *
 * @param address where sessions go, {@code host:port}
 * @param checkUrl where the health check goes
 * @param state health state; {@code health}/{@code healthMax} give HAProxy's "UP 1/3" progress while in transition
 * @param role the Patroni role patroxy last learned for this node, a {@link ServerRole#label()}
 * @param routable whether the listener sends new sessions here now
 * @param bytesIn bytes from clients forwarded to this server
 * @param bytesOut bytes from this server forwarded to clients
 * @param connectErrors failed connection attempts (HAProxy's econ)
 * @param checkFailures failed health checks (HAProxy's chkfail)
 * @param checkErrors checks patroxy could not send, or whose answer it could not apply: its own errors, not the server's
 * @param downTransitions UP to DOWN transitions (HAProxy's chkdown)
 * @param lastChange when the state last changed
 * @param downtime total time spent DOWN since start
 * @param killedSessions sessions patroxy closed because the server went DOWN or lost its role
 * @param sessionLimit the server's {@code maxconn}, 0 for none
 * @param queueCurrent sessions waiting now for a place on this server
 * @param queueMax the most sessions that ever waited at once
 * @param queueTimeouts sessions that gave up after {@code timeout queue}
 * @param queueTimeAverage average wait for a place over the last 1024 sessions (HAProxy's qtime)
 * @param failedLookups lookups of the server's host name that failed (connections went to the last good address)
 * @param admin what an operator set the server to, apart from its health
 * @param weight the server's weight (HAProxy's {@code uweight}), 1 unless an operator changed it
 */
public record ServerStats(
        String name,
        String address,
        String checkUrl,
        ServerState state,
        int health,
        int healthMax,
        String role,
        boolean routable,
        long currentSessions,
        long maxSessions,
        long totalSessions,
        long bytesIn,
        long bytesOut,
        long connectErrors,
        long checkFailures,
        long checkErrors,
        long downTransitions,
        Instant lastChange,
        Duration downtime,
        long killedSessions,
        CheckResult lastCheck,
        int sessionLimit,
        long queueCurrent,
        long queueMax,
        long queueTimeouts,
        Duration queueTimeAverage,
        long failedLookups,
        AdminState admin,
        int weight) {

    /**
     * HAProxy 2.6's status text: {@code UP}, {@code DOWN}, {@code NOLB}, {@code UP 1/3}, {@code DOWN 1/2}; {@code MAINT}
     * whatever the health, and {@code DRAIN} ({@code DRAIN 1/3} going down) for a drained server its check finds UP.
     * A drained server that is DOWN or NOLB shows that.
     */
    public String statusText() {
        if (admin == AdminState.MAINT) {
            return "MAINT";
        }
        if (admin == AdminState.DRAIN && state.isUp()) {
            return state == ServerState.UP ? "DRAIN" : "DRAIN " + health + "/" + healthMax;
        }
        return switch (state) {
            case UP, DOWN, NOLB -> state.name();
            case GOING_DOWN -> "UP " + health + "/" + healthMax;
            case GOING_UP -> "DOWN " + health + "/" + healthMax;
        };
    }
}
