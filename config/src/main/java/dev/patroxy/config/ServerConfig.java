package dev.patroxy.config;

/**
 * One PostgreSQL node: sessions go to {@code address}, health checks to its Patroni REST API.
 *
 * @param checkAddress the Patroni REST API ({@code address}'s host and {@code check-port} unless set apart)
 * @param maxconn sessions one listener may hold to this server at once, 0 for no limit; more wait in its queue
 */
public record ServerConfig(String name, HostPort address, HostPort checkAddress, int maxconn) {
}
