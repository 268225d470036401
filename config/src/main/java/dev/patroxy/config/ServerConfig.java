package dev.patroxy.config;

/**
 * One PostgreSQL node: sessions go to {@code address}, health checks to its Patroni REST API.
 *
 * @param checkAddress the Patroni REST API ({@code address}'s host and {@code check-port} unless set apart)
 * @param maxconn sessions one listener may hold to this server at once, 0 for no limit; more wait in its queue
 * @param member the node's Patroni member name ({@code name:} in its patroni.yml), which the DCS leader key holds
 */
public record ServerConfig(String name, HostPort address, HostPort checkAddress, int maxconn, String member) {
    /** A server whose name is its Patroni member name. */
    public ServerConfig(String name, HostPort address, HostPort checkAddress, int maxconn) {
        this(name, address, checkAddress, maxconn, name);
    }
}
