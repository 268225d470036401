package dev.patroxy.stats;

import java.time.Instant;
import java.util.List;

/**
 * What the proxy looks like at one instant; everything stats-ui shows is rendered from one of these.
 *
 * @param droppedLogLines log lines dropped since start because standard output did not keep up
 */
public record StatsSnapshot(String version, Instant startedAt, Instant takenAt, List<ListenerStats> listeners,
        ReloadStatus reload, DcsStatus dcs, long droppedLogLines) {
    public StatsSnapshot {
        listeners = List.copyOf(listeners);
    }

    /** A snapshot of a proxy without a DCS that has dropped no log line. */
    public StatsSnapshot(String version, Instant startedAt, Instant takenAt, List<ListenerStats> listeners,
            ReloadStatus reload) {
        this(version, startedAt, takenAt, listeners, reload, DcsStatus.NONE, 0);
    }
}
