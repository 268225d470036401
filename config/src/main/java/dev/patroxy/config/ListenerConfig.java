package dev.patroxy.config;

import java.util.List;
import java.util.Optional;

/**
 * A listening port and the policy that routes its sessions (HAProxy's {@code listen} section).
 *
 * @param check the health check of every server, or empty ({@code check: none}) for servers that are always UP
 * @param servers the servers this listener may route to, in configuration order
 * @param maxconn client sessions this listener serves at once, 0 for no limit; more wait, unread, in a queue
 * @param shutdownSessionsOnDown close every session to a server the moment it goes DOWN
 * @param tcplog log one line per session (HAProxy's {@code option tcplog})
 * @param releaseRate clients let go per second when held clients can be served again, 0 for all at once
 */
public record ListenerConfig(
        String name,
        List<BindAddress> binds,
        Balance balance,
        Optional<CheckConfig> check,
        Timeouts timeouts,
        int retries,
        int maxconn,
        boolean shutdownSessionsOnDown,
        boolean tcplog,
        int releaseRate,
        List<ServerConfig> servers) {
    public ListenerConfig {
        binds = List.copyOf(binds);
        servers = List.copyOf(servers);
    }
}
