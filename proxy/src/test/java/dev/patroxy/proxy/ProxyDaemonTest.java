package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.proxy.relay.Transport;
import dev.patroxy.stats.FrontendStats;
import dev.patroxy.stats.ListenerStats;
import dev.patroxy.stats.RoleChange;
import dev.patroxy.stats.ServerState;
import dev.patroxy.stats.ServerStats;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon wired together, with fake Patroni REST APIs (MockWebServer) and fake PostgreSQL servers (TCP
 * servers that answer with their own name): a role change moves new sessions and cuts the old ones.
 */
@Timeout(60)
class ProxyDaemonTest {
    private final List<FakeNode> nodes = new ArrayList<>();
    private String checkInter = "100ms";
    private String dcsSection = "";
    private String statsLimits = "";
    private ProxyDaemon daemon;
    private int plainPort;

    /**
     * A node: a TCP "database" that writes its name to each client and ends the session when the client does, and
     * a Patroni API whose role can change.
     */
    static final class FakeNode implements AutoCloseable {
        final String name;
        final ServerSocket database;
        final MockWebServer patroni = new MockWebServer();
        final AtomicInteger primaryStatus = new AtomicInteger(503);
        final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        FakeNode(String name) throws IOException {
            this.name = name;
            this.database = new ServerSocket(0);
            patroni.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    int code = request.getTarget().startsWith("/primary") ? primaryStatus.get()
                            : primaryStatus.get() == 200 ? 503 : 200;
                    return new MockResponse.Builder().code(code).build();
                }
            });
            patroni.start();
            Thread acceptor = new Thread(() -> {
                while (!database.isClosed()) {
                    try {
                        Socket s = database.accept();
                        accepted.add(s);
                        s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                        closeOnEndOfStream(s);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "fake-" + name);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** As PostgreSQL does: the session ends when the client's side does. */
        private void closeOnEndOfStream(Socket s) {
            Thread closer = new Thread(() -> {
                try (s) {
                    s.getInputStream().readAllBytes();
                } catch (IOException ignored) {
                    // closed either way
                }
            }, "fake-" + name + "-session");
            closer.setDaemon(true);
            closer.start();
        }

        @Override
        public void close() throws IOException {
            database.close();
            for (Socket s : accepted) {
                s.close();
            }
            patroni.close();
        }
    }

    @BeforeEach
    void startCluster() throws IOException {
        for (String name : List.of("pg01", "pg02", "pg03")) {
            nodes.add(new FakeNode(name));
        }
        nodes.get(0).primaryStatus.set(200);
    }

    @AfterEach
    void stop() throws IOException {
        if (daemon != null) {
            daemon.close();
        }
        for (FakeNode node : nodes) {
            node.close();
        }
    }

    /** The {@code servers:} entries of {@code nodes}, each checked on its fake Patroni API. */
    static String serversSection(List<FakeNode> nodes) {
        StringBuilder servers = new StringBuilder();
        for (FakeNode node : nodes) {
            servers.append("  - {name: ").append(node.name).append(", address: \"127.0.0.1:")
                    .append(node.database.getLocalPort()).append("\", check-port: ")
                    .append(node.patroni.getPort()).append("}\n");
        }
        return servers.toString();
    }

    /** {@code n} distinct free ports: all are held open while they are picked, so none is handed out twice. */
    static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private int[] startDaemon() throws Exception {
        return startDaemon(0);
    }

    private int[] startDaemon(int serverMaxconn) throws Exception {
        int[] free = freePorts(4);
        int primaryPort = free[0];
        int replicaPort = free[1];
        int statsPort = free[2];
        plainPort = free[3];
        StringBuilder servers = new StringBuilder();
        for (FakeNode node : nodes) {
            servers.append("  - {name: ").append(node.name).append(", address: \"127.0.0.1:")
                    .append(node.database.getLocalPort()).append("\", check-port: ")
                    .append(node.patroni.getPort()).append(", maxconn: ").append(serverMaxconn).append("}\n");
        }
        String yaml = """
                stats:
                  bind: ["127.0.0.1:%d"]
                %s%sdefaults:
                  check: {inter: %s, timeout: 1s, rise: 1, fall: 2}
                servers:
                %slisteners:
                  - {name: primary, bind: "127.0.0.1:%d", balance: primary}
                  - {name: replicas, bind: "127.0.0.1:%d", balance: roundrobin}
                  - {name: plain, bind: "127.0.0.1:%d", balance: roundrobin, servers: [pg02], check: none}
                """.formatted(statsPort, statsLimits, dcsSection, checkInter, servers, primaryPort, replicaPort,
                plainPort);
        PatroxyConfig config = ConfigLoader.parse(Path.of("test.yml"), yaml);
        daemon = new ProxyDaemon(config, Clock.systemUTC(), Transport.best()).start();
        return new int[] {primaryPort, replicaPort, statsPort};
    }

    static String nodeBehind(int port) throws IOException {
        try (Socket s = PgClient.connect(port)) {
            s.setSoTimeout(5000);
            return readLine(s.getInputStream());
        }
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString();
    }

    private ServerStats server(String listener, String name) {
        ListenerStats l = daemon.snapshot().listeners().stream()
                .filter(x -> x.name().equals(listener)).findFirst().orElseThrow();
        return l.servers().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void routesThePrimaryPortToThePrimaryAndTheReplicaPortAcrossReplicas() throws Exception {
        int[] ports = startDaemon();
        await().atMost(Duration.ofSeconds(10)).until(() -> server("primary", "pg01").routable());
        await().atMost(Duration.ofSeconds(10)).until(() -> server("replicas", "pg03").routable());

        for (int i = 0; i < 5; i++) {
            assertThat(nodeBehind(ports[0])).isEqualTo("pg01");
        }
        List<String> replicas = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            replicas.add(nodeBehind(ports[1]));
        }
        assertThat(replicas).containsOnly("pg02", "pg03").contains("pg02", "pg03");
        assertThat(server("primary", "pg01").role()).isEqualTo("primary");
        assertThat(server("primary", "pg02").role()).isEqualTo("replica");
        assertThat(server("primary", "pg02").state()).as("a healthy standby").isEqualTo(ServerState.NOLB);
        assertThat(server("primary", "pg02").checkFailures()).isZero();
    }

    @Test
    void aSwitchoverMovesNewSessionsAndCutsTheSessionsToTheOldPrimary() throws Exception {
        int[] ports = startDaemon();
        await().atMost(Duration.ofSeconds(10)).until(() -> server("primary", "pg01").routable());

        try (Socket held = PgClient.connect(ports[0])) {
            held.setSoTimeout(10_000);
            assertThat(readLine(held.getInputStream())).isEqualTo("pg01");

            nodes.get(0).primaryStatus.set(503);
            nodes.get(2).primaryStatus.set(200);

            assertThat(held.getInputStream().read()).as("the session to the demoted node is closed").isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server("primary", "pg03").routable());
        assertThat(nodeBehind(ports[0])).isEqualTo("pg03");
        assertThat(server("primary", "pg01").killedSessions()).isEqualTo(1);
        assertThat(server("primary", "pg01").downTransitions()).isEqualTo(1);
    }

    @Test
    void sessionsPastAServersMaxconnWaitAndTheStatsShowTheQueue() throws Exception {
        int[] ports = startDaemon(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> server("primary", "pg01").routable());

        try (Socket held = PgClient.connect(ports[0])) {
            held.setSoTimeout(5000);
            assertThat(readLine(held.getInputStream())).isEqualTo("pg01");
            try (Socket waiting = PgClient.connect(ports[0])) {
                await().atMost(Duration.ofSeconds(5)).until(() -> server("primary", "pg01").queueCurrent() == 1);

                okhttp3.OkHttpClient http = new okhttp3.OkHttpClient();
                String base = "http://127.0.0.1:" + ports[2];
                try (okhttp3.Response metrics = http.newCall(
                        new okhttp3.Request.Builder().url(base + "/metrics").build()).execute()) {
                    assertThat(metrics.body().string())
                            .contains("haproxy_server_current_queue{proxy=\"primary\",server=\"pg01\"} 1")
                            .contains("haproxy_server_limit_sessions{proxy=\"primary\",server=\"pg01\"} 1");
                }
            }
        }
        assertThat(server("primary", "pg01").queueMax()).isEqualTo(1);
    }

    @Test
    void aListenerWithoutChecksRoutesToAnyTcpServerAtOnce() throws Exception {
        nodes.get(1).patroni.close();
        startDaemon();

        assertThat(nodeBehind(plainPort)).isEqualTo("pg02");
        ServerStats plain = server("plain", "pg02");
        assertThat(plain.state()).isEqualTo(ServerState.UP);
        assertThat(plain.lastCheck().detail()).isEqualTo("no check");
        assertThat(plain.checkUrl()).isEmpty();
    }

    /**
     * A fake etcd v2 holding Patroni's leader key for scope batman: a read answers the current leader, a watch
     * waits for the next one put in {@code nextLeader}.
     */
    static final class FakeEtcd implements AutoCloseable {
        final MockWebServer server = new MockWebServer();
        final BlockingQueue<String> nextLeader = new LinkedBlockingQueue<>();
        final AtomicLong index = new AtomicLong(7);
        volatile String leader;
        volatile boolean closed;
        private final CountDownLatch stopped = new CountDownLatch(1);

        FakeEtcd(String leader) throws IOException {
            this.leader = leader;
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                    if (!request.getTarget().startsWith("/v2/keys/service/batman/leader?")) {
                        // Patroni's other keys (the failover key): none, and a watch on them that never fires.
                        return request.getTarget().contains("wait=true") ? silentWatch() : notFound();
                    }
                    if (request.getTarget().contains("wait=true")) {
                        return watchAnswer();
                    }
                    return answer("get", index.get());
                }
            });
            server.start();
        }

        private MockResponse notFound() {
            return new MockResponse.Builder().code(404).addHeader("X-Etcd-Index", index.get())
                    .body("{\"errorCode\":100,\"message\":\"Key not found\",\"index\":" + index.get() + "}").build();
        }

        /** What a watch answers once something changes; throws to end the watch without a change. */
        private interface Change {
            byte[] await() throws IOException;
        }

        /** As etcd does, the headers at once, then the change when there is one. */
        private MockResponse watch(Change change) {
            // Chunked by hand: MockWebServer writes a body of unknown length as it is.
            return new MockResponse.Builder().code(200).addHeader("X-Etcd-Index", index.get())
                    .addHeader("Transfer-Encoding", "chunked")
                    .body(new MockResponseBody() {
                        @Override
                        public long getContentLength() {
                            return -1;
                        }

                        @Override
                        public void writeTo(BufferedSink sink) throws IOException {
                            sink.flush();
                            byte[] body = change.await();
                            sink.writeUtf8(Integer.toHexString(body.length) + "\r\n").write(body)
                                    .writeUtf8("\r\n0\r\n\r\n");
                        }
                    }).build();
        }

        /** A watch of a key nobody writes: nothing until the fake closes. */
        private MockResponse silentWatch() {
            return watch(() -> {
                try {
                    stopped.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("etcd stopped");
            });
        }

        /** A watch of the leader key: the next leader put in {@code nextLeader}. */
        private MockResponse watchAnswer() {
            return watch(() -> {
                String next;
                try {
                    next = nextLeader.poll(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                if (next == null || closed) {
                    throw new IOException("etcd stopped");
                }
                FakeEtcd.this.leader = next;
                return node("set", index.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            });
        }

        private String node(String action, long modifiedIndex) {
            return "{\"action\":\"" + action + "\",\"node\":{\"key\":\"/service/batman/leader\","
                    + "\"value\":\"" + leader + "\",\"modifiedIndex\":" + modifiedIndex + ",\"createdIndex\":7}}";
        }

        private MockResponse answer(String action, long modifiedIndex) {
            return new MockResponse.Builder().code(200).addHeader("X-Etcd-Index", modifiedIndex)
                    .body("{\"action\":\"" + action + "\",\"node\":{\"key\":\"/service/batman/leader\","
                            + "\"value\":\"" + leader + "\",\"modifiedIndex\":" + modifiedIndex + ",\"createdIndex\":7}}")
                    .build();
        }

        @Override
        public void close() throws IOException {
            closed = true;
            stopped.countDown();
            for (int i = 0; i < 4; i++) {
                nextLeader.add(leader);
            }
            server.close();
        }
    }

    @Test
    void aLeaderKeyNamingNoServerIsReportedAndTheChecksRouteThePrimaryPortMeanwhile() throws Exception {
        nodes.get(0).primaryStatus.set(200);
        try (FakeEtcd etcd = new FakeEtcd("postgresql0")) {
            dcsSection = "dcs: {type: etcd, hosts: [\"127.0.0.1:" + etcd.server.getPort() + "\"], scope: batman}\n";
            int[] ports = startDaemon();

            await().atMost(Duration.ofSeconds(10)).until(() -> daemon.snapshot().dcs().leader().equals("postgresql0")
                    && server("primary", "pg01").routable());
            assertThat(nodeBehind(ports[0])).isEqualTo("pg01");
            assertThat(daemon.snapshot().dcs().listenersWithoutLeader()).containsExactly("primary");
            assertThat(daemon.snapshot().dcs().warning()).contains("'postgresql0'");
        }
    }

    @Test
    void withTheDcsOnlyTheNodeTheLeaderKeyNamesTakesThePrimaryPortAndAChangeIsFollowedFast() throws Exception {
        nodes.get(0).primaryStatus.set(200);
        nodes.get(1).primaryStatus.set(200);
        try (FakeEtcd etcd = new FakeEtcd("pg02")) {
            dcsSection = "dcs: {type: etcd, hosts: [\"127.0.0.1:" + etcd.server.getPort() + "\"], scope: batman}\n";
            checkInter = "3s";
            int[] ports = startDaemon();
            await().atMost(Duration.ofSeconds(10)).until(() -> server("primary", "pg02").routable());
            assertThat(nodeBehind(ports[0])).as("pg01 answers 200 too, but the key names pg02").isEqualTo("pg02");

            nodes.get(0).primaryStatus.set(503);
            await().atMost(Duration.ofSeconds(5)).until(() -> server("primary", "pg01").lastCheck().code() == 503);

            try (Socket held = PgClient.connect(ports[0])) {
                held.setSoTimeout(5000);
                assertThat(readLine(held.getInputStream())).isEqualTo("pg02");
                nodes.get(1).primaryStatus.set(503);
                nodes.get(0).primaryStatus.set(200);
                long switched = System.nanoTime();
                etcd.nextLeader.add("pg01");

                await().atMost(Duration.ofMillis(1500)).until(() -> server("primary", "pg01").routable());
                assertThat(Duration.ofNanos(System.nanoTime() - switched))
                        .as("pg01's last check said 503; the next regular one is up to 3 s away, but checks run"
                                + " fast while the key and the checks disagree")
                        .isLessThan(Duration.ofMillis(1500));
                assertThat(held.getInputStream().read()).as("the session to the old leader is cut").isEqualTo(-1);
            }
            assertThat(nodeBehind(ports[0])).isEqualTo("pg01");
            ListenerStats primary = daemon.snapshot().listeners().get(0);
            assertThat(primary.roleChanges().get(0).to()).isEqualTo("pg01");
            assertThat(primary.roleChanges()).extracting(RoleChange::why)
                    .anyMatch(why -> why.startsWith("DCS: the DCS leader key names pg01"));
        }
    }

    @Test
    void withTheDcsAPrimaryWhoseRestApiDiesKeepsThePrimaryPortAndItsSessionsWhileTheKeyNamesIt() throws Exception {
        try (FakeEtcd etcd = new FakeEtcd("pg01")) {
            dcsSection = "dcs: {type: etcd, hosts: [\"127.0.0.1:" + etcd.server.getPort() + "\"], scope: batman}\n";
            int[] ports = startDaemon();
            await().atMost(Duration.ofSeconds(10)).until(() -> server("primary", "pg01").routable());
            try (Socket held = PgClient.connect(ports[0])) {
                held.setSoTimeout(5000);
                assertThat(readLine(held.getInputStream())).isEqualTo("pg01");

                nodes.get(0).patroni.close();
                await().atMost(Duration.ofSeconds(5)).until(() -> server("primary", "pg01").state() == ServerState.DOWN);

                assertThat(server("primary", "pg01").routable()).as("the key still names it").isTrue();
                assertThat(nodeBehind(ports[0])).isEqualTo("pg01");
                held.setSoTimeout(300);
                assertThatThrownBy(() -> held.getInputStream().read()).as("its session stays")
                        .isInstanceOf(java.net.SocketTimeoutException.class);

                nodes.get(1).primaryStatus.set(200);
                etcd.nextLeader.add("pg02");

                await().atMost(Duration.ofSeconds(5)).until(() -> server("primary", "pg02").routable());
                held.setSoTimeout(5000);
                assertThat(held.getInputStream().read()).as("the key moved: its session is cut").isEqualTo(-1);
                assertThat(server("primary", "pg01").routable()).isFalse();
            }
        }
    }

    /** Starts the daemon with no primary and connects a client to the primary port, which holds it. */
    private Socket heldClient() throws Exception {
        nodes.get(0).primaryStatus.set(503);
        int[] ports = startDaemon();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server("primary", "pg01").lastCheck().code() == 503);
        Socket s = PgClient.connect(ports[0]);
        s.setSoTimeout(10_000);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> daemon.snapshot().listeners().get(0).frontend().held() == 1);
        return s;
    }

    @Test
    void withNoPrimaryNewClientsAreHeldUntilANodeTakesTheRole() throws Exception {
        try (Socket s = heldClient()) {
            nodes.get(0).primaryStatus.set(200);
            assertThat(readLine(s.getInputStream())).isEqualTo("pg01");
        }
        FrontendStats frontend = daemon.snapshot().listeners().get(0).frontend();
        assertThat(frontend.heldReleased()).isEqualTo(1);
        assertThat(frontend.refused()).isZero();
    }

    @Test
    void aClientHeldWhenTheProxyStopsIsClosedAndWhatItSentReleased() throws Exception {
        try (Socket s = heldClient()) {
            daemon.close();
            daemon = null;

            assertThat(s.getInputStream().read()).as("closed by the proxy as it stops").isEqualTo(-1);
        }
    }

    @Test
    void servesTheStatsPageCsvAndMetrics() throws Exception {
        int[] ports = startDaemon();
        await().atMost(Duration.ofSeconds(10)).until(() -> server("primary", "pg01").routable());
        assertThat(nodeBehind(ports[0])).isEqualTo("pg01");

        okhttp3.OkHttpClient http = new okhttp3.OkHttpClient();
        String base = "http://127.0.0.1:" + ports[2];
        try (okhttp3.Response csv = http.newCall(new okhttp3.Request.Builder().url(base + "/;csv").build()).execute()) {
            String body = csv.body().string();
            assertThat(body).startsWith("# pxname,svname,");
            assertThat(body).containsPattern("(?m)^primary,pg01,.*,UP,");
            assertThat(body).containsPattern("(?m)^primary,pg02,.*,NOLB,");
        }
        try (okhttp3.Response metrics = http.newCall(
                new okhttp3.Request.Builder().url(base + "/metrics").build()).execute()) {
            String body = metrics.body().string();
            assertThat(body).contains("haproxy_server_status{proxy=\"primary\",server=\"pg01\",state=\"UP\"} 1");
            assertThat(body).contains("haproxy_server_status{proxy=\"primary\",server=\"pg02\",state=\"NOLB\"} 1");
            assertThat(body).contains("haproxy_server_status{proxy=\"primary\",server=\"pg02\",state=\"DOWN\"} 0");
            assertThat(body).contains("haproxy_server_sessions_total{proxy=\"primary\",server=\"pg01\"} 1");
        }
        try (okhttp3.Response page = http.newCall(new okhttp3.Request.Builder().url(base + "/").build()).execute()) {
            assertThat(page.code()).isEqualTo(200);
            assertThat(page.body().string()).contains("pg01", "pg02", "pg03");
        }
    }

    @Test
    void theStatsAnswerWhileEveryRelayEventLoopIsBusy() throws Exception {
        int[] ports = startDaemon();
        // Busy, not blocked: the loops spin until released, so BlockHound has nothing to report.
        AtomicBoolean release = new AtomicBoolean();
        AtomicInteger busy = new AtomicInteger();
        int loops = 0;
        for (EventExecutor loop : daemon.relayWorkers()) {
            loops++;
            loop.execute(() -> {
                busy.incrementAndGet();
                while (!release.get()) {
                    // spin
                }
            });
        }
        int relayLoops = loops;
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> busy.get() == relayLoops);
            try (Socket s = new Socket("127.0.0.1", ports[2])) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("GET /;csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").contains("# pxname,svname,");
            }
        } finally {
            release.set(true);
        }
    }

    @Test
    void theStatsServerTakesItsLimitsFromTheStatsSection() throws Exception {
        statsLimits = "  maxconn: 1\n  timeout: {http-request: 300ms}\n";
        int[] ports = startDaemon();
        try (Socket silent = new Socket("127.0.0.1", ports[2])) {
            silent.setSoTimeout(5000);
            assertThat(silent.getInputStream().read()).as("closed at the request timeout").isEqualTo(-1);
        }
    }
}
