package dev.patroxy.config;

import java.util.List;

/**
 * A listening port and the policy that routes its sessions (HAProxy's {@code listen} section).
 *
 * @param servers the servers this listener may route to, in configuration order
 * @param shutdownSessionsOnDown close every session to a server the moment it goes DOWN
 */
public record ListenerConfig(
        String name,
        List<BindAddress> binds,
        Balance balance,
        CheckConfig check,
        Timeouts timeouts,
        int retries,
        boolean shutdownSessionsOnDown,
        List<ServerConfig> servers) {
    public ListenerConfig {
        binds = List.copyOf(binds);
        servers = List.copyOf(servers);
    }
}
