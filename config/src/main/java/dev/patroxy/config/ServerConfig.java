package dev.patroxy.config;

/**
 * One PostgreSQL node: sessions go to {@code address}, health checks to its Patroni REST API.
 *
 * @param checkAddress the Patroni REST API ({@code address}'s host and {@code check-port} unless set apart)
 * @param maxconn sessions one listener may hold to this server at once, 0 for no limit; more wait in its queue
 * @param member the node's Patroni member name ({@code name:} in its patroni.yml), which the DCS leader key holds
 * @param checkAccess how its REST API is reached: TLS and basic authentication
 */
public record ServerConfig(String name, HostPort address, HostPort checkAddress, int maxconn, String member,
        ApiAccess checkAccess) {
    /** A server whose name is its Patroni member name. */
    public ServerConfig(String name, HostPort address, HostPort checkAddress, int maxconn) {
        this(name, address, checkAddress, maxconn, name);
    }

    /**
     * Whether {@code other} is this node, its REST API at the same address, however that API is reached: a renewed
     * certificate or password does not make what its checks said about the node wrong.
     */
    public boolean sameNode(ServerConfig other) {
        return withCheckAccess(ApiAccess.PLAIN).equals(other.withCheckAccess(ApiAccess.PLAIN));
    }

    public ServerConfig withCheckAccess(ApiAccess access) {
        return new ServerConfig(name, address, checkAddress, maxconn, member, access);
    }

    /** A server whose REST API speaks plain HTTP without authentication. */
    public ServerConfig(String name, HostPort address, HostPort checkAddress, int maxconn, String member) {
        this(name, address, checkAddress, maxconn, member, ApiAccess.PLAIN);
    }
}
