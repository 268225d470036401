package dev.patroxy.stats;

/** Health state of a server; the two GOING states are HAProxy's transitions ("UP 1/3", "DOWN 1/2"). */
public enum ServerState {
    UP,
    GOING_DOWN,
    DOWN,
    GOING_UP;

    /** Whether a server in this state takes new sessions. */
    public boolean isUp() {
        return this == UP || this == GOING_DOWN;
    }
}
