package dev.patroxy.e2e;

import static dev.patroxy.e2e.Cluster.PRIMARY_PORT;
import static dev.patroxy.e2e.Cluster.REPLICA_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.patroxy.e2e.Cluster.Landing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.Certificates;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's system with TLS on every link ({@code deploy/cluster up --tls --fast}): etcd wants client certificates,
 * every Patroni REST API is on HTTPS with {@code verify_client: required}, PostgreSQL has {@code ssl = on}, and
 * patroxy checks and follows etcd with its client certificate. Clients verify the node's certificate through
 * patroxy, a switchover and a failover (the primary's link cut) included; pgbench runs with {@code sslmode=require}.
 * Runs alone (profile e2e-tls), on a cluster no other test has touched: pg01 leads.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsClusterIT {
    private static final List<String> NODES = List.of("pg01", "pg02", "pg03");
    private static final Duration ROLE_CHANGE = Duration.ofSeconds(90);

    private static Map<String, String> verifyFull;
    /**
     * verify-full, waiting as long for the answer to its SSLRequest as for a connection from an application's pool
     * (HikariCP: 30 s). A client patroxy holds through a failover's gap waits there, and pgjdbc's own limit
     * (sslResponseTimeout) is 5 s.
     */
    private static Map<String, String> verifyFullPatient;
    private static OkHttpClient withClientCertificate;
    private static OkHttpClient withoutClientCertificate;

    @BeforeAll
    static void aTlsClusterIsUp() throws IOException {
        assertThat(Cluster.tls()).as("a CA in %s (deploy/cluster up --tls)", Cluster.tlsDir()).isTrue();
        String ca = Cluster.tlsDir().resolve("ca.pem").toString();
        verifyFull = Map.of("sslmode", "verify-full", "sslrootcert", ca);
        verifyFullPatient = Map.of("sslmode", "verify-full", "sslrootcert", ca, "sslResponseTimeout", "30000");
        withClientCertificate = httpsClient(true);
        withoutClientCertificate = httpsClient(false);
        await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
                .until(() -> !landVerified(PRIMARY_PORT).inRecovery());
    }

    /** A client trusting the cluster's CA only, showing patroxy's client certificate or none. */
    private static OkHttpClient httpsClient(boolean clientCertificate) throws IOException {
        HandshakeCertificates.Builder certificates = new HandshakeCertificates.Builder()
                .addTrustedCertificate(Certificates.decodeCertificatePem(read("ca.pem")));
        if (clientCertificate) {
            certificates.heldCertificate(HeldCertificate.decode(read("patroxy.pem") + read("patroxy.key")));
        }
        HandshakeCertificates tls = certificates.build();
        return new OkHttpClient.Builder().sslSocketFactory(tls.sslSocketFactory(), tls.trustManager())
                .callTimeout(Duration.ofSeconds(5)).build();
    }

    private static String read(String file) throws IOException {
        return Files.readString(Cluster.tlsDir().resolve(file));
    }

    /** Where a new session through patroxy lands, and that the server sees it encrypted (a plain one fails). */
    private static Landing land(int port, Map<String, String> ssl) throws SQLException {
        try (Connection c = Cluster.connect(port, "postgres", Duration.ofSeconds(30), ssl);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select host(inet_server_addr()), pg_is_in_recovery(), ssl"
                        + " from pg_stat_ssl where pid = pg_backend_pid()")) {
            rs.next();
            if (!rs.getBoolean(3)) {
                throw new SQLException("the server sees the session on " + port + " unencrypted");
            }
            return new Landing(Cluster.NODE_BY_ADDRESS.getOrDefault(rs.getString(1), rs.getString(1)),
                    rs.getBoolean(2));
        }
    }

    private static Landing landVerified(int port) throws SQLException {
        return land(port, verifyFull);
    }

    @Test
    @Order(1)
    void aVerifyFullSessionThroughThePrimaryPortLandsOnThePrimaryEncrypted(@TempDir Path dir) throws Exception {
        assertThat(landVerified(PRIMARY_PORT)).isEqualTo(new Landing("pg01", false));
        try (Connection c = Cluster.connect(PRIMARY_PORT, "demo", Duration.ofSeconds(30), verifyFull)) {
            assertThat(Long.parseLong(Cluster.scalar(c, "select count(*) from ticket_flights"))).isPositive();
        }
        Path otherCa = dir.resolve("other-ca.pem");
        Files.writeString(otherCa, new HeldCertificate.Builder().certificateAuthority(0).build().certificatePem());
        Map<String, String> verifiedByAnotherCa = Map.of("sslmode", "verify-full", "sslrootcert", otherCa.toString());
        assertThatThrownBy(() -> land(PRIMARY_PORT, verifiedByAnotherCa))
                .as("the node's certificate checked against another CA").isInstanceOf(SQLException.class)
                .hasMessageContaining("SSL");
    }

    @Test
    @Order(2)
    void aRequireSessionThroughTheReplicaPortLandsOnAReplicaEncrypted() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            Landing landing = land(REPLICA_PORT, Map.of("sslmode", "require"));
            assertThat(landing.inRecovery()).as("session %d on 5001 landed on %s", i, landing.node()).isTrue();
            seen.add(landing.node());
        }
        assertThat(seen).containsExactlyInAnyOrder("pg02", "pg03");
    }

    @Test
    @Order(3)
    void patroxyChecksEveryRestApiOverHttpsWithItsClientCertificate() throws Exception {
        for (String node : NODES) {
            String health = Cluster.restApi(node) + "/health";
            assertThat(health).startsWith("https://");
            assertThat(status(withClientCertificate, health)).as("%s with patroxy's certificate", health)
                    .isEqualTo(200);
            assertThatThrownBy(() -> status(withoutClientCertificate, health))
                    .as("%s without a client certificate", health).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> status(withClientCertificate, health.replace("https:", "http:")))
                    .as("%s over plain HTTP", health).isInstanceOf(IOException.class);
        }
        // Only checks over HTTPS with that certificate can have told patroxy these roles.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Cluster.http("/metrics"))
                .contains(serverStatus("primary", "pg01", "UP"), serverStatus("primary", "pg02", "NOLB"),
                        serverStatus("primary", "pg03", "NOLB"), serverStatus("replicas", "pg01", "NOLB"),
                        serverStatus("replicas", "pg02", "UP"), serverStatus("replicas", "pg03", "UP"))
                .contains(serverRole("primary", "pg01", "primary"), serverRole("primary", "pg02", "replica"),
                        serverRole("primary", "pg03", "replica")));
        // Patroni's own answers, 200 from the leader and 503 from the replicas: no check failed at TLS.
        assertThat(lastCheck("primary", "pg01")).isEqualTo("L7OK 200");
        assertThat(lastCheck("primary", "pg02")).isEqualTo("L7STS 503");
        assertThat(lastCheck("primary", "pg03")).isEqualTo("L7STS 503");
    }

    private static int status(OkHttpClient client, String url) throws IOException {
        try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
            return response.code();
        }
    }

    private static String lastCheck(String listener, String server) throws IOException {
        Map<String, String> row = Cluster.csvRow(listener, server);
        return row.get("check_status") + " " + row.get("check_code");
    }

    private static String serverStatus(String listener, String server, String state) {
        return "haproxy_server_status{proxy=\"" + listener + "\",server=\"" + server + "\",state=\"" + state
                + "\"} 1";
    }

    private static String serverRole(String listener, String server, String role) {
        return "patroxy_server_role{proxy=\"" + listener + "\",role=\"" + role + "\",server=\"" + server + "\"} 1";
    }

    @Test
    @Order(4)
    void patroxyFollowsTheLeaderKeyInEtcdOverTls() throws Exception {
        String leaderKey = Cluster.etcd() + "/v2/keys/service/otus/leader";
        assertThat(leaderKey).startsWith("https://");
        assertThatThrownBy(() -> status(withoutClientCertificate, leaderKey))
                .as("etcd without a client certificate").isInstanceOf(IOException.class);
        try (Response response = withClientCertificate.newCall(new Request.Builder().url(leaderKey).build())
                .execute()) {
            assertThat(response.body().string()).contains("\"value\":\"pg01\"");
        }
        assertThat(dcsLeader()).isEqualTo("pg01");
    }

    /** The leader patroxy read from etcd, from its stats JSON. */
    private static String dcsLeader() throws IOException {
        Map<String, Object> dcs = asMap(JSON.std.mapFrom(Cluster.http("/;json")).get("dcs"));
        assertThat(dcs).containsEntry("configured", true);
        return (String) dcs.get("leader");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object json) {
        return (Map<String, Object>) json;
    }

    @Test
    @Order(5)
    void aSwitchoverMovesVerifiedSessionsToTheNewPrimaryWithoutAFailedOrMisroutedOne() throws Exception {
        Reconnector reconnector = new Reconnector(() -> landVerified(PRIMARY_PORT));
        try (reconnector; Connection held = Cluster.connect(PRIMARY_PORT, "postgres", Duration.ofSeconds(30),
                verifyFull)) {
            assertThat(Cluster.scalar(held, "select host(inet_server_addr())")).isEqualTo("10.29.0.11");

            Cluster.cluster("patronictl", "switchover", "--master", "pg01", "--candidate", "pg03", "--force");

            await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> landVerified(PRIMARY_PORT), l -> l.equals(new Landing("pg03", false)));
            await().atMost(Duration.ofSeconds(10)).until(() -> reconnector.landedOn("pg03") >= 5);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThatThrownBy(() -> Cluster.scalar(held, "select 1"))
                            .as("the session opened before the switchover was closed")
                            .isInstanceOf(SQLException.class));
        }
        System.out.printf("TLS switchover: %d verify-full sessions through 5000 (%d on pg01, %d on pg03),"
                + " longest successful attempt %d ms, failed attempts %s%n", reconnector.landings.size(),
                reconnector.landedOn("pg01"), reconnector.landedOn("pg03"), reconnector.longestSuccessMillis,
                reconnector.failures);
        assertThat(reconnector.failures).as("verified sessions are held through the switchover, not refused")
                .isEmpty();
        assertThat(reconnector.landings).as("no session through 5000 lands on a node in recovery")
                .noneMatch(Landing::inRecovery)
                .extracting(Landing::node).containsOnly("pg01", "pg03");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(dcsLeader()).isEqualTo("pg03"));
        assertThat(Cluster.http("/metrics"))
                .contains(serverStatus("primary", "pg03", "UP"), serverStatus("primary", "pg01", "NOLB"),
                        serverRole("primary", "pg03", "primary"));
    }

    @Test
    @Order(6)
    void pgbenchWithSslmodeRequireThroughThePrimaryPortFailsNoTransaction() {
        assertThat(Cluster.pgbench("require", "-i", "demo")).contains("done");
        // libpq with sslmode=require gives up on a server that does not take TLS: every session here is encrypted.
        String run = Cluster.pgbench("require", "-c", "10", "-C", "-t", "50", "demo");
        assertThat(run).contains("number of transactions actually processed: 500/500")
                .contains("number of failed transactions: 0");
    }

    @Test
    @Order(7)
    void cuttingThePrimarysLinkPromotesAnotherNodeAndVerifiedSessionsFollowIt() throws Exception {
        // Isolating a leader whose replicas have not caught up lets the next one reuse its timeline: settle first.
        Cluster.cluster("wait", "120");
        String isolated = landVerified(PRIMARY_PORT).node();
        Reconnector reconnector = new Reconnector(() -> land(PRIMARY_PORT, verifyFullPatient));
        try (reconnector; Connection held = Cluster.connect(PRIMARY_PORT, "postgres", Duration.ZERO, verifyFull)) {
            assertThat(Cluster.scalar(held, "select host(inet_server_addr())"))
                    .isEqualTo(Cluster.ADDRESS_BY_NODE.get(isolated));
            Cluster.cluster("isolate", isolated);
            try {
                Landing next = await().atMost(ROLE_CHANGE).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> landVerified(PRIMARY_PORT), l -> !l.inRecovery() && !l.node().equals(isolated));
                try (Connection c = Cluster.connect(PRIMARY_PORT, "demo", Duration.ofSeconds(30), verifyFull)) {
                    assertThat(Cluster.scalar(c, "insert into pgbench_history(tid, bid, aid, delta, mtime)"
                            + " values (1, 1, 1, 1, now()) returning 'written'")).isEqualTo("written");
                }
                // The cut node cannot end this encrypted session, and its client waits forever: only patroxy marking
                // the node down (shutdown-sessions) closes it.
                assertThatThrownBy(() -> Cluster.scalar(held, "select 1")).isInstanceOf(SQLException.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> reconnector.landedOn(next.node()) >= 5);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(dcsLeader())
                        .isEqualTo(next.node()));
            } finally {
                Cluster.cluster("heal", isolated);
            }
        }
        reconnector.assertNoSessionInRecoveryAndHeldClientsGotThrough("TLS, isolate " + isolated);
        assertThat(reconnector.failures).as("only a session under way on the cut node when its link went fails")
                .hasSizeLessThanOrEqualTo(1);
        Cluster.awaitRejoined(isolated);
    }
}
