package dev.patroxy.e2e;

import static dev.patroxy.e2e.Cluster.PRIMARY_PORT;
import static dev.patroxy.e2e.HostileClients.concat;
import static dev.patroxy.e2e.HostileClients.random;
import static dev.patroxy.e2e.HostileClients.startup;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patroxy.e2e.HostileClients.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Faults and bad input on the real cluster ({@code deploy/cluster up --fast}), each case checked by
 * {@link FaultChecker}: patroxy stays up, a normal client writes through 5000 within 2 s during and after, the
 * session gauges come back, the log has no exception trace, RSS stays bounded, and no acknowledged row is lost or
 * doubled. Every case undoes its fault in a finally block. Runs after {@link SeedScenarioIT}
 * (junit-platform.properties orders the classes) but does not depend on it: it starts from a healthy cluster whatever
 * node leads, and gives the lead back to pg01, where the seed scenario expects it.
 */
@Order(2)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {
    private static final Duration HOSTILE_HOLD = Duration.ofSeconds(10);

    @BeforeAll
    static void clusterIsHealthy() throws Exception {
        Cluster.cluster("wait", "120");
        FaultChecker.createProbeTable();
        Cluster.executeOnPrimaryPort("demo", "create table if not exists fault_copy (id int, h text, pad text)");
    }

    @BeforeEach
    void settled() {
        Cluster.cluster("wait", "120");
    }

    @AfterAll
    static void leadBackOnPg01() throws Exception {
        Cluster.leadOn("pg01");
        Cluster.executeOnPrimaryPort("demo", "drop table if exists fault_copy");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Bad input on 5000

    @Test
    @Order(1)
    void malformedStartupPacketsAreClosedAndCostNobodyAnything() throws Exception {
        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("negative length", HostileClients.lengthOnly(-1, HostileClients.PROTOCOL_3, 8));
        kinds.put("huge length", HostileClients.lengthOnly(Integer.MAX_VALUE, HostileClients.PROTOCOL_3, 64));
        kinds.put("length past 10000", concat(HostileClients.lengthOnly(100_008, HostileClients.PROTOCOL_3, 0),
                random(1, 100_000)));
        kinds.put("protocol 2", startup(HostileClients.PROTOCOL_2, "user", "postgres", "database", "demo"));
        kinds.put("SSL request then junk", concat(HostileClients.request(HostileClients.SSL_REQUEST), random(2, 1024)));
        kinds.put("GSS request then junk",
                concat(HostileClients.request(HostileClients.GSSENC_REQUEST), random(3, 1024)));
        kinds.put("cancel with bogus keys", HostileClients.cancel(424242, 0x5eed));
        kinds.put("random bytes", random(4, 4096));
        try (FaultChecker check = FaultChecker.begin("malformed startup")) {
            Map<String, Long> stillOpen = new LinkedHashMap<>();
            Map<String, Long> slowestClose = new LinkedHashMap<>();
            Map<String, Long> encryptedEndToEnd = new LinkedHashMap<>();
            try (var probing = check.probing("during")) {
                for (Map.Entry<String, byte[]> kind : kinds.entrySet()) {
                    // A kind the proxy cannot judge is closed at timeout client-startup (10 s in the cluster): wait
                    // past it.
                    List<Outcome> outcomes = concurrently(40, i -> HostileClients.sendAndAwaitEnd(PRIMARY_PORT,
                            kind.getValue(), Duration.ofSeconds(15)));
                    // A server that accepts the encryption request ('S', or 'G' from a PostgreSQL built with GSSAPI)
                    // starts an encrypted session the proxy cannot read: the junk is the server's to refuse, within
                    // its authentication_timeout.
                    encryptedEndToEnd.put(kind.getKey(),
                            outcomes.stream().filter(o -> o.firstByte() == 'S' || o.firstByte() == 'G').count());
                    stillOpen.put(kind.getKey(), outcomes.stream()
                            .filter(o -> !o.closed() && o.firstByte() != 'S' && o.firstByte() != 'G').count());
                    slowestClose.put(kind.getKey(),
                            outcomes.stream().mapToLong(Outcome::closedAfterMillis).max().orElse(-1));
                }
            }
            System.out.printf("[fault] malformed startup, 40 of each: still open after 15 s %s; slowest close (ms) %s;"
                    + " encryption accepted by the server (end to end, not the proxy's to judge) %s%n",
                    stillOpen, slowestClose, encryptedEndToEnd);
            assertThat(stillOpen).as("connections of each kind nobody closed within 15 s, but those encrypted end to end")
                    .allSatisfy((kind, open) -> assertThat(open).as(kind).isZero());
            check.assertAllInTime("during");
        }
    }

    /** The startup-watch leak: a startup, 12.6 KB more before the server's answer, and the client gone. */
    @Test
    @Order(2)
    void clientsSendingPastTheirStartupAndLeavingReleaseTheirSessions() throws Exception {
        byte[] startupAndMore = concat(startup(HostileClients.PROTOCOL_3, "user", "postgres", "database", "demo"),
                random(5, 12_600));
        try (FaultChecker check = FaultChecker.begin("startup then 12.6 KB then close")) {
            try (var probing = check.probing("during")) {
                concurrently(150, i -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", PRIMARY_PORT), 2000);
                        s.getOutputStream().write(startupAndMore);
                    }
                    return null;
                });
            }
            check.assertAllInTime("during");
        }
    }

    /** 2,000 clients each send one byte of a startup and stall: a normal client must still get through. */
    @Test
    @Order(3)
    void aFloodOfStalledClientsOnThePrimaryPortDoesNotBlockANormalClient() throws Exception {
        try (FaultChecker check = FaultChecker.begin("2000 stalled clients on 5000")) {
            int stillOpen;
            try (var probing = check.probing("during");
                    HostileClients stalled = HostileClients.open(PRIMARY_PORT, 2000, new byte[] {0})) {
                stillOpen = stalled.stillOpenAfter(HOSTILE_HOLD);
                System.out.printf("[fault] stalled on 5000: %d connected (%d failed to), %d still open after %s%n",
                        stalled.size(), stalled.connectFailures(), stillOpen, HOSTILE_HOLD);
            }
            check.assertAllInTime("during");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Bad input on the stats port 7000

    @Test
    @Order(4)
    void aFloodOfSlowClientsOnTheStatsPortLeavesItAnswering() throws Exception {
        try (FaultChecker check = FaultChecker.begin("2000 slow clients on 7000")) {
            List<Long> statsMillis = new ArrayList<>();
            try (var probing = check.probing("during");
                    HostileClients slow = HostileClients.open(7000, 2000,
                            "GET /;csv HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII))) {
                long end = System.nanoTime() + HOSTILE_HOLD.toNanos();
                while (System.nanoTime() < end) {
                    statsMillis.add(timedStats());
                    Thread.sleep(250);
                }
                System.out.printf("[fault] slow on 7000: %d connected, %d still open after the hold,"
                        + " stats answered in %s ms%n", slow.size(), slow.stillOpenAfter(Duration.ZERO), statsMillis);
            }
            assertThat(statsMillis).as("the stats page answers within 2 s during the flood (-1: no answer)")
                    .allMatch(m -> m >= 0 && m <= 2000);
            check.assertAllInTime("during");
        }
    }

    @Test
    @Order(5)
    void pipelinedRequestsNeverReadDoNotGrowTheProxy() throws Exception {
        byte[] request = "GET /;csv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (FaultChecker check = FaultChecker.begin("200000 pipelined requests on 7000")) {
            AtomicLong written = new AtomicLong();
            try (var probing = check.probing("during"); Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", 7000), 2000);
                Thread writer = new Thread(() -> {
                    try {
                        OutputStream out = socket.getOutputStream();
                        byte[] batch = new byte[request.length * 100];
                        for (int i = 0; i < 100; i++) {
                            System.arraycopy(request, 0, batch, i * request.length, request.length);
                        }
                        for (int i = 0; i < 2000; i++) {
                            out.write(batch);
                            written.addAndGet(100);
                        }
                    } catch (IOException e) {
                        // closed by the server, or by the test at the end of its time
                    }
                }, "pipeliner");
                writer.start();
                long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (writer.isAlive() && System.nanoTime() < end) {
                    check.sampleRss();
                    Thread.sleep(250);
                }
                for (int i = 0; i < 20; i++) {
                    check.sampleRss();
                    Thread.sleep(250);
                }
                socket.close();
                writer.join(10_000);
            }
            System.out.printf("[fault] pipelined on 7000: %d requests written unread, peak RSS %d MiB%n",
                    written.get(), check.peakRssKib() / 1024);
            check.assertAllInTime("during");
        }
    }

    @Test
    @Order(6)
    void anOversizedRequestOnTheStatsPortIsRefused() throws Exception {
        long cap = 32L << 20;
        try (FaultChecker check = FaultChecker.begin("oversized request on 7000")) {
            long taken = 0;
            int answer = -1;
            try (var probing = check.probing("during"); Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", 7000), 2000);
                socket.setSoTimeout(100);
                OutputStream out = socket.getOutputStream();
                out.write("GET /;csv HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ".getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                try {
                    while (taken < cap && System.nanoTime() < end) {
                        out.write(chunk);
                        taken += chunk.length;
                        if (socket.getInputStream().available() > 0) {
                            answer = socket.getInputStream().read();
                            break;
                        }
                        check.sampleRss();
                    }
                } catch (IOException e) {
                    // the server closed it: what it took before is the figure
                }
            }
            System.out.printf("[fault] oversized on 7000: %d KiB taken before the server %s%n", taken / 1024,
                    answer >= 0 ? "answered" : taken >= cap ? "(never stopped it)" : "closed it");
            assertThat(taken).as("bytes of one request header the stats port took before refusing it").isLessThan(cap);
            check.assertAllInTime("during");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Load

    @Test
    @Order(7)
    void aBurstFiveTimesOverMaxconnWaitsItsTurnAndLosesNoClient() throws Exception {
        String original = Files.readString(Cluster.patroxyConfig());
        try (FaultChecker check = FaultChecker.begin("burst of 100 over maxconn 20")) {
            try {
                reloadWith(original.replace("    balance: primary\n", "    balance: primary\n    maxconn: 20\n"));
                AtomicInteger ok = new AtomicInteger();
                List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
                long start = System.nanoTime();
                try (var probing = check.probing("during")) {
                    concurrently(100, i -> {
                        try (Connection c = Cluster.connect(PRIMARY_PORT, "demo", Duration.ofSeconds(30))) {
                            Cluster.scalar(c, "select pg_sleep(0.05)");
                            ok.incrementAndGet();
                        } catch (SQLException e) {
                            failures.add(e.getSQLState() + " " + e.getMessage());
                        }
                        return null;
                    });
                }
                System.out.printf("[fault] burst: 100 clients over maxconn 20 in %d ms, %d failed %s%n",
                        (System.nanoTime() - start) / 1_000_000, failures.size(), failures);
                assertThat(failures).as("clients of the burst turned away").isEmpty();
                assertThat(ok).hasValue(100);
            } finally {
                reloadWith(original);
            }
            check.assertAllInTime("during");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // COPY

    private static final String COPY_OUT = "COPY (select g, md5(g::text), repeat('x', g % 97) from"
            + " generate_series(1, 300000) g) TO STDOUT";

    @Test
    @Order(8)
    void copyBothWaysIsByteForByteWhatADirectConnectionSees() throws Exception {
        try (FaultChecker check = FaultChecker.begin("COPY both ways")) {
            String viaProxy;
            String direct;
            String sent;
            String stored;
            try (var probing = check.probing("during")) {
                try (Connection c = Cluster.connect(PRIMARY_PORT, "demo", Duration.ofSeconds(120))) {
                    viaProxy = copyOutDigest(c, COPY_OUT);
                }
                try (Connection c = Cluster.connectDirect(Cluster.primaryNode(), "demo")) {
                    direct = copyOutDigest(c, COPY_OUT);
                }
                byte[] rows = copyRows(300_000);
                sent = rows.length + " bytes " + sha256(rows);
                try (Connection c = Cluster.connect(PRIMARY_PORT, "demo", Duration.ofSeconds(120))) {
                    c.createStatement().execute("truncate fault_copy");
                    long copied = copy(c).copyIn("COPY fault_copy FROM STDIN", new java.io.ByteArrayInputStream(rows));
                    assertThat(copied).isEqualTo(300_000);
                }
                try (Connection c = Cluster.connectDirect(Cluster.primaryNode(), "demo")) {
                    stored = copyOutDigest(c, "COPY (select * from fault_copy order by id) TO STDOUT");
                }
            }
            System.out.printf("[fault] COPY: out via 5000 %s, direct %s; in sent %s, stored %s%n", viaProxy, direct,
                    sent, stored);
            assertThat(viaProxy).as("COPY TO STDOUT through 5000 against a direct connection").isEqualTo(direct);
            assertThat(stored).as("COPY FROM STDIN through 5000, read back directly").isEqualTo(sent);
            check.assertAllInTime("during");
        }
    }

    @Test
    @Order(9)
    void aBackendKilledMidCopyOutGivesTheClientAnErrorNotATruncatedStream() throws Exception {
        try (FaultChecker check = FaultChecker.begin("backend killed mid COPY out")) {
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try (var probing = check.probing("during");
                    Connection c = Cluster.connect(PRIMARY_PORT, "demo", Duration.ofSeconds(60))) {
                String backend = Cluster.scalar(c, "select pg_backend_pid()");
                CountDownLatch started = new CountDownLatch(1);
                AtomicLong received = new AtomicLong();
                Future<Long> copy = executor.submit(() -> copy(c).copyOut(
                        "COPY (select g, repeat('y', 200) from generate_series(1, 100000000) g) TO STDOUT",
                        new OutputStream() {
                            @Override
                            public void write(int b) {
                                write(new byte[] {(byte) b}, 0, 1);
                            }

                            @Override
                            public void write(byte[] b, int off, int len) {
                                if (received.addAndGet(len) > (8 << 20)) {
                                    started.countDown();
                                }
                            }
                        }));
                assertThat(started.await(60, TimeUnit.SECONDS)).as("8 MiB of COPY arrived").isTrue();
                terminate(backend);
                Throwable error = outcomeOf(copy);
                System.out.printf("[fault] COPY out killed after %d MiB: %s%n", received.get() >> 20, error);
                assertThat(error).as("what the client got after %d bytes", received.get())
                        .isInstanceOf(SQLException.class);
            } finally {
                executor.shutdownNow();
            }
            check.assertAllInTime("during");
        }
    }

    @Test
    @Order(10)
    void aBackendKilledMidCopyInGivesTheClientAnErrorAndStoresNothing() throws Exception {
        try (FaultChecker check = FaultChecker.begin("backend killed mid COPY in")) {
            long sent = 0;
            Throwable error = null;
            try (var probing = check.probing("during")) {
                Connection c = Cluster.connect(PRIMARY_PORT, "demo", Duration.ofSeconds(60));
                c.createStatement().execute("truncate fault_copy");
                String backend = Cluster.scalar(c, "select pg_backend_pid()");
                byte[] chunk = copyRows(1000);
                CopyIn in = copy(c).copyIn("COPY fault_copy FROM STDIN");
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                try {
                    while (System.nanoTime() < end && sent < (1L << 30)) {
                        in.writeToCopy(chunk, 0, chunk.length);
                        sent += chunk.length;
                        if (sent >= (8 << 20) && backend != null) {
                            terminate(backend);
                            backend = null;
                        }
                    }
                    in.endCopy();
                } catch (SQLException e) {
                    error = e;
                } finally {
                    closeKilled(c);
                }
            }
            System.out.printf("[fault] COPY in killed after %d MiB: %s%n", sent >> 20, error);
            assertThat(error).as("what the client got after sending %d bytes", sent).isInstanceOf(SQLException.class);
            try (Connection c = Cluster.connectDirect(Cluster.primaryNode(), "demo")) {
                assertThat(Cluster.scalar(c, "select count(*) from fault_copy")).as("rows of the killed COPY")
                        .isEqualTo("0");
            }
            check.assertAllInTime("during");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The cluster's own faults

    @Test
    @Order(11)
    void thePrimarysPatroniStoppedWhilePostgresIsHealthyKeepsThePrimaryPort() throws Exception {
        String primary = Cluster.primaryNode();
        try (FaultChecker check = FaultChecker.begin("primary's Patroni SIGSTOPped 6 s")) {
            try (var probing = check.probing("during")) {
                Cluster.cluster("signal", primary, "STOP");
                try {
                    // Shorter than the leader key's TTL (10 s in --fast), so Patroni's key stays and no failover starts.
                    Thread.sleep(6000);
                } finally {
                    Cluster.cluster("signal", primary, "CONT");
                }
                Thread.sleep(2000);
            }
            check.assertAllInTime("during");
            assertThat(Cluster.primaryNode()).isEqualTo(primary);
        }
    }

    @Test
    @Order(12)
    void etcdStoppedForLessThanTheLeaderTtlKeepsThePrimaryPort() throws Exception {
        String primary = Cluster.primaryNode();
        // Without Patroni's failsafe_mode the primary demotes itself as soon as it cannot renew the leader key
        // (measured: 2 s without etcd restarted PostgreSQL in recovery), which no proxy can hide. With it, the
        // primary goes on while it reaches every member's REST API: the outage patroxy has to ride through.
        Cluster.cluster("patronictl", "edit-config", "--force", "--quiet", "-s", "failsafe_mode=true");
        try (FaultChecker check = FaultChecker.begin("etcd stopped 5 s")) {
            Thread.sleep(5000);
            try (var probing = check.probing("during")) {
                Cluster.cluster("stop", "etcd");
                try {
                    // Under the leader key's TTL (10 s in --fast).
                    Thread.sleep(5000);
                } finally {
                    Cluster.cluster("start", "etcd");
                }
                Thread.sleep(2000);
            }
            System.out.printf("[fault] etcd stopped: primary before %s, after %s%n", primary, Cluster.primaryNode());
            check.assertAllInTime("during");
        } finally {
            Cluster.cluster("patronictl", "edit-config", "--force", "--quiet", "-s", "failsafe_mode=false");
        }
    }

    @Test
    @Order(13)
    void everyNodeCutFromEtcdWhilePatroxyStillReadsItKeepsThePrimaryPortThroughPatronisFailsafe() throws Exception {
        String primary = Cluster.primaryNode();
        // The leader key expires (10 s in --fast) while Patroni's failsafe keeps the primary, which still reaches
        // every member. patroxy still reads etcd and finds no key: alone, that means no primary. The primary's own
        // answers say failsafe_mode_is_active, and they keep the port.
        Cluster.cluster("patronictl", "edit-config", "--force", "--quiet", "-s", "failsafe_mode=true");
        List<String> nodes = List.of("pg01", "pg02", "pg03");
        try (FaultChecker check = FaultChecker.begin("every node cut from etcd, failsafe")) {
            Thread.sleep(5000);
            try (var probing = check.probing("during")) {
                nodes.forEach(node -> Cluster.cluster("partition", node));
                try {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                            .until(() -> etcdKeyStatus("/service/otus/leader") == 404);
                    // Routed with no leader key for a while, as a DCS outage on Patroni's side lasts.
                    Thread.sleep(5000);
                    assertThat(etcdKeyStatus("/service/otus/leader")).as("the key stayed gone").isEqualTo(404);
                } finally {
                    nodes.forEach(node -> Cluster.cluster("heal", node));
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> etcdKeyStatus("/service/otus/leader") == 200);
            }
            System.out.printf("[fault] failsafe: primary before %s, after %s%n", primary, Cluster.primaryNode());
            check.assertAllInTime("during");
            assertThat(Cluster.primaryNode()).isEqualTo(primary);
        } finally {
            Cluster.cluster("patronictl", "edit-config", "--force", "--quiet", "-s", "failsafe_mode=false");
        }
    }

    private static final OkHttpClient ETCD_CLIENT = new OkHttpClient();

    /** The HTTP status etcd's v2 API answers for a key: 200 while it exists, 404 once it is gone. */
    private static int etcdKeyStatus(String key) throws IOException {
        try (Response response = ETCD_CLIENT.newCall(new Request.Builder()
                .url(Cluster.etcd() + "/v2/keys" + key + "?quorum=true").build()).execute()) {
            return response.code();
        }
    }

    @Test
    @Order(14)
    void aPatroniApiAnsweringGarbageSlowlyOrEndlesslyStaysDownAndCostsNothing() throws Exception {
        String original = Files.readString(Cluster.patroxyConfig());
        try (FakePatroniApi fake = new FakePatroniApi(List.of(FakePatroniApi.Answer.values()));
                FaultChecker check = FaultChecker.begin("fake Patroni API")) {
            List<String> statuses = new ArrayList<>();
            try {
                reloadWith(withFakeListener(original, fake.port()));
                try (var probing = check.probing("during")) {
                    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (System.nanoTime() < end) {
                        statuses.add(Cluster.csvRow("fakeapi", "fakeapi").get("status"));
                        check.sampleRss();
                        Thread.sleep(500);
                    }
                }
            } finally {
                reloadWith(original);
            }
            System.out.printf("[fault] fake Patroni API: answers %s, most bytes each kind got out %s, statuses %s%n",
                    fake.counts(), fake.mostBytesTaken(), statuses);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(fake.counts().values()).as("checks of each kind of bad answer").allMatch(n -> n.get() > 0);
            soft.assertThat(statuses).as("the server behind the bad API is never UP").noneMatch(s -> s.startsWith("UP"));
            // What the fake got out includes what the kernel's socket buffers took (several MiB on loopback): a check
            // that reads on past its limit takes far more (over 100 MiB, measured, before it stopped at 64 KiB).
            soft.assertThat(fake.mostBytesTaken().get(FakePatroniApi.Answer.HUGE_BODY).get())
                    .as("bytes of an endless body one check took, socket buffers included").isLessThan(16 << 20);
            soft.assertThat(fake.mostBytesTaken().get(FakePatroniApi.Answer.ENDLESS_HEADERS).get())
                    .as("bytes of endless headers one check took, socket buffers included").isLessThan(16 << 20);
            soft.assertAll();
            check.assertAllInTime("during");
        }
    }

    @Test
    @Order(15)
    void patroxyKilledAndStartedAgainLosesNoAcknowledgedRow() throws Exception {
        try (FaultChecker check = FaultChecker.begin("patroxy SIGKILLed and started")) {
            long killedAt;
            long back;
            try (var probing = check.probing("across")) {
                Thread.sleep(1000);
                killedAt = System.nanoTime();
                Cluster.cluster("signal", "patroxy", "KILL");
                try {
                    Thread.sleep(500);
                } finally {
                    Cluster.cluster("start", "patroxy");
                }
                back = (System.nanoTime() - killedAt) / 1_000_000;
                check.patroxyReplacedBy(Cluster.pid("patroxy"));
                Thread.sleep(2000);
            }
            System.out.printf("[fault] SIGKILL: started and serving again %d ms after the kill%n", back);
            List<FaultChecker.Attempt> across = check.attempts("across");
            assertThat(across.get(across.size() - 1).inTime()).as("the last probe after the restart").isTrue();
        }
    }

    @Test
    @Order(16)
    void runningOutOfOpenFilesDoesNotSpinAndRecoversWhenFilesAreFree() throws Exception {
        try (FaultChecker check = FaultChecker.begin("open files limited to 300")) {
            long pid = check.pid();
            long cpuTicks;
            long openFiles;
            HostileClients clients = null;
            try {
                Cluster.cluster("nofile", "300");
                clients = HostileClients.open(PRIMARY_PORT, 500, new byte[0]);
                Thread.sleep(1000);
                long before = FaultChecker.cpuTicks(pid);
                Thread.sleep(5000);
                cpuTicks = FaultChecker.cpuTicks(pid) - before;
                openFiles = FaultChecker.openFiles(pid);
                System.out.printf("[fault] open files: %d clients connected, %d fds open, %d ms of CPU in 5 s%n",
                        clients.size(), openFiles, cpuTicks * 10);
            } finally {
                if (clients != null) {
                    clients.close();
                }
                Cluster.cluster("nofile", "reset");
            }
            long freed = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> check.probe("recovering").inTime());
            System.out.printf("[fault] open files: a normal client wrote %d ms after the files were free%n",
                    (System.nanoTime() - freed) / 1_000_000);
            assertThat(cpuTicks * 10).as("patroxy's CPU ms in 5 s at its open-files limit (a busy loop is 5000)")
                    .isLessThan(2500);
        }
    }

    @Test
    @Order(17)
    void aBrokenFileReloadedUnderLoadChangesNothing() throws Exception {
        String original = Files.readString(Cluster.patroxyConfig());
        try (FaultChecker check = FaultChecker.begin("broken reload under load")) {
            List<FaultChecker.Probing> load = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    load.add(check.probing("during"));
                }
                Thread.sleep(1000);
                double failedBefore = metric("patroxy_config_reloads_total{result=\"failure\"}");
                Files.writeString(Cluster.patroxyConfig(), original.replace("    balance: primary\n",
                        "    balance: primary\n    maxconn: many\n"));
                Cluster.cluster("reload");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> metric("patroxy_config_reloads_total{result=\"failure\"}") > failedBefore);
                Thread.sleep(3000);
            } finally {
                Files.writeString(Cluster.patroxyConfig(), original);
                for (FaultChecker.Probing probing : load) {
                    probing.close();
                }
            }
            reloadWith(original);
            System.out.printf("[fault] broken reload under load: %d writes during%n", check.attempts("during").size());
            check.assertAllInTime("during");
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    /** Runs {@code task} {@code count} times at once (one thread each) and returns the results in order. */
    private static <T> List<T> concurrently(int count, IndexedTask<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit(() -> task.run(index)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(120, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    interface IndexedTask<T> {
        T run(int index) throws Exception;
    }

    /** Milliseconds the stats CSV took, or -1 if it did not come. */
    private static long timedStats() {
        long start = System.nanoTime();
        try {
            Cluster.http("/;csv");
            return (System.nanoTime() - start) / 1_000_000;
        } catch (IOException | AssertionError e) {
            return -1;
        }
    }

    private static double metric(String series) throws IOException {
        String prefix = series + " ";
        return Cluster.http("/metrics").lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
                .findFirst().orElse(0);
    }

    /** Writes {@code yaml} as patroxy's file and reloads; fails unless the reload succeeded. */
    private static void reloadWith(String yaml) throws Exception {
        double before = metric("patroxy_config_reloads_total{result=\"success\"}");
        Files.writeString(Cluster.patroxyConfig(), yaml);
        Cluster.cluster("reload");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> metric("patroxy_config_reloads_total{result=\"success\"}") > before);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> !Cluster.land(PRIMARY_PORT).inRecovery());
    }

    /**
     * deploy/cluster's file plus a server whose Patroni API is the fake (its PostgreSQL address leads nowhere) and a
     * listener on 127.0.0.1:5002 that checks only it; the two real listeners keep their three servers.
     */
    private static String withFakeListener(String yaml, int apiPort) {
        String fakeServer = "  - {name: fakeapi, address: \"127.0.0.1:9\", check-address: \"127.0.0.1:" + apiPort
                + "\"}\n";
        int servers = yaml.indexOf("listeners:\n");
        String withServer = yaml.substring(0, servers) + fakeServer + yaml.substring(servers);
        return withServer
                .replace("    balance: primary\n", "    balance: primary\n    servers: [pg01, pg02, pg03]\n")
                .replace("    balance: roundrobin\n", "    balance: roundrobin\n    servers: [pg01, pg02, pg03]\n")
                + "  - name: fakeapi\n    bind: [\"127.0.0.1:5002\"]\n    balance: roundrobin\n"
                + "    servers: [fakeapi]\n    check: {path: /replica, method: GET}\n";
    }

    /** Closing a connection whose backend was killed may fail in turn; it is gone either way. */
    private static void closeKilled(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // the socket was already closed by the server
        }
    }

    private static CopyManager copy(Connection c) throws SQLException {
        return c.unwrap(PGConnection.class).getCopyAPI();
    }

    /** The length and SHA-256 of what {@code sql} (a COPY ... TO STDOUT) sends. */
    private static String copyOutDigest(Connection c, String sql) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        AtomicLong length = new AtomicLong();
        copy(c).copyOut(sql, new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sha.update(b, off, len);
                length.addAndGet(len);
            }
        });
        return length.get() + " bytes " + HexFormat.of().formatHex(sha.digest());
    }

    /** {@code count} rows of fault_copy in COPY's text format, exactly as PostgreSQL writes them back. */
    private static byte[] copyRows(int count) {
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            rows.append(i).append('\t').append(Integer.toHexString(i * 31)).append('\t')
                    .append("z".repeat(i % 89)).append('\n');
        }
        return rows.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static void terminate(String backendPid) throws SQLException {
        try (Connection c = Cluster.connectDirect(Cluster.primaryNode(), "postgres")) {
            assertThat(Cluster.scalar(c, "select pg_terminate_backend(" + Integer.parseInt(backendPid) + ")"))
                    .isEqualTo("t");
        }
    }

    /** The exception {@code future} ended with, or an AssertionError naming what it returned instead. */
    private static Throwable outcomeOf(Future<Long> future) throws Exception {
        try {
            Long rows = future.get(60, TimeUnit.SECONDS);
            return new AssertionError("COPY ended normally with " + rows + " rows");
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }
}
