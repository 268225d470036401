package dev.patroxy.stats;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus exposition of the stats, under the names of HAProxy's built-in exporter (promex) so that existing
 * dashboards and alerts keep working, plus a few {@code patroxy_} series of its own.
 *
 * <p>Every meter reads the snapshot handed to {@link #scrape}; nothing here is touched while sessions are relayed.
 * Meters for a listener or a server that appears in a later snapshot are registered at that scrape, and those of one
 * that has gone are removed. The registry is shared: the caller may add its own meters (JVM, process) to
 * {@link #registry()}.
 *
 * <p>A session limit that is not set reads NaN, as promex shows a server without {@code maxconn}, so that a usage
 * ratio such as {@code current_sessions / limit_sessions} is NaN there rather than infinite.
 */
public final class PrometheusStats {
    public static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    public static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /** promex's two health states of a backend. */
    private static final List<String> STATES = List.of("DOWN", "UP");

    /**
     * promex's server states that patroxy has: a server going down is still UP, one going up still DOWN, and a
     * standby on the primary port is NOLB, so that alerts on DOWN do not fire for healthy replicas. MAINT and DRAIN
     * are what an operator set, as promex reports them: MAINT whatever the health, DRAIN for a drained server UP.
     */
    private static final List<String> SERVER_STATES = List.of("DOWN", "UP", "MAINT", "DRAIN", "NOLB");

    private final PrometheusMeterRegistry registry;
    private final Map<String, List<Meter>> listenerMeters = new HashMap<>();
    private final Map<ServerKey, List<Meter>> serverMeters = new HashMap<>();
    private volatile SnapshotIndex current = SnapshotIndex.EMPTY;
    private volatile DcsStatus dcs = DcsStatus.NONE;

    /** The text a scrape produced and the content type to serve it with. */
    public record Exposition(String contentType, String body) {
    }

    public PrometheusStats() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public PrometheusStats(PrometheusMeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        Gauge.builder("patroxy_uptime_seconds", this, stats -> stats.current.uptimeSeconds())
                .description("How long patroxy has been running")
                .register(registry);
        FunctionCounter.builder("patroxy_config_reloads", this, stats -> stats.current.reload().succeeded())
                .tag("result", "success").description("Configuration reloads that took effect")
                .register(registry);
        FunctionCounter.builder("patroxy_config_reloads", this, stats -> stats.current.reload().failed())
                .tag("result", "failure")
                .description("Configuration reloads refused; the configuration in force stayed")
                .register(registry);
        Gauge.builder("patroxy_config_last_reload_successful", this,
                        stats -> stats.current.reload().lastSucceeded() ? 1 : 0)
                .description("Whether the latest configuration reload took effect (1 before any)")
                .register(registry);
        Gauge.builder("patroxy_config_draining_sessions", this, stats -> stats.current.reload().drainingSessions())
                .description("Sessions still open under configurations that reloads replaced")
                .register(registry);
        FunctionCounter.builder("patroxy_log_dropped_lines", this, stats -> stats.current.droppedLogLines())
                .description("Log lines dropped because standard output did not keep up")
                .register(registry);
        registry.getPrometheusRegistry().register((MultiCollector) this::detectionHistograms);
        registry.getPrometheusRegistry().register((MultiCollector) this::dcsMetrics);
    }

    /** What the DCS watch reports, only when a DCS is configured: a series that cannot mean anything stays absent. */
    private MetricSnapshots dcsMetrics() {
        DcsStatus status = dcs;
        if (!status.configured()) {
            return MetricSnapshots.of();
        }
        List<GaugeSnapshot.GaugeDataPointSnapshot> unknown = new ArrayList<>();
        current.listeners().forEach((name, listener) -> {
            if ("primary".equals(listener.balance())) {
                unknown.add(new GaugeSnapshot.GaugeDataPointSnapshot(
                        status.listenersWithoutLeader().contains(name) ? 1 : 0, Labels.of("proxy", name), null));
            }
        });
        return MetricSnapshots.of(
                new GaugeSnapshot(new MetricMetadata("patroxy_dcs_leader_unknown_member",
                        "1 while the DCS leader key names a Patroni member that is none of the listener's servers"
                                + " (member: names do not match Patroni's): the REST checks alone pick its primary"),
                        unknown),
                counter("patroxy_dcs_request_failures", "DCS requests for the leader or failover key that"
                        + " failed (refused, timed out, or answered with anything but the key) since the configuration took effect",
                        status.requestFailures()),
                counter("patroxy_dcs_errors", "Tasks of the DCS watch that threw since the configuration took effect;"
                        + " each was logged and the watch started again", status.errors()));
    }

    private static CounterSnapshot counter(String name, String help, long value) {
        return new CounterSnapshot(new MetricMetadata(name, help),
                List.of(new CounterSnapshot.CounterDataPointSnapshot(value, Labels.EMPTY, null, 0L)));
    }

    /**
     * The role-change detection histogram of every primary listener in the current snapshot. Micrometer's histograms count
     * what they are given one value at a time; these counts are the snapshot's, so they are exposed as they are.
     */
    private MetricSnapshots detectionHistograms() {
        double[] bounds = new double[DetectionHistogram.BOUNDS_SECONDS.size() + 1];
        for (int i = 0; i < DetectionHistogram.BOUNDS_SECONDS.size(); i++) {
            bounds[i] = DetectionHistogram.BOUNDS_SECONDS.get(i);
        }
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        List<HistogramSnapshot.HistogramDataPointSnapshot> points = new ArrayList<>();
        current.listeners().forEach((name, listener) -> {
            if (!"primary".equals(listener.balance())) {
                return;
            }
            DetectionHistogram histogram = listener.roleChangeDetection();
            long[] counts = histogram.bucketCounts().stream().mapToLong(Long::longValue).toArray();
            points.add(new HistogramSnapshot.HistogramDataPointSnapshot(ClassicHistogramBuckets.of(bounds, counts),
                    histogram.sumSeconds(), Labels.of("proxy", name), Exemplars.EMPTY, 0L));
        });
        return MetricSnapshots.of(new HistogramSnapshot(new MetricMetadata("patroxy_role_change_detection_seconds",
                "Role changes of a primary listener by how long they took to detect: from the first sign (DCS key"
                        + " or failing check) to the routing decision", Unit.SECONDS), points));
    }

    /** The registry behind {@code /metrics}, for the caller's own meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Exposes {@code snapshot}.
     *
     * @param accept the request's {@code Accept} header, or null; OpenMetrics is served when it asks for it
     */
    public synchronized Exposition scrape(StatsSnapshot snapshot, String accept) {
        SnapshotIndex index = SnapshotIndex.of(snapshot);
        reconcileMeters(index);
        current = index;
        dcs = snapshot.dcs();
        String contentType = accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS_CONTENT_TYPE
                : TEXT_CONTENT_TYPE;
        return new Exposition(contentType, registry.scrape(contentType));
    }

    private void reconcileMeters(SnapshotIndex index) {
        removeGone(listenerMeters, index.listeners().keySet());
        removeGone(serverMeters, index.servers().keySet());
        index.listeners().keySet().forEach(name -> listenerMeters.computeIfAbsent(name, this::registerListener));
        index.servers().keySet().forEach(key -> serverMeters.computeIfAbsent(key, this::registerServer));
    }

    private <K> void removeGone(Map<K, List<Meter>> metersByKey, Set<K> present) {
        metersByKey.entrySet().removeIf(entry -> {
            if (present.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().forEach(registry::remove);
            return true;
        });
    }

    private List<Meter> registerListener(String proxy) {
        Tags tags = Tags.of("proxy", proxy);
        MeterFactory<FrontendStats> frontend = new MeterFactory<>(tags, index -> index.frontend(proxy));
        MeterFactory<ListenerStats> backend = new MeterFactory<>(tags, index -> index.listener(proxy));
        List<Meter> meters = new ArrayList<>();
        meters.add(frontend.gauge("haproxy_frontend_current_sessions", "Number of current sessions",
                FrontendStats::currentSessions));
        meters.add(frontend.gauge("haproxy_frontend_max_sessions", "Maximum observed number of active sessions",
                FrontendStats::maxSessions));
        meters.add(frontend.gauge("haproxy_frontend_limit_sessions", "Frontend/listener/server's maxconn",
                f -> limitOrNaN(f.sessionLimit())));
        meters.add(frontend.counter("haproxy_frontend_sessions_total", "Total number of sessions",
                FrontendStats::totalSessions));
        meters.add(frontend.counter("haproxy_frontend_bytes_in_total", "Total number of request bytes",
                FrontendStats::bytesIn));
        meters.add(frontend.counter("haproxy_frontend_bytes_out_total", "Total number of response bytes",
                FrontendStats::bytesOut));
        meters.add(frontend.counter("haproxy_frontend_denied_connections_total",
                "Total number of connections refused because no server could take them", FrontendStats::refused));
        meters.add(backend.counter("patroxy_role_changes_total",
                "Changes of the server a primary listener routes new sessions to", ListenerStats::roleChangesTotal));
        meters.add(frontend.gauge("patroxy_frontend_held_clients",
                "Clients waiting now because no server takes sessions (timeout hold)", FrontendStats::held));
        meters.add(frontend.counter("patroxy_frontend_held_released_total",
                "Held clients let go to a server once one took sessions again", FrontendStats::heldReleased));
        meters.add(frontend.counter("patroxy_frontend_hold_timeouts_total",
                "Held clients turned away with SQLSTATE 57P03 because timeout hold ran out",
                FrontendStats::holdTimeouts));
        meters.add(frontend.counter("patroxy_frontend_startup_timeouts_total",
                "Clients closed because they did not finish their startup within timeout client-startup",
                FrontendStats::startupTimeouts));
        meters.add(frontend.counter("patroxy_frontend_first_packet_rejections_total",
                "Clients closed before their first packet was read whole: past timeout client-hello, gone, "
                        + "not PostgreSQL, or past the bound on clients in their first packet",
                FrontendStats::firstPacketRejections));
        meters.add(frontend.gauge("patroxy_frontend_switchover_paused",
                "1 while new clients are held because Patroni's failover key asks the leader to hand over",
                f -> f.switchoverPaused() ? 1 : 0));
        meters.add(frontend.counter("patroxy_frontend_switchover_pauses_total",
                "Times new clients were held for a switchover Patroni was asked for", FrontendStats::switchoverPauses));
        meters.add(backend.gauge("haproxy_backend_active_servers", "Number of servers taking new sessions",
                ListenerStats::activeServers));
        meters.add(backend.gauge("haproxy_backend_current_queue",
                "Number of current queued connections, summed over the servers' queues",
                listener -> BackendTotals.of(listener).queueCurrent()));
        meters.add(backend.gauge("haproxy_backend_queue_time_average_seconds",
                "Avg. queue time for last 1024 successful connections, estimated from the servers'",
                listener -> seconds(BackendTotals.of(listener).queueTimeAverage())));
        for (String state : STATES) {
            boolean up = "UP".equals(state);
            meters.add(backend.gauge("haproxy_backend_status", Tags.of("state", state),
                    "Current status of the service, per state label value",
                    listener -> listener.activeServers() > 0 == up ? 1 : 0));
        }
        return meters;
    }

    private List<Meter> registerServer(ServerKey key) {
        MeterFactory<ServerStats> server = new MeterFactory<>(Tags.of("proxy", key.proxy(), "server", key.server()),
                index -> index.server(key));
        List<Meter> meters = new ArrayList<>();
        for (String state : SERVER_STATES) {
            meters.add(server.gauge("haproxy_server_status", Tags.of("state", state),
                    "Current status of the service, per state label value",
                    s -> promexState(s).equals(state) ? 1 : 0));
        }
        meters.add(server.gauge("haproxy_server_current_sessions", "Number of current sessions",
                ServerStats::currentSessions));
        meters.add(server.gauge("haproxy_server_max_sessions", "Maximum observed number of active sessions",
                ServerStats::maxSessions));
        meters.add(server.gauge("haproxy_server_limit_sessions", "Frontend/listener/server's maxconn",
                s -> limitOrNaN(s.sessionLimit())));
        meters.add(server.counter("haproxy_server_sessions_total", "Total number of sessions",
                ServerStats::totalSessions));
        meters.add(server.gauge("haproxy_server_current_queue", "Number of current queued connections",
                ServerStats::queueCurrent));
        meters.add(server.gauge("haproxy_server_max_queue",
                "Highest value of queued connections encountered since process started", ServerStats::queueMax));
        meters.add(server.gauge("haproxy_server_queue_time_average_seconds",
                "Avg. queue time for last 1024 successful connections", s -> seconds(s.queueTimeAverage())));
        meters.add(server.counter("haproxy_server_bytes_in_total", "Total number of request bytes",
                ServerStats::bytesIn));
        meters.add(server.counter("haproxy_server_bytes_out_total", "Total number of response bytes",
                ServerStats::bytesOut));
        meters.add(server.counter("haproxy_server_connection_errors_total", "Total number of connection errors",
                ServerStats::connectErrors));
        meters.add(server.counter("haproxy_server_check_failures_total",
                "Total number of failed individual health checks", ServerStats::checkFailures));
        meters.add(server.counter("haproxy_server_check_up_down_total",
                "Total number of failed checks causing UP to DOWN server transitions", ServerStats::downTransitions));
        meters.add(server.gauge("haproxy_server_check_last_change_seconds",
                "How long ago the last server state change happened",
                s -> HumanFormat.elapsed(s.lastChange(), current.takenAt()).toMillis() / 1000.0));
        meters.add(server.counter("haproxy_server_downtime_seconds_total", "Total time spent DOWN",
                s -> s.downtime().toMillis() / 1000.0));
        // NaN before the first check, where promex leaves the series out.
        meters.add(server.gauge("haproxy_server_check_duration_seconds", "Duration of the latest health check",
                s -> CheckDescriptions.hasRun(s.lastCheck()) ? seconds(s.lastCheck().duration()) : Double.NaN));
        // One series per role of the fixed set from the first scrape on, 1 for the current one, as promex does for
        // states: dashboards see zeros rather than absent series, and no text from Patroni becomes a label value.
        for (ServerRole role : ServerRole.values()) {
            meters.add(server.gauge("patroxy_server_role", Tags.of("role", role.label()),
                    "Patroni role of the server, per role label value",
                    s -> ServerRole.of(s.role()) == role ? 1 : 0));
        }
        meters.add(server.gauge("haproxy_server_uweight", "Server's user weight", ServerStats::weight));
        meters.add(server.gauge("patroxy_server_routable", "Whether the listener sends new sessions to this server",
                s -> s.routable() ? 1 : 0));
        meters.add(server.counter("patroxy_server_killed_sessions_total",
                "Sessions closed because the server went DOWN or lost its role", ServerStats::killedSessions));
        meters.add(server.counter("patroxy_server_check_errors_total",
                "Checks that could not be sent, or whose answer could not be applied (patroxy's errors, not the server's)",
                ServerStats::checkErrors));
        meters.add(server.counter("patroxy_server_queue_timeouts_total",
                "Sessions that gave up waiting in the server's queue after timeout queue", ServerStats::queueTimeouts));
        meters.add(server.counter("patroxy_server_failed_lookups_total",
                "Lookups of the server's host name that failed; connections went to the last good address",
                ServerStats::failedLookups));
        return meters;
    }

    private static double limitOrNaN(int sessionLimit) {
        return sessionLimit > 0 ? sessionLimit : Double.NaN;
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    private static String promexState(ServerStats server) {
        if (server.admin() == AdminState.MAINT) {
            return "MAINT";
        }
        if (server.admin() == AdminState.DRAIN && server.state().isUp()) {
            return "DRAIN";
        }
        return switch (server.state()) {
            case UP, GOING_DOWN -> "UP";
            case DOWN, GOING_UP -> "DOWN";
            case NOLB -> "NOLB";
        };
    }

    /** Builds meters that read one part of the current snapshot; they read NaN when that part is missing. */
    private final class MeterFactory<T> {
        private final Tags tags;
        private final Function<SnapshotIndex, T> part;

        MeterFactory(Tags tags, Function<SnapshotIndex, T> part) {
            this.tags = tags;
            this.part = part;
        }

        Gauge gauge(String name, String description, ToDoubleFunction<T> value) {
            return gauge(name, Tags.empty(), description, value);
        }

        Gauge gauge(String name, Tags extraTags, String description, ToDoubleFunction<T> value) {
            return Gauge.builder(name, PrometheusStats.this, read(value))
                    .tags(tags.and(extraTags))
                    .description(description)
                    .register(registry);
        }

        FunctionCounter counter(String name, String description, ToDoubleFunction<T> value) {
            return FunctionCounter.builder(name, PrometheusStats.this, read(value))
                    .tags(tags)
                    .description(description)
                    .register(registry);
        }

        private ToDoubleFunction<PrometheusStats> read(ToDoubleFunction<T> value) {
            return stats -> {
                T source = part.apply(stats.current);
                return source == null ? Double.NaN : value.applyAsDouble(source);
            };
        }
    }
}
