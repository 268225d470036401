package dev.patroxy.stats;

import java.time.Duration;

/**
 * A listener's BACKEND row: the sum of its servers' counters.
 *
 * <p>The backend's own maximum of concurrent sessions is not tracked (the sum of the servers' maxima would overstate
 * it), so renderers leave it empty. The same goes for the most sessions ever queued at once: HAProxy's backend qmax is
 * its own queue's, and patroxy queues only per server, whose maxima did not necessarily happen at the same time.
 *
 * @param queueCurrent sessions waiting now for a place on any of the servers
 * @param queueTimeAverage the servers' average waits, each weighted by the sessions it averages over (up to the
 *     last 1024 each): an estimate of the average over the backend's last sessions, which patroxy does not time
 *     as a whole
 */
record BackendTotals(
        long currentSessions,
        long totalSessions,
        long bytesIn,
        long bytesOut,
        long connectErrors,
        long killedSessions,
        long activeServers,
        long queueCurrent,
        long queueTimeouts,
        Duration queueTimeAverage) {
    /** A server's queue time is averaged over its last this many sessions (HAProxy's TIME_STATS_SAMPLES). */
    static final int QUEUE_TIME_WINDOW = 1024;

    static BackendTotals of(ListenerStats listener) {
        long current = 0;
        long total = 0;
        long in = 0;
        long out = 0;
        long errors = 0;
        long killed = 0;
        long queued = 0;
        long queueTimeouts = 0;
        double weightedWaitNanos = 0;
        long averagedSessions = 0;
        for (ServerStats server : listener.servers()) {
            current += server.currentSessions();
            total += server.totalSessions();
            in += server.bytesIn();
            out += server.bytesOut();
            errors += server.connectErrors();
            killed += server.killedSessions();
            queued += server.queueCurrent();
            queueTimeouts += server.queueTimeouts();
            long averaged = Math.min(server.totalSessions(), QUEUE_TIME_WINDOW);
            weightedWaitNanos += (double) server.queueTimeAverage().toNanos() * averaged;
            averagedSessions += averaged;
        }
        Duration queueTimeAverage = averagedSessions == 0
                ? Duration.ZERO
                : Duration.ofNanos(Math.round(weightedWaitNanos / averagedSessions));
        return new BackendTotals(current, total, in, out, errors, killed, listener.activeServers(), queued,
                queueTimeouts, queueTimeAverage);
    }

    /** HAProxy marks a backend UP while at least one server takes traffic. */
    boolean up() {
        return activeServers > 0;
    }

    String status() {
        return up() ? "UP" : "DOWN";
    }
}
