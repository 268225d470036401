package dev.patroxy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A whole, validated patroxy configuration.
 *
 * @param source the file it was read from
 * @param dcs where Patroni's leader key can be watched, when the file says
 */
public record PatroxyConfig(
        Path source,
        GlobalConfig global,
        StatsConfig stats,
        List<ServerConfig> servers,
        List<ListenerConfig> listeners,
        Optional<DcsConfig> dcs) {
    public PatroxyConfig {
        servers = List.copyOf(servers);
        listeners = List.copyOf(listeners);
    }
}
