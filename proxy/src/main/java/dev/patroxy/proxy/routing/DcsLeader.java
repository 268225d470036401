package dev.patroxy.proxy.routing;

import dev.patroxy.config.ServerConfig;

/**
 * What Patroni's leader key in the DCS says, as far as patroxy knows: unknown (no DCS configured, or none
 * reachable: routing falls back to the REST checks alone), no leader, or a leader's member name.
 */
public record DcsLeader(boolean known, String member) {
    public static final DcsLeader UNKNOWN = new DcsLeader(false, null);
    public static final DcsLeader NONE = new DcsLeader(true, null);

    public static DcsLeader of(String member) {
        return new DcsLeader(true, member);
    }

    /** Whether the key names {@code server}'s Patroni member. */
    public boolean names(ServerConfig server) {
        return known && server.member().equals(member);
    }

    @Override
    public String toString() {
        return !known ? "unknown" : member == null ? "no leader" : member;
    }
}
