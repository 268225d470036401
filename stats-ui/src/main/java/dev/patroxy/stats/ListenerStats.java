package dev.patroxy.stats;

import java.util.List;

/**
 * One listener (HAProxy's "listen" section): its frontend counters and one row per server.
 *
 * @param balance how new sessions pick a server: {@code primary} (the single routable server) or {@code roundrobin}
 * @param check the health check, as a person reads it, e.g. {@code OPTIONS /primary expect 200}
 * @param roleChanges the latest changes of the server a primary listener routes to, newest first
 * @param roleChangesTotal how many there were since start
 * @param roleChangeDetection how long all of them took to detect
 */
public record ListenerStats(
        String name,
        List<String> binds,
        String balance,
        String check,
        FrontendStats frontend,
        List<ServerStats> servers,
        List<RoleChange> roleChanges,
        long roleChangesTotal,
        DetectionHistogram roleChangeDetection) {
    public ListenerStats {
        binds = List.copyOf(binds);
        servers = List.copyOf(servers);
        roleChanges = List.copyOf(roleChanges);
    }

    /** Servers that currently take new sessions (HAProxy's backend "act" count). */
    public long activeServers() {
        return servers.stream().filter(ServerStats::routable).count();
    }
}
