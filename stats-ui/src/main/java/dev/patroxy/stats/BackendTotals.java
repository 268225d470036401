package dev.patroxy.stats;

/**
 * A listener's BACKEND row: the sum of its servers' counters.
 *
 * <p>The backend's own maximum of concurrent sessions is not tracked (the sum of the servers' maxima would overstate
 * it), so renderers leave it empty.
 */
record BackendTotals(
        long currentSessions,
        long totalSessions,
        long bytesIn,
        long bytesOut,
        long connectErrors,
        long killedSessions,
        long activeServers) {

    static BackendTotals of(ListenerStats listener) {
        long current = 0;
        long total = 0;
        long in = 0;
        long out = 0;
        long errors = 0;
        long killed = 0;
        for (ServerStats server : listener.servers()) {
            current += server.currentSessions();
            total += server.totalSessions();
            in += server.bytesIn();
            out += server.bytesOut();
            errors += server.connectErrors();
            killed += server.killedSessions();
        }
        return new BackendTotals(current, total, in, out, errors, killed, listener.activeServers());
    }

    /** HAProxy marks a backend UP while at least one server takes traffic. */
    boolean up() {
        return activeServers > 0;
    }

    String status() {
        return up() ? "UP" : "DOWN";
    }
}
