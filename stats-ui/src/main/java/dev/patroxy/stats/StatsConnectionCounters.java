package dev.patroxy.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stats server's own connections: how many are open, how many it closed on a client, by why, and the requests it
 * answered 401 for want of credentials.
 */
final class StatsConnectionCounters {
    /** Why the server closed a connection on its client; a client closing, or an idle keep-alive ending, is not counted. */
    enum CloseReason {
        MAXCONN, REQUEST_LINE_TOO_LONG, HEADERS_TOO_LARGE, TOO_MANY_HEADERS, BODY_TOO_LARGE, BAD_REQUEST,
        REQUEST_TIMEOUT, CLIENT_TIMEOUT;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a 401 refused: reading ({@code stats.auth}) or an admin action ({@code stats.admin}). */
    enum Refused {
        READ, ADMIN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peakResponsesInFlight = new AtomicInteger();
    private final Map<CloseReason, Counter> closed = new EnumMap<>(CloseReason.class);
    private final Map<Refused, Counter> unauthorized = new EnumMap<>(Refused.class);

    StatsConnectionCounters(int maxConnections, MeterRegistry registry) {
        this.maxConnections = maxConnections;
        Gauge.builder("patroxy_stats_connections", open, AtomicInteger::get)
                .description("Connections open to the stats server")
                .register(registry);
        for (CloseReason reason : CloseReason.values()) {
            closed.put(reason, Counter.builder("patroxy_stats_connections_closed")
                    .tag("reason", reason.label())
                    .description("Stats connections the server closed on their client: over maxconn, a request"
                            + " over a limit or malformed, or a timeout")
                    .register(registry));
        }
        for (Refused request : Refused.values()) {
            unauthorized.put(request, Counter.builder("patroxy_stats_unauthorized")
                    .tag("request", request.label())
                    .description("Stats requests answered 401: without the credentials stats.auth asks to read,"
                            + " or an admin action without those of stats.admin")
                    .register(registry));
        }
    }

    /** @return whether a new connection fits under the cap; if it does, it is counted open */
    boolean tryOpen() {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            closedBecause(CloseReason.MAXCONN);
            return false;
        }
        return true;
    }

    void connectionClosed() {
        open.decrementAndGet();
    }

    void closedBecause(CloseReason reason) {
        closed.get(reason).increment();
    }

    void unauthorized(Refused request) {
        unauthorized.get(request).increment();
    }

    void responsesInFlight(int onOneConnection) {
        peakResponsesInFlight.accumulateAndGet(onOneConnection, Math::max);
    }

    /** The most responses ever written to one connection and not yet flushed to its socket. */
    int peakResponsesInFlight() {
        return peakResponsesInFlight.get();
    }
}
