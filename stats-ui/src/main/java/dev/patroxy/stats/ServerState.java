package dev.patroxy.stats;

/**
 * Health state of a server; the two GOING states are HAProxy's transitions ("UP 1/3", "DOWN 1/2").
 * {@code NOLB} is a healthy node that is not in this listener's role (a replica on the primary port): Patroni
 * answered, and said no. It takes no sessions, but it is not a failure: monitoring that alerts on DOWN stays
 * quiet for standbys (HAProxy shows them DOWN, a false alarm by design).
 */
public enum ServerState {
    UP,
    GOING_DOWN,
    DOWN,
    GOING_UP,
    NOLB;

    /** Whether a server in this state takes new sessions. */
    public boolean isUp() {
        return this == UP || this == GOING_DOWN;
    }
}
