package dev.patroxy.config;

import java.time.Duration;
import java.util.List;

/**
 * The stats page (HAProxy's {@code listen stats}).
 *
 * @param refresh how often the HTML page reloads itself
 */
public record StatsConfig(List<BindAddress> binds, Duration refresh) {
    public StatsConfig {
        binds = List.copyOf(binds);
    }
}
