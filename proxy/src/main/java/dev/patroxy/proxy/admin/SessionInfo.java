package dev.patroxy.proxy.admin;

import java.time.Duration;

/**
 * One client session as {@code show sess} lists it.
 *
 * @param id unique for the life of the process, what {@code shutdown session} takes
 * @param frontend the listener's name (HAProxy's frontend and backend are one listener in patroxy)
 * @param client the client's {@code host:port}
 * @param server the server it is relayed to, empty while it is held
 * @param age how long since it was accepted
 * @param bytesIn bytes from the client forwarded so far
 * @param bytesOut bytes to the client forwarded so far
 */
public record SessionInfo(
        long id, String frontend, String client, String server, Duration age, long bytesIn, long bytesOut) {}
