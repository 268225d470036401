package dev.patroxy.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A whole, validated patroxy configuration.
 *
 * @param source the file it was read from
 * @param maxconn client sessions the whole proxy serves at once, 0 for no limit (HAProxy's global {@code maxconn})
 */
public record PatroxyConfig(
        Path source, int maxconn, StatsConfig stats, List<ServerConfig> servers, List<ListenerConfig> listeners) {
    public PatroxyConfig {
        servers = List.copyOf(servers);
        listeners = List.copyOf(listeners);
    }
}
