package dev.patroxy.config;

import java.time.Duration;

/**
 * HAProxy's {@code timeout connect}, {@code client}, {@code server} and {@code queue}.
 *
 * @param client inactivity allowed on the client side before the session is closed
 * @param server inactivity allowed on the server side before the session is closed
 * @param queue how long a new session may wait for a place (a server's or the proxy's {@code maxconn})
 */
public record Timeouts(Duration connect, Duration client, Duration server, Duration queue) {
}
