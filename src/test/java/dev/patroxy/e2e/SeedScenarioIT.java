package dev.patroxy.e2e;

import static dev.patroxy.e2e.Cluster.PRIMARY_PORT;
import static dev.patroxy.e2e.Cluster.REPLICA_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.patroxy.e2e.Cluster.Landing;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The seed's walk-through, in its order, on the real cluster ({@code deploy/cluster up --fast}), with every client
 * going through patroxy: the demo database, replication, pgbench, a switchover, a failover by cutting the
 * primary's link, a partial partition (the primary loses etcd only), and a restart-requiring parameter change.
 */
@Order(1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedScenarioIT {
    private static final Duration ROLE_CHANGE = Duration.ofSeconds(90);

    @BeforeAll
    static void clusterIsUp() {
        await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
                .until(() -> !Cluster.land(PRIMARY_PORT).inRecovery());
    }

    private static Landing awaitPrimaryOn(String node) {
        await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> Cluster.land(PRIMARY_PORT).node().equals(node));
        return awaitPrimary();
    }

    private static Landing awaitPrimary() {
        return await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> Cluster.land(PRIMARY_PORT), l -> !l.inRecovery());
    }

    @Test
    @Order(1)
    void theDemoDatabaseIsListedWithTheSeedsTables() throws Exception {
        try (Connection c = Cluster.connect(PRIMARY_PORT, "postgres"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select datname from pg_database")) {
            List<String> databases = new ArrayList<>();
            while (rs.next()) {
                databases.add(rs.getString(1));
            }
            assertThat(databases).contains("demo", "postgres", "template0", "template1");
        }
        try (Connection c = Cluster.connect(PRIMARY_PORT, "demo"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema NOT IN ('information_schema','pg_catalog')")) {
            Set<String> tables = new HashSet<>();
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
            assertThat(tables).containsExactlyInAnyOrder("aircrafts", "airports", "boarding_passes", "bookings",
                    "flights", "flights_v", "seats", "ticket_flights", "tickets");
            assertThat(Long.parseLong(Cluster.scalar(c, "select count(*) from ticket_flights"))).isPositive();
        }
    }

    @Test
    @Order(2)
    void replicationShowsTwoStreamingReplicasThroughThePrimaryPort() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            try (Connection c = Cluster.connect(PRIMARY_PORT, "postgres"); Statement s = c.createStatement();
                    // The standby cluster's leader (deploy/cluster up --standby) streams from the primary too.
                    ResultSet rs = s.executeQuery("select application_name, state from pg_stat_replication"
                            + " where application_name <> '" + Cluster.STANDBY_NODE + "'")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString(1) + " " + rs.getString(2));
                }
                assertThat(rows).containsExactlyInAnyOrder("pg02 streaming", "pg03 streaming");
            }
        });
    }

    @Test
    @Order(3)
    void pgbenchRunsThroughPatroxyWithoutAFailedTransaction() {
        assertThat(Cluster.pgbench("prefer", "-i", "demo")).contains("done");
        String run = Cluster.pgbench("prefer", "-c", "10", "-C", "-t", "100", "demo");
        assertThat(run).contains("number of transactions actually processed: 1000/1000");
        assertThat(run).contains("number of failed transactions: 0");
    }

    @Test
    @Order(4)
    void theReplicaPortOnlyEverReachesReplicas() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            Landing landing = Cluster.land(REPLICA_PORT);
            assertThat(landing.inRecovery()).as("session %d on 5001 landed on %s", i, landing.node()).isTrue();
            seen.add(landing.node());
        }
        assertThat(seen).containsExactlyInAnyOrder("pg02", "pg03");
    }

    @Test
    @Order(5)
    void aSwitchoverMovesThePrimaryPortWithoutAFailedOrMisroutedSessionAndClosesSessionsToTheOldPrimary()
            throws Exception {
        assertThat(Cluster.land(PRIMARY_PORT)).isEqualTo(new Landing("pg01", false));
        long pausesBefore = metric(SWITCHOVER_PAUSES);
        Reconnector reconnector = new Reconnector(() -> Cluster.land(PRIMARY_PORT));
        try (reconnector; Connection held = Cluster.connect(PRIMARY_PORT, "postgres")) {
            assertThat(Cluster.scalar(held, "select host(inet_server_addr())")).isEqualTo("10.29.0.11");

            Cluster.cluster("patronictl", "switchover", "--master", "pg01", "--candidate", "pg03", "--force");

            assertThat(awaitPrimaryOn("pg03")).isEqualTo(new Landing("pg03", false));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> reconnector.landedOn("pg03") >= 5);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThatThrownBy(() -> Cluster.scalar(held, "select 1"))
                            .as("the session opened before the switchover was closed")
                            .isInstanceOf(SQLException.class));
        }
        assertThat(reconnector.failures).as("new sessions are held through the switchover, not refused").isEmpty();
        assertThat(metric(SWITCHOVER_PAUSES)).as("held from the failover key on, not from the shutdown")
                .isEqualTo(pausesBefore + 1);
        assertThat(metric("patroxy_frontend_switchover_paused{proxy=\"primary\"}")).isZero();
        assertThat(reconnector.landings).as("no session through 5000 lands on a node in recovery")
                .noneMatch(Landing::inRecovery)
                .extracting(Landing::node).containsOnly("pg01", "pg03");
        assertThat(Cluster.csvRow("primary", "pg03").get("status")).isEqualTo("UP");
        assertThat(Cluster.csvRow("primary", "pg01").get("status")).as("a healthy standby now").isEqualTo("NOLB");
        assertThat(Long.parseLong(Cluster.csvRow("primary", "pg01").get("chkdown"))).isPositive();
        assertThat(Cluster.http("/metrics"))
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg03\",state=\"UP\"} 1")
                .contains("haproxy_server_status{proxy=\"primary\",server=\"pg01\",state=\"NOLB\"} 1");
        assertThat(Cluster.http("/")).contains("pg03").contains("primary");
    }

    @Test
    @Order(6)
    void cuttingThePrimarysLinkPromotesAnotherNodeAndPatroxyFollows() throws Exception {
        // Right after a switchover the replicas may not have caught up with the new primary; cutting it then
        // lets the next leader reuse its timeline and the healed node cannot rewind. Start from a settled cluster.
        Cluster.cluster("wait", "120");
        String isolated = Cluster.land(PRIMARY_PORT).node();
        long killedBefore = killedSessions(isolated);
        Reconnector reconnector = new Reconnector(() -> Cluster.land(PRIMARY_PORT));
        try (reconnector; Connection held = Cluster.connect(PRIMARY_PORT, "postgres", Duration.ZERO)) {
            assertThat(Cluster.land(PRIMARY_PORT).node()).isEqualTo(isolated);
            Cluster.cluster("isolate", isolated);
            try {
                Landing next = await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> Cluster.land(PRIMARY_PORT), l -> !l.inRecovery() && !l.node().equals(isolated));
                assertThat(next.node()).isNotEqualTo(isolated);
                try (Connection c = Cluster.connect(PRIMARY_PORT, "demo")) {
                    assertThat(Cluster.scalar(c, "insert into pgbench_history(tid, bid, aid, delta, mtime)"
                            + " values (1, 1, 1, 1, now()) returning 'written'")).isEqualTo("written");
                }
                // The isolated node cannot close this session itself, and the client waits forever for an
                // answer: only patroxy marking the node DOWN (shutdown-sessions) ends it.
                assertThatThrownBy(() -> Cluster.scalar(held, "select 1")).isInstanceOf(SQLException.class);
                assertThat(killedSessions(isolated)).isGreaterThan(killedBefore);
                await().atMost(Duration.ofSeconds(10)).until(() -> reconnector.landedOn(next.node()) >= 5);
            } finally {
                Cluster.cluster("heal", isolated);
            }
        }
        reconnector.assertNoSessionInRecoveryAndHeldClientsGotThrough("isolate " + isolated);
        Cluster.awaitRejoined(isolated);
    }

    @Test
    @Order(7)
    void aPrimaryCutOffEtcdIsDemotedAndNoSessionThroughThePrimaryPortReachesItInRecovery() throws Exception {
        Cluster.cluster("wait", "120");
        String cut = Cluster.land(PRIMARY_PORT).node();
        Reconnector reconnector = new Reconnector(() -> Cluster.land(PRIMARY_PORT));
        try (reconnector; Connection held = Cluster.connect(PRIMARY_PORT, "postgres", Duration.ZERO)) {
            assertThat(Cluster.scalar(held, "select pg_is_in_recovery()")).isEqualTo("f");
            Cluster.cluster("partition", cut);
            try {
                Landing next = await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> Cluster.land(PRIMARY_PORT), l -> !l.inRecovery() && !l.node().equals(cut));
                await().atMost(Duration.ofSeconds(10)).until(() -> reconnector.landedOn(next.node()) >= 5);
                // Patroni restarted the cut node's PostgreSQL in recovery, which ended this session.
                assertThatThrownBy(() -> Cluster.scalar(held, "select 1")).isInstanceOf(SQLException.class);
                assertThat(Cluster.csvRow("primary", cut).get("status")).isNotEqualTo("UP");
            } finally {
                Cluster.cluster("heal", cut);
            }
        }
        reconnector.assertNoSessionInRecoveryAndHeldClientsGotThrough("partition " + cut);
        Cluster.awaitRejoined(cut);
    }

    private static final String SWITCHOVER_PAUSES = "patroxy_frontend_switchover_pauses_total{proxy=\"primary\"}";

    private static long killedSessions(String server) throws Exception {
        return metric("patroxy_server_killed_sessions_total{proxy=\"primary\",server=\"" + server + "\"}");
    }

    /** The value of one series on patroxy's /metrics, by its name and labels as exposed. */
    private static long metric(String series) throws Exception {
        String prefix = series + " ";
        return Cluster.http("/metrics").lines().filter(l -> l.startsWith(prefix))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length()).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no metric " + prefix));
    }

    @Test
    @Order(8)
    void aRestartRequiringParameterIsRolledOutWithPatronictl() throws Exception {
        Cluster.cluster("wait", "120");
        Cluster.cluster("patronictl", "edit-config", "-p", "max_connections=110", "--force");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Cluster.cluster("patronictl", "list", "-f", "json").contains("\"Pending restart\""));

        Cluster.cluster("patronictl", "restart", "otus", "--force");

        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> {
                    try (Connection c = Cluster.connect(PRIMARY_PORT, "postgres")) {
                        assertThat(Cluster.scalar(c, "show max_connections")).isEqualTo("110");
                    }
                });
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !Cluster.cluster("patronictl", "list", "-f", "json").contains("\"Pending restart\""));
        awaitPrimary();
    }

    @Test
    @Order(9)
    void reloadsKeepEveryClientAndABadFileIsRefusedWhileTheConfigurationInForceStays() throws Exception {
        Cluster.cluster("wait", "120");
        Path config = Path.of(System.getenv().getOrDefault("PATROXY_CLUSTER_DIR", "/var/tmp/patroxy-cluster"),
                "patroxy.yml");
        String original = Files.readString(config);
        long reloadsBefore = metric("patroxy_config_reloads_total{result=\"success\"}");
        Reconnector reconnector = new Reconnector(() -> Cluster.land(PRIMARY_PORT));
        try (reconnector; Connection held = Cluster.connect(PRIMARY_PORT, "postgres")) {
            for (int i = 1; i <= 3; i++) {
                Cluster.cluster("reload");
                long expected = reloadsBefore + i;
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> metric("patroxy_config_reloads_total{result=\"success\"}") == expected);
                long landed = reconnector.landings.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> reconnector.landings.size() >= landed + 5);
            }
            assertThat(Cluster.scalar(held, "select 'still here'")).as("a session opened before the reloads")
                    .isEqualTo("still here");

            try {
                Files.writeString(config, original.replaceFirst("inter: 1s", "inter: 1x"));
                Cluster.cluster("reload");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> metric("patroxy_config_last_reload_successful") == 0);
                assertThat(Cluster.http("/;json")).contains("defaults.check.inter", "patroxy.yml:");
                long landed = reconnector.landings.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> reconnector.landings.size() >= landed + 5);
            } finally {
                Files.writeString(config, original);
                Cluster.cluster("reload");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> metric("patroxy_config_last_reload_successful") == 1);
        }
        System.out.printf("reloads: %d sessions through 5000, failed attempts %s%n", reconnector.landings.size(),
                reconnector.failures);
        assertThat(reconnector.failures).as("no client is refused across four reloads").isEmpty();
        assertThat(reconnector.landings).noneMatch(Landing::inRecovery);
    }
}
