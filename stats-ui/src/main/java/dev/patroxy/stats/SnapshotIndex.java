package dev.patroxy.stats;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A snapshot with its listeners and servers looked up by name, built once per scrape for the meters to read. */
record SnapshotIndex(Instant startedAt, Instant takenAt, Map<String, ListenerStats> listeners,
        Map<ServerKey, ServerStats> servers, ReloadStatus reload, long droppedLogLines) {
    static final SnapshotIndex EMPTY =
            new SnapshotIndex(null, null, Map.of(), Map.of(), ReloadStatus.startedAt(null), 0);

    static SnapshotIndex of(StatsSnapshot snapshot) {
        Map<String, ListenerStats> listeners = new LinkedHashMap<>();
        Map<ServerKey, ServerStats> servers = new LinkedHashMap<>();
        for (ListenerStats listener : snapshot.listeners()) {
            listeners.put(listener.name(), listener);
            for (ServerStats server : listener.servers()) {
                servers.put(new ServerKey(listener.name(), server.name()), server);
            }
        }
        // Insertion order keeps new meters registered in the snapshot's order.
        return new SnapshotIndex(snapshot.startedAt(), snapshot.takenAt(), Collections.unmodifiableMap(listeners),
                Collections.unmodifiableMap(servers), snapshot.reload(), snapshot.droppedLogLines());
    }

    ListenerStats listener(String proxy) {
        return listeners.get(proxy);
    }

    FrontendStats frontend(String proxy) {
        ListenerStats listener = listeners.get(proxy);
        return listener == null ? null : listener.frontend();
    }

    ServerStats server(ServerKey key) {
        return servers.get(key);
    }

    /** NaN until the first scrape. */
    double uptimeSeconds() {
        return takenAt == null ? Double.NaN : HumanFormat.elapsed(startedAt, takenAt).toMillis() / 1000.0;
    }
}
