package dev.patroxy.config;

import java.time.Duration;
import java.util.Set;

/**
 * An HTTP health check against Patroni's REST API (HAProxy's {@code option httpchk} with
 * {@code http-check expect status}, {@code inter}, {@code rise}, {@code fall} and {@code timeout check}).
 */
public record CheckConfig(
        String method,
        String path,
        int expectStatus,
        Duration interval,
        Duration timeout,
        int rise,
        int fall) {
    /** Patroni's endpoint for a standby cluster's leader, in both spellings it answers. */
    private static final Set<String> STANDBY_LEADER_PATHS = Set.of("/standby-leader", "/standby_leader");

    /**
     * Whether it asks for a standby cluster's leader: a node that replays from another cluster, whose own
     * cluster is not the one whose leader key the {@code dcs} section names unless that section is for it.
     */
    public boolean asksForStandbyLeader() {
        return STANDBY_LEADER_PATHS.contains(path.split("\\?", 2)[0]);
    }

    /** The check as a person reads it on the stats page. */
    public String describe() {
        return method + " " + path + " expect " + expectStatus;
    }
}
