package dev.patroxy.stats;

import java.util.List;

/**
 * What patroxy knows of Patroni's leader key in the DCS.
 *
 * @param configured whether the configuration has a {@code dcs} section; without one the rest is empty
 * @param leader what the key says, as a person reads it: a member name, {@code no leader}, {@code unreachable},
 *     or {@code nothing yet}
 * @param listenersWithoutLeader primary listeners none of whose servers is the member the key names: their
 *     {@code member:} names do not match Patroni's, and the REST checks alone pick their primary
 * @param requestFailures DCS requests that failed since this configuration took effect
 * @param errors the watch's own tasks that threw since then (each was retried)
 * @param lastError the latest of those, or null
 */
public record DcsStatus(boolean configured, String leader, List<String> listenersWithoutLeader, long requestFailures,
        long errors, String lastError) {
    public static final DcsStatus NONE = new DcsStatus(false, null, List.of(), 0, 0, null);

    public DcsStatus {
        listenersWithoutLeader = List.copyOf(listenersWithoutLeader);
    }

    /** The warning to show while the key names a member that is no server, or null. */
    public String warning() {
        if (listenersWithoutLeader.isEmpty()) {
            return null;
        }
        return "the DCS leader key names the Patroni member '" + leader + "', which is none of the servers of "
                + String.join(", ", listenersWithoutLeader) + ": set each server's member: to its Patroni name:"
                + " (the REST checks alone pick the primary meanwhile)";
    }
}
