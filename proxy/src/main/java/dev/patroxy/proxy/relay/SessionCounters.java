package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.routing.TrafficCounters;

/**
 * Where one session's bytes are counted: its server's counters, its listener's frontend counters and its log.
 * One small object per session that both {@link RelayHandler}s share, so that an idle session keeps nothing else
 * alive (a lambda here would capture the handler that built it).
 */
final class SessionCounters {
    private final TrafficCounters server;
    private final TrafficCounters frontend;
    private final SessionLog log;

    SessionCounters(TrafficCounters server, TrafficCounters frontend, SessionLog log) {
        this.server = server;
        this.frontend = frontend;
        this.log = log;
    }

    SessionLog log() {
        return log;
    }

    void fromClient(long bytes) {
        server.addBytesIn(bytes);
        frontend.addBytesIn(bytes);
        log.fromClient(bytes);
    }

    void toClient(long bytes) {
        server.addBytesOut(bytes);
        frontend.addBytesOut(bytes);
        log.toClient(bytes);
    }
}
