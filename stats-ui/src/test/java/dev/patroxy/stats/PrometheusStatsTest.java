package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusStatsTest {
    private final PrometheusStats prometheus = new PrometheusStats();

    @Test
    void adminStatesAreStateLabelValuesAsPromexHasThem() {
        String body = new PrometheusStats().scrape(TestSnapshots.withAdmin(AdminState.DRAIN), null).body();
        assertThat(body).contains("haproxy_server_status{proxy=\"primary\",server=\"pg01\",state=\"DRAIN\"} 1")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg01\",state=\"UP\"} 0")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg03\",state=\"DOWN\"} 1")
                .contains("haproxy_server_uweight{proxy=\"primary\",server=\"pg01\"} 0");
        String maint = new PrometheusStats().scrape(TestSnapshots.withAdmin(AdminState.MAINT), null).body();
        assertThat(maint).contains("haproxy_server_status{proxy=\"primary\",server=\"pg03\",state=\"MAINT\"} 1")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg03\",state=\"DOWN\"} 0");
    }

    @Test
    void exposesPromexNamesExactly() {
        List<String> names = prometheus.scrape(TestSnapshots.sample(), null).body().lines()
                .filter(line -> line.startsWith("# TYPE "))
                .map(line -> line.split(" ")[2])
                .toList();
        assertThat(names).containsExactlyInAnyOrder(
                "haproxy_frontend_current_sessions",
                "haproxy_frontend_max_sessions",
                "haproxy_frontend_limit_sessions",
                "haproxy_frontend_sessions_total",
                "haproxy_frontend_bytes_in_total",
                "haproxy_frontend_bytes_out_total",
                "haproxy_frontend_denied_connections_total",
                "patroxy_role_changes_total",
                "patroxy_role_change_detection_seconds",
                "patroxy_frontend_held_clients",
                "patroxy_frontend_held_released_total",
                "patroxy_frontend_hold_timeouts_total",
                "patroxy_frontend_startup_timeouts_total",
                "patroxy_frontend_first_packet_rejections_total",
                "patroxy_frontend_switchover_paused",
                "patroxy_frontend_switchover_pauses_total",
                "haproxy_backend_active_servers",
                "haproxy_backend_status",
                "haproxy_backend_current_queue",
                "haproxy_backend_queue_time_average_seconds",
                "haproxy_server_status",
                "haproxy_server_current_sessions",
                "haproxy_server_max_sessions",
                "haproxy_server_limit_sessions",
                "haproxy_server_current_queue",
                "haproxy_server_max_queue",
                "haproxy_server_queue_time_average_seconds",
                "haproxy_server_sessions_total",
                "haproxy_server_bytes_in_total",
                "haproxy_server_bytes_out_total",
                "haproxy_server_connection_errors_total",
                "haproxy_server_check_failures_total",
                "haproxy_server_check_up_down_total",
                "haproxy_server_check_last_change_seconds",
                "haproxy_server_downtime_seconds_total",
                "haproxy_server_check_duration_seconds",
                "haproxy_server_uweight",
                "patroxy_server_routable",
                "patroxy_server_role",
                "patroxy_server_killed_sessions_total",
                "patroxy_server_check_errors_total",
                "patroxy_server_queue_timeouts_total",
                "patroxy_server_failed_lookups_total",
                "patroxy_log_dropped_lines_total",
                "patroxy_config_reloads_total",
                "patroxy_config_last_reload_successful",
                "patroxy_config_draining_sessions",
                "patroxy_uptime_seconds");
    }

    @Test
    void serverStatusHasOneSeriesPerStateLikePromex() {
        String body = prometheus.scrape(TestSnapshots.sample(), null).body();
        assertThat(body)
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg01\",state=\"UP\"} 1.0\n")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg01\",state=\"DOWN\"} 0.0\n")
                .as("a server going down still counts as UP, one going up as DOWN")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg02\",state=\"UP\"} 1.0\n")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"<x>\",state=\"DOWN\"} 1.0\n")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg03\",state=\"DOWN\"} 1.0\n");
    }

    @Test
    void exposesCountersAndGauges() {
        String body = prometheus.scrape(TestSnapshots.sample(), null).body();
        assertThat(body)
                .contains("haproxy_frontend_sessions_total{proxy=\"primary\"} 1240.0\n")
                .contains("patroxy_frontend_held_clients{proxy=\"primary\"} 2.0\n")
                .contains("patroxy_role_changes_total{proxy=\"primary\"} 3.0\n")
                .contains("# TYPE patroxy_role_change_detection_seconds histogram\n")
                .contains("patroxy_role_change_detection_seconds_bucket{proxy=\"primary\",le=\"0.025\"} 1\n")
                .contains("patroxy_role_change_detection_seconds_bucket{proxy=\"primary\",le=\"0.1\"} 2\n")
                .contains("patroxy_role_change_detection_seconds_bucket{proxy=\"primary\",le=\"2.5\"} 3\n")
                .contains("patroxy_role_change_detection_seconds_bucket{proxy=\"primary\",le=\"+Inf\"} 3\n")
                .contains("patroxy_role_change_detection_seconds_count{proxy=\"primary\"} 3\n")
                .contains("patroxy_role_change_detection_seconds_sum{proxy=\"primary\"} 1.978\n")
                .doesNotContain("patroxy_role_change_detection_seconds_count{proxy=\"replicas\"}")
                .contains("patroxy_frontend_held_released_total{proxy=\"primary\"} 41.0\n")
                .contains("patroxy_frontend_hold_timeouts_total{proxy=\"primary\"} 1.0\n")
                .contains("patroxy_frontend_startup_timeouts_total{proxy=\"primary\"} 4.0\n")
                .contains("patroxy_frontend_first_packet_rejections_total{proxy=\"primary\"} 7.0\n")
                .contains("patroxy_frontend_switchover_paused{proxy=\"primary\"} 1.0\n")
                .contains("patroxy_frontend_switchover_paused{proxy=\"replicas\"} 0.0\n")
                .contains("patroxy_frontend_switchover_pauses_total{proxy=\"primary\"} 3.0\n")
                .contains("haproxy_frontend_denied_connections_total{proxy=\"primary\"} 6.0\n")
                .contains("haproxy_server_sessions_total{proxy=\"primary\",server=\"pg01\"} 1234.0\n")
                .contains("haproxy_server_bytes_in_total{proxy=\"primary\",server=\"pg01\"} 988234.0\n")
                .contains("haproxy_server_check_failures_total{proxy=\"primary\",server=\"pg02\"} 7.0\n")
                .contains("patroxy_server_check_errors_total{proxy=\"primary\",server=\"pg02\"} 4.0\n")
                .contains("haproxy_server_check_last_change_seconds{proxy=\"primary\",server=\"pg01\"} 192.0\n")
                .contains("haproxy_server_downtime_seconds_total{proxy=\"primary\",server=\"pg01\"} 12.0\n")
                .contains("haproxy_server_check_duration_seconds{proxy=\"primary\",server=\"pg01\"} 0.003\n")
                .contains("haproxy_server_check_duration_seconds{proxy=\"primary\",server=\"<x>\"} NaN\n")
                .contains("haproxy_backend_active_servers{proxy=\"primary\"} 1.0\n")
                .contains("haproxy_backend_status{proxy=\"primary\",state=\"UP\"} 1.0\n")
                .contains("haproxy_backend_status{proxy=\"replicas\",state=\"DOWN\"} 1.0\n")
                .contains("patroxy_server_routable{proxy=\"primary\",server=\"pg01\"} 1.0\n")
                .contains("patroxy_server_routable{proxy=\"primary\",server=\"pg02\"} 0.0\n")
                .contains("patroxy_server_role{proxy=\"primary\",role=\"primary\",server=\"pg01\"} 1.0\n")
                .contains("patroxy_server_role{proxy=\"primary\",role=\"replica\",server=\"pg01\"} 0.0\n")
                .contains("patroxy_server_killed_sessions_total{proxy=\"primary\",server=\"pg02\"} 5.0\n")
                .contains("patroxy_uptime_seconds 3661.0\n");
    }

    @Test
    void exposesQueuesAndSessionLimits() {
        String body = prometheus.scrape(TestSnapshots.sample(), null).body();
        assertThat(body)
                .contains("haproxy_frontend_limit_sessions{proxy=\"primary\"} 500.0\n")
                .contains("haproxy_server_limit_sessions{proxy=\"primary\",server=\"pg01\"} 100.0\n")
                .contains("haproxy_server_current_queue{proxy=\"primary\",server=\"pg01\"} 2.0\n")
                .contains("haproxy_server_max_queue{proxy=\"primary\",server=\"pg01\"} 7.0\n")
                .contains("haproxy_server_queue_time_average_seconds{proxy=\"primary\",server=\"pg01\"} 0.012\n")
                .contains("patroxy_server_queue_timeouts_total{proxy=\"primary\",server=\"pg01\"} 3.0\n")
                .contains("haproxy_server_current_queue{proxy=\"primary\",server=\"pg02\"} 0.0\n")
                .contains("haproxy_backend_current_queue{proxy=\"primary\"} 2.0\n")
                // pg01's 12 ms over its last 1024 sessions and pg02's 0 ms over its 4.
                .contains("haproxy_backend_queue_time_average_seconds{proxy=\"primary\"} 0.011953307\n")
                .contains("haproxy_backend_queue_time_average_seconds{proxy=\"replicas\"} 0.0\n");
    }

    @Test
    void anUnsetSessionLimitIsNanAsInPromex() {
        String body = prometheus.scrape(TestSnapshots.sample(), null).body();
        assertThat(body)
                .contains("haproxy_frontend_limit_sessions{proxy=\"replicas\"} NaN\n")
                .contains("haproxy_server_limit_sessions{proxy=\"primary\",server=\"pg02\"} NaN\n");
    }

    @Test
    void servesTheTextFormatUnlessOpenMetricsIsAskedFor() {
        assertThat(prometheus.scrape(TestSnapshots.sample(), "*/*").contentType())
                .isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        PrometheusStats.Exposition openMetrics = prometheus.scrape(TestSnapshots.sample(),
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        assertThat(openMetrics.contentType()).startsWith("application/openmetrics-text");
        assertThat(openMetrics.body())
                .contains("haproxy_server_sessions_total{proxy=\"primary\",server=\"pg01\"} 1234.0\n")
                .endsWith("# EOF\n");
    }

    @Test
    void eachScrapeShowsTheSnapshotItWasGiven() {
        prometheus.scrape(TestSnapshots.sample(), null);
        String body = prometheus.scrape(TestSnapshots.later(), null).body();
        assertThat(body)
                .contains("haproxy_server_sessions_total{proxy=\"primary\",server=\"pg01\"} 1300.0\n")
                .contains("haproxy_server_check_last_change_seconds{proxy=\"primary\",server=\"pg01\"} 202.0\n")
                .contains("patroxy_uptime_seconds 3671.0\n");
    }

    @Test
    void registersServersThatAppearAndRemovesThoseThatGo() {
        prometheus.scrape(TestSnapshots.sample(), null);
        StatsSnapshot sample = TestSnapshots.sample();
        ListenerStats replicas = sample.listeners().get(1);
        ServerStats pg09 = new ServerStats("pg09", "pg09.db:5432", "http://pg09.db:8008/replica", ServerState.UP, 0, 0,
                "standby_leader", true, 1, 1, 42, 1, 1, 0, 0, 0, 0, sample.takenAt(), Duration.ZERO, 0,
                CheckResult.NONE, 0, 0, 0, 0, Duration.ZERO, 0, AdminState.READY, 1);
        StatsSnapshot changed = new StatsSnapshot(sample.version(), sample.startedAt(), sample.takenAt(), List.of(
                sample.listeners().get(0),
                new ListenerStats(replicas.name(), replicas.binds(), replicas.balance(), replicas.check(),
                        replicas.frontend(), List.of(pg09), List.of(), 0, DetectionHistogram.EMPTY)), sample.reload(),
                sample.dcs(), sample.droppedLogLines());

        String body = prometheus.scrape(changed, null).body();

        assertThat(body)
                .contains("haproxy_server_sessions_total{proxy=\"replicas\",server=\"pg09\"} 42.0\n")
                .contains("patroxy_server_role{proxy=\"replicas\",role=\"standby_leader\",server=\"pg09\"} 1.0\n")
                .contains("patroxy_server_role{proxy=\"replicas\",role=\"primary\",server=\"pg09\"} 0.0\n")
                .doesNotContainPattern("proxy=\"replicas\"[^}]*server=\"pg03\"")
                .contains("{proxy=\"primary\",server=\"pg03\"}");
    }

    @Test
    void aRoleOutsidePatronisOwnIsExposedAsOtherNeverAsItsOwnLabel() {
        String hostile = "x".repeat(10_000);
        List<String> seen = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            seen.add(prometheus.scrape(withPg01Role(i == 49 ? hostile : "role_" + i), null).body());
        }
        String body = seen.get(seen.size() - 1);

        assertThat(body)
                .doesNotContain(hostile)
                .doesNotContain("role=\"role_")
                .contains("patroxy_server_role{proxy=\"primary\",role=\"other\",server=\"pg01\"} 1.0\n")
                .contains("patroxy_server_role{proxy=\"primary\",role=\"primary\",server=\"pg01\"} 0.0\n");
        assertThat(body.lines().filter(l -> l.startsWith("patroxy_server_role{proxy=\"primary\",")
                        && l.contains("server=\"pg01\""))
                .map(l -> l.replaceAll(".*role=\"([^\"]*)\".*", "$1")))
                .as("one series per role of the fixed set")
                .containsExactlyInAnyOrder("primary", "standby_leader", "replica", "demoted", "promoted",
                        "uninitialized", "not_primary", "unknown", "other");
    }

    private static StatsSnapshot withPg01Role(String role) {
        StatsSnapshot sample = TestSnapshots.sample();
        ListenerStats primary = sample.listeners().get(0);
        ServerStats pg01 = primary.servers().get(0);
        ServerStats renamed = new ServerStats(pg01.name(), pg01.address(), pg01.checkUrl(), pg01.state(),
                pg01.health(), pg01.healthMax(), role, pg01.routable(), pg01.currentSessions(), pg01.maxSessions(),
                pg01.totalSessions(), pg01.bytesIn(), pg01.bytesOut(), pg01.connectErrors(), pg01.checkFailures(),
                pg01.checkErrors(), pg01.downTransitions(), pg01.lastChange(), pg01.downtime(), pg01.killedSessions(), pg01.lastCheck(),
                pg01.sessionLimit(), pg01.queueCurrent(), pg01.queueMax(), pg01.queueTimeouts(),
                pg01.queueTimeAverage(), pg01.failedLookups(), pg01.admin(), pg01.weight());
        List<ServerStats> servers = new java.util.ArrayList<>(primary.servers());
        servers.set(0, renamed);
        return new StatsSnapshot(sample.version(), sample.startedAt(), sample.takenAt(), List.of(
                new ListenerStats(primary.name(), primary.binds(), primary.balance(), primary.check(),
                        primary.frontend(), servers, primary.roleChanges(), primary.roleChangesTotal(),
                        primary.roleChangeDetection()),
                sample.listeners().get(1)), sample.reload(), sample.dcs(), sample.droppedLogLines());
    }

    @Test
    void exposesFailedLookupsAndDroppedLogLines() {
        String body = prometheus.scrape(TestSnapshots.sample(), null).body();
        assertThat(body)
                .contains("patroxy_server_failed_lookups_total{proxy=\"primary\",server=\"pg02\"} 3.0\n")
                .contains("patroxy_server_failed_lookups_total{proxy=\"primary\",server=\"pg01\"} 0.0\n")
                .contains("patroxy_log_dropped_lines_total 17.0\n");
    }

    @Test
    void removesListenersThatGo() {
        prometheus.scrape(TestSnapshots.sample(), null);
        StatsSnapshot sample = TestSnapshots.sample();
        StatsSnapshot primaryOnly = new StatsSnapshot(sample.version(), sample.startedAt(), sample.takenAt(),
                List.of(sample.listeners().get(0)), sample.reload(), sample.dcs(), sample.droppedLogLines());

        assertThat(prometheus.scrape(primaryOnly, null).body())
                .doesNotContain("proxy=\"replicas\"")
                .contains("haproxy_frontend_sessions_total{proxy=\"primary\"} 1240.0\n");
    }

    @Test
    void exposesReloadsLikePrometheusItself() {
        String body = prometheus.scrape(TestSnapshots.sample(), null).body();
        assertThat(body)
                .contains("patroxy_config_reloads_total{result=\"success\"} 2.0\n")
                .contains("patroxy_config_reloads_total{result=\"failure\"} 1.0\n")
                .contains("patroxy_config_last_reload_successful 0.0\n")
                .contains("patroxy_config_draining_sessions 4.0\n");
    }

    @Test
    void callerMayAddItsOwnMeters() {
        Gauge.builder("patroxy_test_gauge", () -> 7).register(prometheus.registry());
        assertThat(prometheus.scrape(TestSnapshots.sample(), null).body()).contains("patroxy_test_gauge 7.0\n");
    }

    @Test
    void exposesALeaderKeyNamingNoServerAndTheDcsErrorsWhenADcsIsConfigured() {
        String body = prometheus.scrape(TestSnapshots.withUnknownLeader(), null).body();

        assertThat(body)
                .contains("patroxy_dcs_leader_unknown_member{proxy=\"primary\"} 1.0\n")
                .doesNotContain("patroxy_dcs_leader_unknown_member{proxy=\"replicas\"}")
                .contains("patroxy_dcs_errors_total 1.0\n")
                .contains("patroxy_dcs_request_failures_total 4.0\n");
        assertThat(prometheus.scrape(TestSnapshots.sample(), null).body()).doesNotContain("patroxy_dcs_");
    }
}
