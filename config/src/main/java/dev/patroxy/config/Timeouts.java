package dev.patroxy.config;

import java.time.Duration;

/**
 * HAProxy's {@code timeout connect}, {@code client}, {@code server}, {@code queue}, {@code client-fin} and
 * {@code server-fin}, and patroxy's own {@code hold}, {@code client-startup} and {@code client-hello}.
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
 * @param clientHello how long a new client may take to send its first packet (an SSLRequest, a GSSENCRequest, a
 *     CancelRequest or its startup message), which patroxy reads itself before the client takes any place or
 *     costs a server connection; zero: patroxy does not read it, and the client goes to a server as it comes
 */
public record Timeouts(
        Duration connect, Duration client, Duration server, Duration queue, Duration clientFin, Duration serverFin,
        Duration hold, Duration clientStartup, Duration clientHello) {
    /**
     * Tighter than PgBouncer's {@code client_login_timeout} (60 s): a client that has not logged in after 10 s
     * over a fast network is stalled or hostile, and it holds a place other clients need.
     */
    public static final Duration DEFAULT_CLIENT_STARTUP = Duration.ofSeconds(10);
    /**
     * libpq and the drivers send their first packet as soon as the connection is up, in one segment: 5 s covers a
     * few lost segments on a bad network, while a stalled client costs only its socket for that long.
     */
    public static final Duration DEFAULT_CLIENT_HELLO = Duration.ofSeconds(5);
}
