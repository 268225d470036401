package dev.patroxy.stats;

import java.time.Duration;
import java.util.Objects;

/**
 * What one stats client may cost: the stats server answers a scraper and a few browsers, so anything beyond these is
 * refused and its connection closed rather than buffered.
 *
 * @param maxConnections connections open at once; one more is accepted and closed at once
 * @param maxRequestLine bytes in the request line; beyond it, 414
 * @param maxHeaderSize bytes in all header lines together; beyond it, 431
 * @param maxHeaders header lines; beyond it, 431
 * @param requestTimeout a whole request must arrive within this, counted from the connection's accept or from the
 *     first byte after a response (HAProxy's {@code timeout http-request}): a client trickling bytes is closed
 * @param keepAliveTimeout how long a connection may wait for its next request (HAProxy's {@code timeout
 *     http-keep-alive})
 * @param clientTimeout how long a response may go without the client taking any of it
 */
public record StatsLimits(int maxConnections, int maxRequestLine, int maxHeaderSize, int maxHeaders,
        Duration requestTimeout, Duration keepAliveTimeout, Duration clientTimeout) {
    /** Above Prometheus's usual one-minute scrape interval, so a scraper keeps its connection. */
    public static final StatsLimits DEFAULTS = new StatsLimits(100, 8192, 8192, 100,
            Duration.ofSeconds(10), Duration.ofSeconds(120), Duration.ofSeconds(30));

    public StatsLimits {
        positive(maxConnections, "maxConnections");
        positive(maxRequestLine, "maxRequestLine");
        positive(maxHeaderSize, "maxHeaderSize");
        positive(maxHeaders, "maxHeaders");
        positive(requestTimeout, "requestTimeout");
        positive(keepAliveTimeout, "keepAliveTimeout");
        positive(clientTimeout, "clientTimeout");
    }

    private static void positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    private static void positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
