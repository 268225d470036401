package dev.patroxy.proxy.runtime;

import dev.patroxy.config.ConfigException;
import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.proxy.admin.AdminActions;
import dev.patroxy.proxy.admin.SessionInfo;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.DcsStatus;
import dev.patroxy.stats.DetectionHistogram;
import dev.patroxy.stats.FrontendStats;
import dev.patroxy.stats.ListenerStats;
import dev.patroxy.stats.ReloadStatus;
import dev.patroxy.stats.RoleChange;
import dev.patroxy.stats.ServerState;
import dev.patroxy.stats.ServerStats;
import dev.patroxy.stats.StatsSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A two-listener cluster as the runtime API sees it, and an AdminActions that records what it is asked. */
final class RuntimeFixtures {
    static final Instant STARTED = Instant.parse("2026-12-01T10:00:00Z");
    static final Instant TAKEN = Instant.parse("2026-12-01T11:01:01Z");
    static final String YAML = """
            stats:
              bind: ["127.0.0.1:7000"]
            global:
              maxconn: 500
            defaults:
              check: {inter: 1s, fall: 3, rise: 2}
            servers:
              - {name: pg01, address: "10.29.0.11:5432", check-port: 8008}
              - {name: pg02, address: "pg02.db:5432", check-address: "10.29.0.99:8009", member: node2}
            dcs: {type: etcd3, hosts: ["10.29.0.10:2379"], scope: batman}
            listeners:
              - {name: primary, bind: "127.0.0.1:5000", balance: primary}
              - {name: replicas, bind: "127.0.0.1:5001", balance: roundrobin, servers: [pg02]}
            """;

    private static final PatroxyConfig CONFIG = parse();

    private RuntimeFixtures() {
    }

    private static PatroxyConfig parse() {
        try {
            return ConfigLoader.parse(Path.of("/etc/patroxy/patroxy.yml"), YAML);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    static PatroxyConfig config() {
        return CONFIG;
    }

    static StatsSnapshot snapshot() {
        return snapshot(AdminState.READY, 1);
    }

    /** The snapshot with what an operator set on the primary listener's pg02. */
    static StatsSnapshot snapshot(AdminState pg02Admin, int pg02Weight) {
        ListenerStats primary = new ListenerStats("primary", List.of("127.0.0.1:5000"), "primary",
                "GET /primary expect 200",
                new FrontendStats(3, 17, 1240, 987_654, 12_345_678, 6, 0, 0, 9, 41, 1, 4, 7, false, 3, false),
                List.of(server("pg01", "10.29.0.11:5432", ServerState.UP, 0, 0, "primary", true,
                                new CheckResult("L7OK", 200, Duration.ofMillis(3), "HTTP 200", TAKEN)),
                        server("pg02", "pg02.db:5432", ServerState.GOING_DOWN, 2, 3, "replica", false,
                                new CheckResult("L4TOUT", 0, Duration.ofMillis(1000), "timed out", TAKEN),
                                pg02Admin, pg02Weight)),
                List.of(new RoleChange(TAKEN.minusSeconds(192), "pg02", "pg01", "DCS: the DCS leader key names pg01",
                        Duration.ofMillis(78)), new RoleChange(TAKEN.minusSeconds(3000), null, "pg02",
                        "check: pg02 is UP (L7OK 200)", null)),
                2, DetectionHistogram.EMPTY);
        ListenerStats replicas = new ListenerStats("replicas", List.of("127.0.0.1:5001"), "roundrobin",
                "OPTIONS /replica expect 200",
                new FrontendStats(1, 2, 9, 100, 200, 1, 0, 0, 0, 0, 0, 0, 0, false, 0, false),
                List.of(server("pg02", "pg02.db:5432", ServerState.UP, 0, 0, "replica", true,
                        new CheckResult("L7OK", 200, Duration.ofMillis(2), "HTTP 200", TAKEN))),
                List.of(), 0, DetectionHistogram.EMPTY);
        return new StatsSnapshot("1.2.3", STARTED, TAKEN, List.of(primary, replicas), ReloadStatus.startedAt(STARTED),
                new DcsStatus(true, "pg01", List.of(), 4, 1, "the DCS leader watch:\nboom"), 5);
    }

    private static ServerStats server(String name, String address, ServerState state, int health, int healthMax,
            String role, boolean routable, CheckResult check) {
        return server(name, address, state, health, healthMax, role, routable, check, AdminState.READY, 1);
    }

    private static ServerStats server(String name, String address, ServerState state, int health, int healthMax,
            String role, boolean routable, CheckResult check, AdminState admin, int weight) {
        return new ServerStats(name, address, "http://" + address + "/primary", state, health, healthMax, role,
                routable, 1, 2, 30, 400, 500, 0, 1, 0, 1, TAKEN.minusSeconds(75), Duration.ZERO, 0, check, 0, 0, 0,
                0, Duration.ZERO, 2, admin, weight);
    }

    static RuntimeView view() {
        return new RuntimeView() {
            @Override
            public StatsSnapshot snapshot() {
                return RuntimeFixtures.snapshot();
            }

            @Override
            public PatroxyConfig config() {
                return RuntimeFixtures.config();
            }

            @Override
            public List<ClusterMember> members() {
                return List.of(new ClusterMember("pg01", "pg01", "10.29.0.11:5432", "primary", 7, List.of("primary")),
                        new ClusterMember("pg02", "node2", "pg02.db:5432", "replica", 0, List.of("replicas")));
            }

            @Override
            public ProcessFacts process() {
                return new ProcessFacts(4242, 2, 500, 1_048_576, 512L << 20, 64L << 20, 20L << 20, "px1", 31, 3);
            }
        };
    }

    /** Records each call as {@code method(args)} and answers {@code answer}. */
    static final class RecordingActions implements AdminActions {
        final List<String> calls = new ArrayList<>();
        String answer = "";

        private String record(String call) {
            calls.add(call);
            return answer;
        }

        @Override
        public String setServerState(String backend, String server, String state) {
            return record("setServerState(" + backend + ", " + server + ", " + state + ")");
        }

        @Override
        public String setWeight(String backend, String server, String weight) {
            return record("setWeight(" + backend + ", " + server + ", " + weight + ")");
        }

        @Override
        public String getWeight(String backend, String server) {
            return record("getWeight(" + backend + ", " + server + ")");
        }

        @Override
        public String setMaxconn(String scope, String target, String value) {
            return record("setMaxconn(" + scope + ", " + target + ", " + value + ")");
        }

        @Override
        public String disableFrontend(String frontend) {
            return record("disableFrontend(" + frontend + ")");
        }

        @Override
        public String enableFrontend(String frontend) {
            return record("enableFrontend(" + frontend + ")");
        }

        @Override
        public String shutdownSession(String id) {
            return record("shutdownSession(" + id + ")");
        }

        @Override
        public String shutdownSessions(String backend, String server) {
            return record("shutdownSessions(" + backend + ", " + server + ")");
        }

        @Override
        public List<SessionInfo> sessions() {
            calls.add("sessions()");
            return List.of(new SessionInfo(17, "primary", "10.0.0.5:40000", "pg01", Duration.ofSeconds(75), 1234,
                    5678), new SessionInfo(18, "primary", "10.0.0.6:40001", "", Duration.ofSeconds(2), 0, 0));
        }
    }
}
