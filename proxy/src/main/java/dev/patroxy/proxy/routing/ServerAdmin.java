package dev.patroxy.proxy.routing;

import dev.patroxy.stats.AdminState;
import java.time.Instant;

/**
 * What an operator set one server to, apart from its health: HAProxy's admin state and weight. Immutable; a
 * {@link Backend} holds the current one in a cell shared by every configuration that has the same listener and
 * server name, so that a reload keeps it.
 *
 * @param state READY, DRAIN or MAINT
 * @param weight the weight new sessions are shared by on a {@code roundrobin} listener; 0 takes no new sessions
 * @param initialWeight the weight the server started with (HAProxy's {@code iweight})
 * @param awaitingCheckSince when the server left MAINT, until a check sent after that passes; null otherwise: a
 *     server back from maintenance takes sessions only once a check has vouched for it since
 */
public record ServerAdmin(AdminState state, int weight, int initialWeight, Instant awaitingCheckSince) {
    /** HAProxy's weight of a server configured without one. */
    public static final int DEFAULT_WEIGHT = 1;
    /** HAProxy's highest weight. */
    public static final int MAX_WEIGHT = 256;

    public static ServerAdmin initial() {
        return new ServerAdmin(AdminState.READY, DEFAULT_WEIGHT, DEFAULT_WEIGHT, null);
    }

    /** Whether the operator lets new sessions go to the server; its health decides the rest. */
    public boolean admitsNewSessions() {
        return state == AdminState.READY && weight > 0 && awaitingCheckSince == null;
    }

    /**
     * Whether the sessions of a server that just stopped taking new ones are cut: always in MAINT, never in DRAIN or
     * at weight 0 (draining is the point), otherwise as the listener's {@code on-marked-down} says.
     */
    public boolean cutsSessionsWhenDropped(boolean shutdownSessionsOnDown) {
        if (state == AdminState.MAINT) {
            return true;
        }
        if (state == AdminState.DRAIN || weight == 0) {
            return false;
        }
        return shutdownSessionsOnDown;
    }

    /**
     * The state an operator asked for at {@code now}. Leaving MAINT, a checked server waits for a passing check sent
     * from then on (through DRAIN as well); entering MAINT forgets any such wait.
     */
    public ServerAdmin withState(AdminState next, boolean checked, Instant now) {
        Instant awaiting = next == AdminState.MAINT ? null
                : state == AdminState.MAINT && checked ? now
                : awaitingCheckSince;
        return new ServerAdmin(next, weight, initialWeight, awaiting);
    }

    public ServerAdmin withWeight(int next) {
        return new ServerAdmin(state, next, initialWeight, awaitingCheckSince);
    }

    /** A check sent at {@code sentAt} passed: the wait after MAINT is over if it was sent since the server left. */
    public ServerAdmin checkPassed(Instant sentAt) {
        if (awaitingCheckSince == null || sentAt.isBefore(awaitingCheckSince)) {
            return this;
        }
        return new ServerAdmin(state, weight, initialWeight, null);
    }
}
