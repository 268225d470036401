package dev.patroxy.proxy.relay;

import dev.patroxy.proxy.routing.TrafficCounters;

/**
 * Where one session's bytes are counted: its server's counters, its listener's frontend counters, its log and its
 * entry in the session registry.
 * One small object per session that both {@link RelayHandler}s share, so that an idle session keeps nothing else
 * alive (a lambda here would capture the handler that built it).
 */
final class SessionCounters {
    private final TrafficCounters server;
    private final TrafficCounters frontend;
    private final SessionLog log;
    private final TrackedSession tracked;

    SessionCounters(TrafficCounters server, TrafficCounters frontend, SessionLog log, TrackedSession tracked) {
        this.server = server;
        this.frontend = frontend;
        this.log = log;
        this.tracked = tracked;
    }

    SessionLog log() {
        return log;
    }

    void fromClient(long bytes) {
        server.addBytesIn(bytes);
        frontend.addBytesIn(bytes);
        log.fromClient(bytes);
        tracked.fromClient(bytes);
    }

    void toClient(long bytes) {
        server.addBytesOut(bytes);
        frontend.addBytesOut(bytes);
        log.toClient(bytes);
        tracked.toClient(bytes);
    }
}
