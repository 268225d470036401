package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.proxy.admin.AdminActions;
import dev.patroxy.proxy.admin.SessionInfo;
import dev.patroxy.proxy.relay.Transport;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.ListenerStats;
import dev.patroxy.stats.ServerStats;
import java.io.IOException;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Files;
import java.nio.channels.SocketChannel;
import java.nio.ByteBuffer;
import java.net.UnixDomainSocketAddress;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin commands through the real daemon on loopback, with fake Patroni APIs and fake PostgreSQL servers that
 * answer with their own name ({@link ProxyDaemonTest.FakeNode}): pg01 is the primary, pg02 and pg03 replicas.
 */
@Timeout(60)
class AdminStateDaemonTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);
    private final List<ProxyDaemonTest.FakeNode> nodes = new ArrayList<>();
    private ProxyDaemon daemon;
    private AdminActions admin;
    private int primaryPort;
    private int replicaPort;
    private int shortHoldPort;
    private int plainPort;
    private String yaml;

    @BeforeEach
    void start() throws Exception {
        for (String name : List.of("pg01", "pg02", "pg03")) {
            nodes.add(new ProxyDaemonTest.FakeNode(name));
        }
        nodes.get(0).primaryStatus.set(200);
        int[] ports = ProxyDaemonTest.freePorts(5);
        primaryPort = ports[0];
        replicaPort = ports[1];
        shortHoldPort = ports[3];
        plainPort = ports[4];
        String servers = ProxyDaemonTest.serversSection(nodes);
        yaml = """
                stats:
                  bind: ["127.0.0.1:%d"]
                defaults:
                  check: {inter: 100ms, timeout: 1s, rise: 1, fall: 2}
                servers:
                %slisteners:
                  - {name: primary, bind: "127.0.0.1:%d", balance: primary}
                  - {name: replicas, bind: "127.0.0.1:%d", balance: roundrobin, servers: [pg02, pg03]}
                  - {name: short, bind: "127.0.0.1:%d", balance: primary, timeout: {hold: 500ms}}
                  - {name: plain, bind: "127.0.0.1:%d", balance: roundrobin, servers: [pg02], check: none}
                """.formatted(ports[2], servers, primaryPort, replicaPort, shortHoldPort, plainPort);
        daemon = new ProxyDaemon(config(), Clock.systemUTC(), Transport.best()).start();
        admin = daemon.admin();
        await().atMost(WITHIN).until(() -> server("primary", "pg01").routable()
                && server("replicas", "pg02").routable() && server("replicas", "pg03").routable());
    }

    private PatroxyConfig config() throws Exception {
        return ConfigLoader.parse(Path.of("test.yml"), yaml);
    }

    @AfterEach
    void stop() throws IOException {
        if (daemon != null) {
            daemon.close();
        }
        for (ProxyDaemonTest.FakeNode node : nodes) {
            node.close();
        }
    }

    private ListenerStats listener(String name) {
        return daemon.snapshot().listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    private ServerStats server(String listener, String name) {
        return listener(listener).servers().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** A client of the primary port that is relayed to pg01 and stays open. */
    private Socket sessionOnThePrimary() throws IOException {
        Socket s = PgClient.connect(primaryPort);
        s.setSoTimeout(10_000);
        assertThat(ProxyDaemonTest.readLine(s.getInputStream())).isEqualTo("pg01");
        return s;
    }

    /** Whether {@code s} has had nothing from patroxy for {@code millis}: still held, neither served nor closed. */
    private static boolean silentFor(Socket s, int millis) throws IOException {
        s.setSoTimeout(millis);
        try {
            return s.getInputStream().read() < -1;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            s.setSoTimeout(10_000);
        }
    }

    @Test
    void drainKeepsAnOpenSessionAndSendsNewOnesElsewhere() throws Exception {
        try (Socket kept = PgClient.connect(replicaPort)) {
            kept.setSoTimeout(10_000);
            String first = ProxyDaemonTest.readLine(kept.getInputStream());
            String other = first.equals("pg02") ? "pg03" : "pg02";

            assertThat(admin.setServerState("replicas", first, "drain")).isEmpty();
            await().atMost(WITHIN).until(() -> !server("replicas", first).routable());

            for (int i = 0; i < 4; i++) {
                assertThat(ProxyDaemonTest.nodeBehind(replicaPort)).isEqualTo(other);
            }
            assertThat(silentFor(kept, 300)).as("the drained server's session stays open").isTrue();
            assertThat(server("replicas", first).currentSessions()).isEqualTo(1);
            assertThat(server("replicas", first).statusText()).isEqualTo("DRAIN");
            SessionInfo listed = admin.sessions().stream().filter(s -> s.server().equals(first)).findFirst()
                    .orElseThrow();
            assertThat(listed.frontend()).isEqualTo("replicas");
            assertThat(listed.bytesOut()).as("its name, relayed").isEqualTo(5);

            assertThat(admin.shutdownSession(String.valueOf(listed.id()))).isEmpty();
            assertThat(kept.getInputStream().read()).as("shut down by id").isEqualTo(-1);
        }
    }

    @Test
    void maintCutsTheSessionsOfThePrimary() throws Exception {
        try (Socket cut = sessionOnThePrimary()) {
            assertThat(admin.setServerState("primary", "pg01", "maint")).isEmpty();

            assertThat(cut.getInputStream().read()).as("cut by maint").isEqualTo(-1);
        }
        assertThat(server("primary", "pg01").statusText()).isEqualTo("MAINT");
        assertThat(server("primary", "pg01").killedSessions()).isEqualTo(1);
    }

    @Test
    void maintOfTheOnlyPrimaryHoldsNewClientsUntilReadyAndAPassingCheck() throws Exception {
        assertThat(admin.setServerState("primary", "pg01", "maint")).isEmpty();
        await().atMost(WITHIN).until(() -> !server("primary", "pg01").routable());
        // PostgreSQL is stopped for the maintenance: its Patroni no longer answers as primary.
        nodes.get(0).primaryStatus.set(503);

        try (Socket held = PgClient.connect(primaryPort)) {
            await().atMost(WITHIN).until(() -> listener("primary").frontend().held() == 1);
            await().atMost(WITHIN).until(() -> !server("primary", "pg01").state().isUp());

            assertThat(admin.setServerState("primary", "pg01", "ready")).isEmpty();
            assertThat(silentFor(held, 500)).as("ready, but no check has passed").isTrue();
            assertThat(server("primary", "pg01").admin()).isEqualTo(AdminState.READY);

            nodes.get(0).primaryStatus.set(200);
            held.setSoTimeout(10_000);
            assertThat(ProxyDaemonTest.readLine(held.getInputStream())).isEqualTo("pg01");
        }
        assertThat(listener("primary").frontend().holdTimeouts()).isZero();
    }

    @Test
    void aClientHeldPastTimeoutHoldForAPrimaryInMaintenanceGets57P03AsInAFailover() throws Exception {
        assertThat(admin.setServerState("short", "pg01", "maint")).isEmpty();
        await().atMost(WITHIN).until(() -> !server("short", "pg01").routable());

        try (Socket turnedAway = PgClient.connect(shortHoldPort)) {
            turnedAway.setSoTimeout(10_000);
            String answer = new String(turnedAway.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("E").contains("C57P03", "within 500 ms on hold (pg01 MAINT");
        }
        assertThat(listener("short").frontend().holdTimeouts()).isEqualTo(1);
        assertThat(server("primary", "pg01").routable()).as("another listener's pg01").isTrue();
    }

    @Test
    void onAListenerWithoutChecksMaintCutsAndReadyRoutesAtOnce() throws Exception {
        try (Socket cut = PgClient.connect(plainPort)) {
            cut.setSoTimeout(10_000);
            assertThat(ProxyDaemonTest.readLine(cut.getInputStream())).isEqualTo("pg02");

            assertThat(admin.setServerState("plain", "pg02", "maint")).isEmpty();

            assertThat(cut.getInputStream().read()).as("cut by maint").isEqualTo(-1);
        }
        assertThat(admin.setServerState("plain", "pg02", "ready")).isEmpty();
        await().atMost(WITHIN).until(() -> server("plain", "pg02").routable());
        assertThat(ProxyDaemonTest.nodeBehind(plainPort)).isEqualTo("pg02");
    }

    @Test
    void aDisabledFrontendHoldsNewClientsAndEnablingReleasesThem() throws Exception {
        assertThat(admin.disableFrontend("primary")).isEmpty();
        assertThat(listener("primary").frontend().statusText()).isEqualTo("PAUSED");
        try (Socket held = PgClient.connect(primaryPort)) {
            await().atMost(WITHIN).until(() -> listener("primary").frontend().held() == 1);
            assertThat(silentFor(held, 300)).isTrue();

            assertThat(admin.enableFrontend("primary")).isEmpty();

            held.setSoTimeout(10_000);
            assertThat(ProxyDaemonTest.readLine(held.getInputStream())).isEqualTo("pg01");
        }
        assertThat(listener("primary").frontend().refused()).isZero();
    }

    @Test
    void adminStateAndWeightSurviveAReload() throws Exception {
        assertThat(admin.setServerState("replicas", "pg02", "maint")).isEmpty();
        assertThat(admin.setWeight("replicas", "pg03", "4")).isEmpty();
        await().atMost(WITHIN).until(() -> !server("replicas", "pg02").routable());

        daemon.reload(config());

        assertThat(server("replicas", "pg02").admin()).isEqualTo(AdminState.MAINT);
        assertThat(admin.getWeight("replicas", "pg03")).isEqualTo("4 (initial 1)");
        await().atMost(WITHIN).until(() -> server("replicas", "pg03").routable());
        for (int i = 0; i < 4; i++) {
            assertThat(ProxyDaemonTest.nodeBehind(replicaPort)).isEqualTo("pg03");
        }
        assertThat(server("replicas", "pg02").routable()).isFalse();
    }
    /** Sends {@code command} to the runtime API's UNIX socket and reads its whole answer. */
    private static String runtime(Path socket, String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            channel.write(StandardCharsets.UTF_8.encode(command + "\n"));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (channel.read(buffer) >= 0) {
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void theRuntimeSocketActsAndTheStateFileKeepsWhatItSetAcrossARestart(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("admin.sock");
        Path stateFile = dir.resolve("server-state");
        yaml = yaml.replace("stats:\n", "admin: {socket: {path: " + socket + ", level: admin}, state-file: " + stateFile
                + "}\nstats:\n");
        daemon.close();
        daemon = new ProxyDaemon(config(), Clock.systemUTC(), Transport.best()).start();

        assertThat(runtime(socket, "set server replicas/pg02 state maint")).isEqualTo("\n");
        assertThat(runtime(socket, "set weight replicas/pg03 4")).isEqualTo("\n");
        await().atMost(WITHIN).until(() -> server("replicas", "pg02").admin() == AdminState.MAINT);
        assertThat(runtime(socket, "get weight replicas/pg03")).isEqualTo("4 (initial 1)\n\n");
        await().atMost(WITHIN).until(() -> Files.exists(stateFile)
                && Files.readString(stateFile).contains("replicas pg03 READY 4 1"));
        assertThat(Files.readString(stateFile)).contains("replicas pg02 MAINT 1 1");
        daemon.close();

        daemon = new ProxyDaemon(config(), Clock.systemUTC(), Transport.best()).start();

        assertThat(server("replicas", "pg02").admin()).as("in MAINT from the start").isEqualTo(AdminState.MAINT);
        assertThat(server("replicas", "pg03").weight()).isEqualTo(4);
        await().atMost(WITHIN).until(() -> server("replicas", "pg03").routable());
        assertThat(server("replicas", "pg02").routable()).isFalse();
        assertThat(runtime(socket, "show servers state replicas")).contains("replicas 1 pg02 127.0.0.1 0 1 1 1 ")
                .contains("replicas 2 pg03 127.0.0.1 2 0 4 1 ");
    }
}
