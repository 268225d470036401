package dev.patroxy.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A whole, validated patroxy configuration.
 *
 * @param source the file it was read from
 */
public record PatroxyConfig(
        Path source, GlobalConfig global, StatsConfig stats, List<ServerConfig> servers, List<ListenerConfig> listeners) {
    public PatroxyConfig {
        servers = List.copyOf(servers);
        listeners = List.copyOf(listeners);
    }
}
