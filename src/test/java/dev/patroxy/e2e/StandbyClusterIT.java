package dev.patroxy.e2e;

import static dev.patroxy.e2e.Cluster.PRIMARY_PORT;
import static dev.patroxy.e2e.Cluster.REPLICA_PORT;
import static dev.patroxy.e2e.Cluster.STANDBY_NODE;
import static dev.patroxy.e2e.Cluster.STANDBY_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.awaitility.Awaitility.await;

import dev.patroxy.e2e.Cluster.Landing;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A Patroni standby cluster behind patroxy ({@code deploy/cluster up --fast --standby}): standby01, the one member of
 * scope otus-standby, bootstraps and streams from otus through patroxy's primary port, and patroxy's listener
 * {@code standby} (port 5003, {@code balance: primary}, check {@code /standby-leader}) serves its leader. Runs before
 * the seed scenario and leaves pg01 leading, as the seed scenario expects (its switchovers go there and back).
 */
@Order(0)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandbyClusterIT {
    private static final Duration ROLE_CHANGE = Duration.ofSeconds(90);
    private static final Duration REPLICATION = Duration.ofSeconds(30);
    /** patroxy's address on the bridge, where the standby's replication connection through 5000 comes from. */
    private static final String PATROXY_ADDRESS = "10.29.0.1";

    @BeforeAll
    static void theStandbyClusterIsUp() throws Exception {
        assertThat(Cluster.standby()).as("a standby cluster in %s (deploy/cluster up --standby)", Cluster.stateDir())
                .isTrue();
        Cluster.cluster("wait", "120");
        await().atMost(Duration.ofMinutes(1)).ignoreExceptions()
                .until(() -> Cluster.land(STANDBY_PORT), l -> l.node().equals(STANDBY_NODE));
        Cluster.executeOnPrimaryPort("demo", "create table if not exists standby_probe (note text primary key,"
                + " written_on text not null default host(inet_server_addr()))");
    }

    @AfterAll
    static void leadOnPg01AndDropTheProbeTable() throws Exception {
        Cluster.leadOn("pg01");
        Cluster.executeOnPrimaryPort("demo", "drop table if exists standby_probe");
    }

    @Test
    @Order(1)
    void theStandbyPortLandsOnTheStandbyLeaderInRecovery() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(Cluster.land(STANDBY_PORT)).as("session %d on %d", i, STANDBY_PORT)
                    .isEqualTo(new Landing(STANDBY_NODE, true));
        }
        assertThat(Cluster.csvRow("standby", STANDBY_NODE)).containsEntry("status", "UP")
                .containsEntry("check_code", "200");
        assertThat(Cluster.cluster("patronictl", "list", "otus-standby", "-f", "json"))
                .contains("\"Member\": \"" + STANDBY_NODE + "\"", "\"Role\": \"Standby Leader\"");
    }

    @Test
    @Order(2)
    void aRowWrittenThroughThePrimaryPortIsReadThroughTheStandbyPort() throws Exception {
        awaitOnTheStandbyPort(writeThroughThePrimaryPort());
    }

    @Test
    @Order(3)
    void thePrimaryAndReplicaPortsNeverRouteToTheStandbyLeader() throws Exception {
        for (int i = 0; i < 12; i++) {
            Landing primary = Cluster.land(PRIMARY_PORT);
            assertThat(primary.node()).as("session %d on 5000", i).isNotEqualTo(STANDBY_NODE);
            assertThat(primary.inRecovery()).as("session %d on 5000 on %s", i, primary.node()).isFalse();
            assertThat(Cluster.land(REPLICA_PORT).node()).as("session %d on 5001", i).isNotEqualTo(STANDBY_NODE);
        }
        // The standby leader is a server of both listeners, and its Patroni says it is neither primary nor replica.
        for (String listener : new String[] {"primary", "replicas"}) {
            assertThat(Cluster.csvRow(listener, STANDBY_NODE)).as("%s/%s", listener, STANDBY_NODE)
                    .containsEntry("status", "NOLB").containsEntry("check_code", "503").containsEntry("stot", "0");
        }
    }

    @Test
    @Order(4)
    void afterASwitchoverTheStandbyClusterStreamsFromTheNewPrimaryThroughPatroxy() throws Exception {
        String before = Cluster.primaryNode();
        String candidate = before.equals("pg02") ? "pg03" : "pg02";
        switchOver(before, candidate);
        // And back, so that the seed scenario starts where it expects (pg01 leading) on a standby that followed twice.
        switchOver(candidate, before);
    }

    private static void switchOver(String from, String to) throws Exception {
        Cluster.cluster("wait", "120");
        // The otus leader key may be absent for a moment in a switchover: that must not take standby01 off 5003.
        try (StandbyPortWatch watch = new StandbyPortWatch()) {
            Cluster.cluster("patronictl", "switchover", "--master", from, "--candidate", to, "--force");
            await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> Cluster.land(PRIMARY_PORT), l -> l.equals(new Landing(to, false)));
            watch.assertStandby01KeptItsPort("switchover " + from + " -> " + to);
        }
        Written written = writeThroughThePrimaryPort();
        assertThat(written.node()).as("the node that took the row written after the switchover").isEqualTo(to);
        awaitOnTheStandbyPort(written);
        // Cascading from the old primary (a replica now) would deliver the row too: the new primary itself sends it,
        // to patroxy's address.
        await().atMost(REPLICATION).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            try (Connection c = Cluster.connectDirect(to, "postgres")) {
                assertThat(Cluster.scalar(c, "select string_agg(host(client_addr) || ' ' || state, ',')"
                        + " from pg_stat_replication where application_name = '" + STANDBY_NODE + "'"))
                        .as("%s streaming from %s", STANDBY_NODE, to).isEqualTo(PATROXY_ADDRESS + " streaming");
            }
        });
        try (Connection c = Cluster.connect(STANDBY_PORT, "postgres")) {
            assertThat(Cluster.scalar(c, "select sender_host || ':' || sender_port from pg_stat_wal_receiver"))
                    .as("the standby's upstream").isEqualTo(PATROXY_ADDRESS + ":" + PRIMARY_PORT);
        }
        System.out.printf("standby: switchover %s -> %s, the standby streams from %s through patroxy%n", from, to, to);
    }

    @Test
    @Order(5)
    void theOtusLeaderKeyGoneForAWhileLeavesTheStandbyLeaderOnItsPort() throws Exception {
        assumeFalse(Cluster.tls(), "etcd asks for a client certificate on the TLS cluster");
        Cluster.cluster("wait", "120");
        HttpClient http = HttpClient.newHttpClient();
        URI leaderKey = URI.create(Cluster.etcd() + "/v2/keys/service/otus/leader");
        try (StandbyPortWatch watch = new StandbyPortWatch()) {
            // What etcd does to the key when its holder's lease runs out, here at once; Patroni takes it again
            // within a loop_wait.
            assertThat(http.send(HttpRequest.newBuilder(leaderKey).DELETE().build(), BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
            long gone = System.nanoTime();
            await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(100)).until(() -> http.send(
                    HttpRequest.newBuilder(leaderKey).GET().build(), BodyHandlers.ofString()).statusCode() == 200);
            long absentMillis = (System.nanoTime() - gone) / 1_000_000;
            Thread.sleep(1000);
            System.out.printf("standby: the otus leader key was absent for about %d ms%n", absentMillis);
            watch.assertStandby01KeptItsPort("otus leader key deleted");
        }
        Cluster.cluster("wait", "120");
    }

    /**
     * While open: a client opening a session through 5003 every 50 ms, and the stats polled every 50 ms for
     * standby01's weight on the standby listener (0 while it takes no new sessions).
     */
    private static final class StandbyPortWatch implements AutoCloseable {
        private final List<String> offThePort = new CopyOnWriteArrayList<>();
        private final AtomicBoolean watching = new AtomicBoolean(true);
        private final Thread poller = new Thread(this::poll, "standby-port-watch");
        private final Reconnector clients = new Reconnector(() -> Cluster.land(STANDBY_PORT));

        StandbyPortWatch() {
            poller.start();
        }

        private void poll() {
            while (watching.get()) {
                try {
                    Map<String, String> row = Cluster.csvRow("standby", STANDBY_NODE);
                    if (row.get("weight").equals("0")) {
                        offThePort.add(row.get("status"));
                    }
                    Thread.sleep(50);
                } catch (IOException | RuntimeException e) {
                    offThePort.add(e.toString());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void assertStandby01KeptItsPort(String scenario) throws InterruptedException {
            close();
            System.out.printf("standby: %s: %d sessions through %d, longest %d ms, failed %s, standby01 off the port"
                    + " in %d polls%n", scenario, clients.landings.size(), STANDBY_PORT, clients.longestSuccessMillis,
                    clients.failures, offThePort.size());
            assertThat(offThePort).as("%s: standby01 kept port %d throughout", scenario, STANDBY_PORT).isEmpty();
            assertThat(clients.failures).as(scenario).isEmpty();
            assertThat(clients.landings).as(scenario).isNotEmpty()
                    .allMatch(l -> l.equals(new Landing(STANDBY_NODE, true)));
        }

        @Override
        public void close() throws InterruptedException {
            watching.set(false);
            poller.join(10_000);
            clients.close();
        }
    }

    /** A row of standby_probe: its note and the node that took the insert through 5000. */
    private record Written(String note, String node) {
    }

    private static Written writeThroughThePrimaryPort() throws SQLException {
        String note = UUID.randomUUID().toString();
        try (Connection c = Cluster.connect(PRIMARY_PORT, "demo")) {
            String address = Cluster.scalar(c, "insert into standby_probe (note) values ('" + note + "')"
                    + " returning written_on");
            return new Written(note, Cluster.NODE_BY_ADDRESS.getOrDefault(address, address));
        }
    }

    /** Waits for {@code row} to be read through 5003, on the standby leader in recovery. */
    private static void awaitOnTheStandbyPort(Written row) {
        await().atMost(REPLICATION).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            try (Connection c = Cluster.connect(STANDBY_PORT, "demo")) {
                assertThat(Cluster.scalar(c, "select host(inet_server_addr()) || ' ' || pg_is_in_recovery() || ' '"
                        + " || coalesce((select written_on from standby_probe where note = '" + row.note() + "'),"
                        + " 'none')"))
                        .as("the row written on %s, read through %d", row.node(), STANDBY_PORT)
                        .isEqualTo(Cluster.ADDRESS_BY_NODE.get(STANDBY_NODE) + " true "
                                + Cluster.ADDRESS_BY_NODE.get(row.node()));
            }
        });
    }
}
