package dev.patroxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The stats page (HAProxy's {@code listen stats}).
 *
 * @param refresh how often the HTML page reloads itself
 * @param limits what one stats client may cost
 * @param tls the certificate the page is served with over HTTPS, or plain HTTP
 * @param users who may read it (HAProxy's {@code stats auth}); none: anyone who reaches the port
 * @param admin who may use the admin controls (HAProxy's {@code stats admin}); none: the page has none
 */
public record StatsConfig(List<BindAddress> binds, Duration refresh, Limits limits, Optional<TlsServer> tls,
        List<BasicAuth> users, Optional<StatsAdmin> admin) {
    public StatsConfig {
        binds = List.copyOf(binds);
        users = List.copyOf(users);
    }

    /** Without admin controls. */
    public StatsConfig(List<BindAddress> binds, Duration refresh, Limits limits, Optional<TlsServer> tls,
            List<BasicAuth> users) {
        this(binds, refresh, limits, tls, users, Optional.empty());
    }

    /** The page over plain HTTP, for anyone. */
    public StatsConfig(List<BindAddress> binds, Duration refresh, Limits limits) {
        this(binds, refresh, limits, Optional.empty(), List.of());
    }

    /** These settings with the TLS, users and admins of {@code other}: what a reload changes without a restart. */
    public StatsConfig withAccessOf(StatsConfig other) {
        return new StatsConfig(binds, refresh, limits, other.tls, other.users, other.admin);
    }

    /**
     * @param maxconn stats connections open at once ({@code stats.maxconn}); one more is accepted and closed
     * @param maxRequestLine bytes in a request line ({@code stats.max-request-line}); beyond it, 414
     * @param maxHeaderSize bytes in a request's headers ({@code stats.max-header-size}); beyond it, 431
     * @param maxHeaders header lines in a request ({@code stats.max-headers}); beyond it, 431
     * @param httpRequest a whole request must arrive within this ({@code stats.timeout.http-request})
     * @param httpKeepAlive how long a connection may wait for its next request ({@code stats.timeout.http-keep-alive})
     * @param client how long a response may go without the client taking any of it ({@code stats.timeout.client})
     */
    public record Limits(int maxconn, int maxRequestLine, int maxHeaderSize, int maxHeaders, Duration httpRequest,
            Duration httpKeepAlive, Duration client) {
        /** The keep-alive outlasts Prometheus's usual one-minute scrape interval, so a scraper keeps its connection. */
        public static final Limits DEFAULTS = new Limits(100, 8192, 8192, 100, Duration.ofSeconds(10),
                Duration.ofSeconds(120), Duration.ofSeconds(30));
    }
}
