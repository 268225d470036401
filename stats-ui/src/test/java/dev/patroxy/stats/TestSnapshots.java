package dev.patroxy.stats;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Hand-built snapshots: one listener with a server in each health state, one with nothing routable. Only the primary
 * listener and pg01 have session limits, and only pg01 has queued sessions.
 */
final class TestSnapshots {
    static final Instant STARTED = Instant.parse("2024-05-01T10:00:00Z");
    static final Instant TAKEN = Instant.parse("2024-05-01T11:01:01Z");

    private TestSnapshots() {
    }

    static StatsSnapshot sample() {
        return snapshot(TAKEN, 1234);
    }

    /** The sample, watching a leader key that names {@code postgresql0}, which is no server of the primary listener. */
    static StatsSnapshot withUnknownLeader() {
        StatsSnapshot s = sample();
        return new StatsSnapshot(s.version(), s.startedAt(), s.takenAt(), s.listeners(), s.reload(),
                new DcsStatus(true, "postgresql0", List.of("primary"), 4, 1, "the DCS leader watch: boom"), s.droppedLogLines());
    }

    /** The same cluster later: pg01 took more sessions and bytes. */
    static StatsSnapshot later() {
        return snapshot(TAKEN.plusSeconds(10), 1300);
    }

    /** The sample with every server set to {@code admin} by an operator, and the primary listener disabled. */
    static StatsSnapshot withAdmin(AdminState admin) {
        return snapshot(TAKEN, 1234, admin);
    }

    static StatsSnapshot snapshot(Instant takenAt, long pg01TotalSessions) {
        return snapshot(takenAt, pg01TotalSessions, AdminState.READY);
    }

    private static StatsSnapshot snapshot(Instant takenAt, long pg01TotalSessions, AdminState admin) {
        boolean disabled = admin != AdminState.READY;
        ListenerStats primary = new ListenerStats("primary", List.of("0.0.0.0:5000", "[::]:5000"), "primary",
                "OPTIONS /primary expect 200",
                new FrontendStats(3, 17, 1240, 987_654, 12_345_678, 6, 500, 2, 9, 41, 1, 4, 7, true, 3, disabled),
                List.of(
                        server("pg01", ServerState.UP, 0, 0, "primary", true, pg01TotalSessions,
                                new CheckResult("L7OK", 200, Duration.ofMillis(3), "HTTP 200", takenAt.minusSeconds(1)),
                                TAKEN.minusSeconds(192), admin),
                        server("pg02", ServerState.GOING_DOWN, 1, 3, "replica", false, 4,
                                new CheckResult("L7STS", 503, Duration.ofMillis(2), "HTTP 503, not the primary",
                                        takenAt.minusSeconds(1)),
                                TAKEN.minusSeconds(3600 * 5 + 60 * 7), admin),
                        server("pg03", ServerState.DOWN, 0, 0, "unknown", false, 0,
                                new CheckResult("L4CON", 0, Duration.ofMillis(1), "Connection refused",
                                        takenAt.minusSeconds(1)),
                                TAKEN.minusSeconds(45), admin),
                        server("<x>", ServerState.GOING_UP, 1, 2, "replica", false, 0, CheckResult.NONE,
                                STARTED, admin)),
                List.of(new RoleChange(TAKEN.minusSeconds(192), null, "pg01",
                                "DCS: the DCS leader key names pg01", Duration.ofMillis(78)),
                        new RoleChange(TAKEN.minusSeconds(193), "pg02", null, "check: pg02 is NOLB (L7STS 503)",
                                Duration.ZERO)),
                3,
                // 0.078 s, 0 s and 1.9 s: buckets 0.1, 0.025 and 2.5
                new DetectionHistogram(List.of(1L, 0L, 1L, 0L, 0L, 0L, 1L, 0L, 0L, 0L, 0L, 0L), 1.978));
        ListenerStats replicas = new ListenerStats("replicas", List.of("0.0.0.0:5001"), "roundrobin",
                "OPTIONS /replica expect 200",
                new FrontendStats(0, 2, 9, 100, 200, 1, 0, 0, 0, 0, 0, 0, 0, false, 0, false),
                List.of(server("pg03", ServerState.DOWN, 0, 0, "unknown", false, 0,
                        new CheckResult("L4TOUT", 0, Duration.ofMillis(1000), "timed out", takenAt.minusSeconds(1)),
                        TAKEN.minusSeconds(45), admin)),
                List.of(), 0, DetectionHistogram.EMPTY);
        return new StatsSnapshot("0.1.0-test", STARTED, takenAt, List.of(primary, replicas),
                new ReloadStatus(TAKEN.minusSeconds(60), 2, 1, "patroxy.yml:7: listeners[0].bind: invalid port 'x'",
                        TAKEN.minusSeconds(30), 4), DcsStatus.NONE, 17);
    }

    private static ServerStats server(String name, ServerState state, int health, int healthMax, String role,
            boolean routable, long totalSessions, CheckResult check, Instant lastChange, AdminState admin) {
        boolean pg01 = name.equals("pg01");
        return new ServerStats(name, name + ".db:5432", "http://" + name + ".db:8008/primary", state,
                health, healthMax, role, routable,
                pg01 ? 3 : 0, pg01 ? 15 : 1, totalSessions,
                pg01 ? 987_000 + totalSessions : 10, pg01 ? 12_345_000 + totalSessions : 20,
                pg01 ? 0 : 2, pg01 ? 1 : 7, pg01 ? 0 : 4, pg01 ? 1 : 2,
                lastChange, pg01 ? Duration.ofSeconds(12) : Duration.ofSeconds(3725),
                pg01 ? 0 : 5, check,
                pg01 ? 100 : 0, pg01 ? 2 : 0, pg01 ? 7 : 0, pg01 ? 3 : 0, pg01 ? Duration.ofMillis(12) : Duration.ZERO,
                pg01 ? 0 : 3, admin, admin == AdminState.READY ? 1 : 0);
    }
}
