package dev.patroxy.proxy.dcs;

import dev.patroxy.proxy.routing.SwitchoverRequest;
import java.time.Instant;

/**
 * What DCS watches learn about Patroni's leader key and failover key. Each call reports a change from the previous
 * one: a watch says nothing while the leader stays the same (Patroni rewrites its key every {@code loop_wait}).
 */
public interface LeaderListener {
    /**
     * The leader key names {@code member} (Patroni's member name, {@code name:} in patroni.yml).
     *
     * @param index the DCS's index of the write that named it (etcd v2 {@code modifiedIndex}, v3 {@code mod_revision})
     */
    void leaderIs(String member, long index);

    /**
     * The leader key does not exist: it expired, was deleted (a leader stepping down), or was never written.
     *
     * @param index the DCS's index at which it was found absent
     */
    void noLeader(long index);

    /** No DCS host answers: what the key says is unknown until one of the other calls (fall back to REST checks). */
    void unreachable(String reason);

    /**
     * What the failover key asks for now, {@link SwitchoverRequest#NONE} once it is gone or emptied; heard only where
     * the configuration holds sessions for a switchover.
     *
     * @param heardAt when the watch first heard this request: a configuration that joins the watch later hears the
     *     same time, so a reload does not start its pause again
     */
    default void switchoverIs(SwitchoverRequest request, Instant heardAt) {
    }
}
