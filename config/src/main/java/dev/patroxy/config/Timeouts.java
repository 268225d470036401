package dev.patroxy.config;

import java.time.Duration;

/**
 * HAProxy's {@code timeout connect}, {@code client}, {@code server}, {@code queue}, {@code client-fin} and
 * {@code server-fin}, and patroxy's own {@code hold} and {@code client-startup}.
 *
 * @param client inactivity allowed on the client side before the session is closed
 * @param server inactivity allowed on the server side before the session is closed
 * @param queue how long a new session may wait for a place on a server at its {@code maxconn}
 * @param clientFin inactivity allowed on the client side once patroxy has passed the server's end of stream on
 *     to it, so that a client that never closes does not hold the session for {@code client}
 * @param serverFin inactivity allowed on the server side once patroxy has passed the client's end of stream on
 * @param hold how long a new client waits while no server may take it (a switchover, a failover) before it is
 *     turned away; zero turns it away at once
 * @param clientStartup how long a client may take over its startup once relayed to a server, up to the server's
 *     first answer for good (on a primary listener, to the end of authentication), and over its startup message
 *     when patroxy turns it away itself; zero: no limit
 */
public record Timeouts(
        Duration connect, Duration client, Duration server, Duration queue, Duration clientFin, Duration serverFin,
        Duration hold, Duration clientStartup) {
    /**
     * Tighter than PgBouncer's {@code client_login_timeout} (60 s): a client that has not logged in after 10 s
     * over a fast network is stalled or hostile, and it holds a place other clients need.
     */
    public static final Duration DEFAULT_CLIENT_STARTUP = Duration.ofSeconds(10);
}
