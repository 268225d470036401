package dev.patroxy.proxy.admin;

import dev.patroxy.stats.AdminState;
import java.util.Optional;

/**
 * HAProxy 2.6's log lines for a server's admin state changes, word for word where the concepts match, so that what
 * watches HAProxy's log for them keeps working: "Server primary/pg02 is going DOWN for maintenance. ...". patroxy has
 * no backup servers, so their count is always 0.
 */
final class AdminLog {
    private AdminLog() {
    }

    /**
     * The line for {@code listener/server} going from {@code from} to {@code to}, or empty when nothing changed.
     *
     * @param up whether its health check says UP
     * @param activeLeft the listener's other servers still taking new sessions
     * @param sessions the server's sessions now
     * @param requeued sessions waiting for a place on it, sent elsewhere
     */
    static Optional<String> transition(String listener, String server, AdminState from, AdminState to, boolean up,
            long activeLeft, long sessions, long requeued) {
        String who = "Server " + listener + "/" + server;
        if (from == to) {
            return Optional.empty();
        }
        if (to == AdminState.MAINT) {
            return Optional.of(up
                    ? who + " is going DOWN for maintenance. " + activeLeft + " active and 0 backup servers left. "
                            + sessions + " sessions active, " + requeued + " requeued, 0 remaining in queue."
                    : who + " was DOWN and now enters maintenance.");
        }
        String health = up ? "UP" : "DOWN";
        if (from == AdminState.MAINT) {
            return Optional.of(who + " is " + health + "/" + to + " (leaving forced maintenance).");
        }
        if (to == AdminState.DRAIN) {
            return Optional.of(who + " enters drain state. " + activeLeft + " active and 0 backup servers online. "
                    + requeued + " sessions requeued, 0 total in queue.");
        }
        return Optional.of(who + " is " + health + " (leaving forced drain).");
    }
}
