package dev.patroxy.proxy;

import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.stats.ServerRole;
import dev.patroxy.stats.ServerState;
import java.util.Collection;
import java.util.Set;

/**
 * What patroxy knows of a node's Patroni role, pieced together from every listener's check of it: a passing
 * check on a role path is positive evidence, a GET body names the role outright.
 */
final class ServerRoles {
    private static final Set<String> PRIMARY_PATHS = Set.of("/", "/primary", "/master", "/read-write", "/leader");
    /** A standby cluster's leader passes these, and {@code /leader} (whose body then says {@code standby_leader}). */
    private static final Set<String> STANDBY_LEADER_PATHS = Set.of("/standby-leader", "/standby_leader");
    private static final Set<String> REPLICA_PATHS = Set.of(
            "/replica", "/sync", "/synchronous", "/async", "/asynchronous", "/read-only-sync");

    private ServerRoles() {
    }

    /**
     * The role of the node that {@code checks} (one per listener) all look at, one of the fixed set whatever text
     * Patroni's body carried.
     */
    static ServerRole roleOf(Collection<Backend> checks) {
        boolean notPrimary = false;
        for (Backend b : checks) {
            String path = b.check().map(c -> c.path().split("\\?", 2)[0]).orElse("");
            boolean standbyLeader = STANDBY_LEADER_PATHS.contains(path)
                    || path.equals("/leader") && "standby_leader".equals(b.reportedRole());
            if (b.health().state().isUp() && standbyLeader) {
                return ServerRole.STANDBY_LEADER;
            }
            if (b.health().state().isUp() && PRIMARY_PATHS.contains(path)) {
                return ServerRole.PRIMARY;
            }
            if (b.health().state().isUp() && REPLICA_PATHS.contains(path)) {
                return ServerRole.REPLICA;
            }
            notPrimary |= PRIMARY_PATHS.contains(path) && b.health().state() == ServerState.NOLB;
        }
        for (Backend b : checks) {
            if (b.reportedRole() != null) {
                return ServerRole.of(b.reportedRole());
            }
        }
        return notPrimary ? ServerRole.NOT_PRIMARY : ServerRole.UNKNOWN;
    }
}
