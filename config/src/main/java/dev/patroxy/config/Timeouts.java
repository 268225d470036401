package dev.patroxy.config;

import java.time.Duration;

/**
 * HAProxy's {@code timeout connect}, {@code timeout client} and {@code timeout server}.
 *
 * @param client inactivity allowed on the client side before the session is closed
 * @param server inactivity allowed on the server side before the session is closed
 */
public record Timeouts(Duration connect, Duration client, Duration server) {
}
