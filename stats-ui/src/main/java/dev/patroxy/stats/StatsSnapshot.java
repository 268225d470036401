package dev.patroxy.stats;

import java.time.Instant;
import java.util.List;

/**
 * What the proxy looks like at one instant; everything stats-ui shows is rendered from one of these.
 *
 * @param droppedLogLines log lines dropped since start because standard output did not keep up
 */
public record StatsSnapshot(String version, Instant startedAt, Instant takenAt, List<ListenerStats> listeners,
        ReloadStatus reload, long droppedLogLines) {
    public StatsSnapshot {
        listeners = List.copyOf(listeners);
    }
}
