package dev.patroxy.proxy;

import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.proxy.dcs.EtcdLeaderWatch;
import dev.patroxy.proxy.health.CheckTarget;
import dev.patroxy.proxy.health.HealthSnapshot;
import dev.patroxy.proxy.relay.ProxyListener;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.HoldQueue;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.TrafficCounters;
import dev.patroxy.stats.DcsStatus;
import dev.patroxy.stats.FrontendStats;
import dev.patroxy.stats.ListenerStats;
import dev.patroxy.stats.ReloadStatus;
import dev.patroxy.stats.ServerStats;
import dev.patroxy.stats.StatsSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Freezes the running proxy's counters and health into a {@link StatsSnapshot} for stats-ui. */
final class StatsSnapshots {
    private final Clock clock;
    private final Instant startedAt;
    private final String version;

    StatsSnapshots(Clock clock, Instant startedAt, String version) {
        this.clock = clock;
        this.startedAt = startedAt;
        this.version = version;
    }

    /** The listeners of the configuration in force, how reloads went, and what its DCS watch knows. */
    StatsSnapshot take(List<ProxyListener> listeners, ReloadStatus reload, Optional<EtcdLeaderWatch> dcs) {
        Instant now = clock.instant();
        Map<String, List<Backend>> checksByServer = new LinkedHashMap<>();
        for (ProxyListener listener : listeners) {
            for (Backend b : listener.router().backends()) {
                checksByServer.computeIfAbsent(b.server().name(), k -> new ArrayList<>()).add(b);
            }
        }
        List<ListenerStats> stats = new ArrayList<>();
        for (ProxyListener listener : listeners) {
            TrafficCounters f = listener.frontend();
            HoldQueue held = listener.router().held();
            FrontendStats frontend = new FrontendStats(
                    f.current(), f.max(), f.total(), f.bytesIn(), f.bytesOut(), listener.refused(),
                    listener.limit().limit(), held.size(), held.maxHeld(), held.released(), held.timeouts(),
                    listener.startupTimeouts(), listener.firstPacketRejections(), listener.router().paused(),
                    listener.router().pauses(), listener.router().disabled());
            List<ServerStats> servers = listener.router().backends().stream()
                    .map(b -> server(b, ServerRoles.roleOf(checksByServer.get(b.server().name())).label(), now))
                    .toList();
            var config = listener.router().listener();
            stats.add(new ListenerStats(config.name(), config.binds().stream().map(BindAddress::toString).toList(),
                    config.balance().configName(), config.check().map(CheckConfig::describe).orElse("none"), frontend, servers,
                    listener.router().roleChanges().recent(), listener.router().roleChanges().total(),
                    listener.router().roleChanges().detections()));
        }
        return new StatsSnapshot(version, startedAt, now, stats, reload, dcs.map(w -> dcs(w, listeners))
                .orElse(DcsStatus.NONE), LogSetup.droppedLines());
    }

    private static DcsStatus dcs(EtcdLeaderWatch watch, List<ProxyListener> listeners) {
        return new DcsStatus(true, watch.leader(), listeners.stream().map(ProxyListener::router)
                .filter(ListenerRouter::leaderNamesNoServer).map(r -> r.listener().name()).toList(),
                watch.requestFailures(), watch.taskFailures().total(), watch.taskFailures().last().orElse(null));
    }

    static ServerStats server(Backend b, String role, Instant now) {
        HealthSnapshot h = b.health();
        TrafficCounters t = b.traffic();
        Admission places = b.admission();
        return new ServerStats(
                b.server().name(),
                b.server().address().toString(),
                b.checkTarget().map(CheckTarget::url).orElse(""),
                h.state(),
                h.progress(),
                h.progressMax(),
                role,
                b.isRoutable(),
                t.current(),
                t.max(),
                t.total(),
                t.bytesIn(),
                t.bytesOut(),
                b.connectErrors(),
                h.checkFailures(),
                h.checkErrors(),
                h.downTransitions(),
                h.lastChange(),
                h.downtime(now),
                b.killedSessions(),
                h.lastCheck(),
                places.limit(),
                places.queued(),
                places.maxQueued(),
                places.timeouts(),
                Duration.ofNanos(places.averageWaitNanos()),
                b.failedLookups(),
                b.admin().state(),
                b.admin().weight());
    }
}
