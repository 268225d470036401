package dev.patroxy.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A whole, validated patroxy configuration.
 *
 * @param source the file it was read from
 * @param dcs where Patroni's leader key can be watched, when the file says
 * @param admin the runtime API, {@link AdminConfig#NONE} without an {@code admin} section
 */
public record PatroxyConfig(
        Path source,
        GlobalConfig global,
        StatsConfig stats,
        List<ServerConfig> servers,
        List<ListenerConfig> listeners,
        Optional<DcsConfig> dcs,
        AdminConfig admin) {
    public PatroxyConfig {
        servers = List.copyOf(servers);
        listeners = List.copyOf(listeners);
    }
}
