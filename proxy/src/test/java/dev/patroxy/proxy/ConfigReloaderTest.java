package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patroxy.config.ConfigLoader;
import dev.patroxy.proxy.ProxyDaemonTest.FakeNode;
import dev.patroxy.proxy.relay.Transport;
import dev.patroxy.stats.ReloadStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;

class ConfigReloaderTest {
    @TempDir
    Path dir;
    private final List<FakeNode> nodes = new ArrayList<>();
    private final List<Socket> clients = new ArrayList<>();
    private Path file;
    private ProxyDaemon daemon;
    private ConfigReloader reloader;
    private int primaryPort;
    private int plainPort;
    private int statsPort;
    private String dcsSection = "";

    @BeforeEach
    void startNodes() throws IOException {
        for (String name : List.of("pg01", "pg02", "pg03")) {
            nodes.add(new FakeNode(name));
        }
        nodes.get(0).primaryStatus.set(200);
        file = dir.resolve("patroxy.yml");
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0);
                ServerSocket c = new ServerSocket(0)) {
            primaryPort = a.getLocalPort();
            plainPort = b.getLocalPort();
            statsPort = c.getLocalPort();
        }
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        for (FakeNode node : nodes) {
            node.close();
        }
    }

    /** A configuration with a checked primary listener and an unchecked one on {@code plainServer}. */
    private String config(String plainServer, String global) {
        String servers = ProxyDaemonTest.serversSection(nodes);
        return """
                global: {%s}
                %sstats:
                  bind: ["127.0.0.1:%d"]
                defaults:
                  check: {inter: 100ms, timeout: 1s, rise: 1, fall: 2}
                servers:
                %slisteners:
                  - {name: primary, bind: "127.0.0.1:%d", balance: primary}
                  - {name: plain, bind: "127.0.0.1:%d", balance: roundrobin, servers: [%s], check: none}
                """.formatted(global, dcsSection, statsPort, servers, primaryPort, plainPort, plainServer);
    }

    private void start(String yaml) throws Exception {
        Files.writeString(file, yaml);
        daemon = new ProxyDaemon(ConfigLoader.load(file), Clock.systemUTC(), Transport.best()).start();
        reloader = new ConfigReloader(file, daemon, SystemdNotify.to(null));
        await().atMost(Duration.ofSeconds(10)).until(() -> nodeBehind(primaryPort).equals("pg01"));
    }

    private static String nodeBehind(int port) throws IOException {
        try (Socket s = PgClient.connect(port)) {
            s.setSoTimeout(5000);
            return readLine(s.getInputStream());
        }
    }

    /** A session that stays open; returns the socket after reading which node took it. */
    private Socket openSession(int port, String expectedNode) throws IOException {
        Socket s = PgClient.connect(port);
        clients.add(s);
        s.setSoTimeout(5000);
        assertThat(readLine(s.getInputStream())).isEqualTo(expectedNode);
        return s;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString();
    }

    private static boolean stillOpen(Socket s) throws IOException {
        s.setSoTimeout(200);
        try {
            return s.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        }
    }

    @Test
    void aReloadSendsNewSessionsByTheNewFileWhileOpenSessionsDrain() throws Exception {
        start(config("pg02", ""));
        Socket before = openSession(plainPort, "pg02");

        Files.writeString(file, config("pg03", ""));
        assertThat(reloader.reload()).isTrue();

        assertThat(nodeBehind(plainPort)).isEqualTo("pg03");
        assertThat(stillOpen(before)).as("the session opened before the reload goes on").isTrue();
        ReloadStatus status = daemon.snapshot().reload();
        assertThat(status.succeeded()).isEqualTo(1);
        assertThat(status.lastSucceeded()).isTrue();
        // The sessions that found the primary at start may still be closing.
        await().atMost(Duration.ofSeconds(5)).until(() -> daemon.snapshot().reload().drainingSessions() == 1);

        before.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> daemon.snapshot().reload().drainingSessions() == 0);
    }

    @Test
    void aClientStillInItsFirstPacketAtAReloadIsServedByTheConfigurationThatAcceptedIt() throws Exception {
        start(config("pg02", ""));
        Socket early = new Socket("127.0.0.1", plainPort);
        clients.add(early);
        early.setSoTimeout(5000);
        await().atMost(Duration.ofSeconds(5)).until(() -> daemon.snapshot().reload().drainingSessions() == 0
                && daemon.snapshot().listeners().stream().anyMatch(l -> l.name().equals("plain")));

        Files.writeString(file, config("pg03", ""));
        assertThat(reloader.reload()).isTrue();
        // Past the drain check: a configuration counted as drained while a client it accepted waits would be retired.
        Thread.sleep(2 * ProxyDaemon.DRAIN_CHECK.toMillis() + 500);
        early.getOutputStream().write(PgClient.startupMessage());

        assertThat(readLine(early.getInputStream())).as("the old configuration's server").isEqualTo("pg02");
    }

    @Test
    void aBadFileIsRefusedWithItsLineAndKeyAndTheConfigurationInForceStays() throws Exception {
        start(config("pg02", ""));

        Files.writeString(file, config("pg03", "maxconn: lots"));
        assertThat(reloader.reload()).isFalse();

        ReloadStatus status = daemon.snapshot().reload();
        assertThat(status.failed()).isEqualTo(1);
        assertThat(status.lastSucceeded()).isFalse();
        assertThat(status.lastFailure()).contains(file + ":1: global.maxconn: expected a whole number");
        assertThat(nodeBehind(plainPort)).as("still the old file's server").isEqualTo("pg02");
        assertThat(nodeBehind(primaryPort)).isEqualTo("pg01");

        Files.writeString(file, config("pg03", ""));
        assertThat(reloader.reload()).isTrue();
        assertThat(daemon.snapshot().reload().lastSucceeded()).isTrue();
        assertThat(nodeBehind(plainPort)).isEqualTo("pg03");
    }

    @Test
    void aListenerThatCannotBindLeavesEverythingAsItWas() throws Exception {
        start(config("pg02", ""));
        try (ServerSocket taken = new ServerSocket(0)) {
            Files.writeString(file, config("pg02", "").replace("127.0.0.1:" + plainPort,
                    "127.0.0.1:" + taken.getLocalPort()));

            assertThat(reloader.reload()).isFalse();
        }
        assertThat(daemon.snapshot().reload().lastFailure()).contains("cannot bind");
        assertThat(nodeBehind(plainPort)).isEqualTo("pg02");
        assertThat(nodeBehind(primaryPort)).isEqualTo("pg01");
    }

    @Test
    void noClientIsTurnedAwayWhileTheListenersChangeHands() throws Exception {
        start(config("pg02", ""));
        List<String> seen = new CopyOnWriteArrayList<>();
        List<String> errors = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread connector = new Thread(() -> {
            while (!stop.get()) {
                try {
                    seen.add(nodeBehind(primaryPort));
                } catch (IOException e) {
                    errors.add(e.toString());
                }
            }
        });
        connector.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 20);
            for (int i = 0; i < 10; i++) {
                Files.writeString(file, config(i % 2 == 0 ? "pg03" : "pg02", ""));
                assertThat(reloader.reload()).isTrue();
                int before = seen.size();
                await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= before + 10);
            }
        } finally {
            stop.set(true);
            connector.join(10_000);
        }
        assertThat(errors).isEmpty();
        assertThat(seen).containsOnly("pg01");
    }

    @Test
    void reloadDrainCutsTheSessionsStillOpenUnderAReplacedConfiguration() throws Exception {
        start(config("pg02", "reload-drain: 1s"));
        Socket before = openSession(plainPort, "pg02");

        assertThat(reloader.reload()).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> !stillOpen(before));
        assertThat(daemon.snapshot().reload().drainingSessions()).isZero();
    }

    @Test
    void whatOnlyARestartCanChangeIsKeptAndSaid() throws Exception {
        start(config("pg02", ""));
        Files.writeString(file, config("pg02", "maxconn: 10"));

        String summary = daemon.reload(ConfigLoader.load(file));

        assertThat(summary).contains("kept until a restart: global (maxconn, maxconn-startup, io, threads, buffers, keepalive)");
    }

    @Test
    void sighupReloadsTheFile() throws Exception {
        start(config("pg02", ""));
        reloader.reloadOnHangup();
        Files.writeString(file, config("pg03", ""));

        Signal.raise(new Signal("HUP"));

        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.snapshot().reload().succeeded() == 1);
        assertThat(nodeBehind(plainPort)).isEqualTo("pg03");
    }

    @Test
    void aMissingFileIsRefusedByName() throws Exception {
        start(config("pg02", ""));
        Files.delete(file);

        assertThat(reloader.reload()).isFalse();

        assertThat(daemon.snapshot().reload().lastFailure()).contains(file.toString());
        assertThat(nodeBehind(plainPort)).isEqualTo("pg02");
    }

    @Test
    void reloadsOfTheSameServersLeaveOneCheckPerServerAndDrainingGenerationsStillFollowIt() throws Exception {
        start(config("pg02", ""));
        List<Socket> onOldPrimary = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            onOldPrimary.add(openSession(primaryPort, "pg01"));
            assertThat(reloader.reload()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> daemon.snapshot().reload().drainingSessions() == 3);

        // inter 100ms: one check of pg02 is about 10 requests a second, four generations' own checks 40.
        int before = nodes.get(1).patroni.getRequestCount();
        Thread.sleep(2000);
        int perSecond = (nodes.get(1).patroni.getRequestCount() - before) / 2;
        assertThat(perSecond).as("requests a second to pg02's API with 3 generations draining").isBetween(5, 15);

        nodes.get(0).primaryStatus.set(503);
        nodes.get(1).primaryStatus.set(200);
        for (Socket s : onOldPrimary) {
            await("a draining generation still sees pg01 lose the role").atMost(Duration.ofSeconds(5))
                    .until(() -> !stillOpen(s));
        }
        assertThat(nodeBehind(primaryPort)).isEqualTo("pg02");
    }

    @Test
    void reloadsWithTheSameDcsSectionShareOneLeaderWatch() throws Exception {
        try (ProxyDaemonTest.FakeEtcd etcd = new ProxyDaemonTest.FakeEtcd("pg01")) {
            dcsSection = "dcs: {type: etcd, hosts: [\"127.0.0.1:" + etcd.server.getPort() + "\"], scope: batman}\n";
            start(config("pg02", ""));
            int before = etcd.server.getRequestCount();
            Thread.sleep(3000);
            int alone = etcd.server.getRequestCount() - before;

            for (int i = 0; i < 3; i++) {
                openSession(primaryPort, "pg01");
                assertThat(reloader.reload()).isTrue();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> daemon.snapshot().reload().drainingSessions() == 3);
            before = etcd.server.getRequestCount();
            Thread.sleep(3000);
            int withThreeDraining = etcd.server.getRequestCount() - before;

            assertThat(withThreeDraining).as("requests to etcd in 3 s; %d with one generation", alone)
                    .isLessThanOrEqualTo(alone + 3);
            // Every watch that gave up left a request waiting in the fake: answer them all before it closes.
            daemon.close();
            daemon = null;
            etcd.closed = true;
            for (int i = 0; i < etcd.server.getRequestCount(); i++) {
                etcd.nextLeader.add("pg01");
            }
        }
    }

    /** The configuration with an {@code admin} section serving {@code socket}. */
    private String withAdmin(String yaml, Path socket) {
        return yaml.replace("stats:\n", "admin: {socket: {path: " + socket + ", mode: \"0660\"}}\nstats:\n");
    }

    /** What the runtime API on {@code socket} answers to {@code commands} before it closes the connection. */
    private static String cli(Path socket, String commands) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                channel.write(ByteBuffer.wrap(commands.getBytes(StandardCharsets.UTF_8)));
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                ByteBuffer buffer = ByteBuffer.allocate(8192);
                while (channel.read(buffer.clear()) >= 0) {
                    answer.write(buffer.array(), 0, buffer.position());
                }
                return answer.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void theRuntimeApiKeepsServingAcrossReloadsAndMovesWithItsPath() throws Exception {
        Path first = dir.resolve("admin.sock");
        start(withAdmin(config("pg02", ""), first));
        assertThat(cli(first, "show backend\n")).isEqualTo("# name\nprimary\nplain\n\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first))).isEqualTo("rw-rw----");

        try (SocketChannel interactive = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            interactive.connect(UnixDomainSocketAddress.of(first));
            interactive.write(ByteBuffer.wrap("prompt\n".getBytes(StandardCharsets.UTF_8)));
            Files.writeString(file, withAdmin(config("pg03", ""), first));
            assertThat(reloader.reload()).isTrue();

            assertThat(cli(first, "show servers state plain\n")).as("the new configuration, on the same socket")
                    .contains(" plain 1 pg03 127.0.0.1 ");
            interactive.write(ByteBuffer.wrap("show backend\nquit\n".getBytes(StandardCharsets.UTF_8)));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (interactive.read(buffer.clear()) >= 0) {
                answer.write(buffer.array(), 0, buffer.position());
            }
            assertThat(answer.toString(StandardCharsets.UTF_8)).as("a connection open across the reload carries on")
                    .isEqualTo("\n> # name\nprimary\nplain\n\n> ");
        }

        Path second = dir.resolve("moved.sock");
        Files.writeString(file, withAdmin(config("pg03", ""), second));
        assertThat(reloader.reload()).isTrue();
        assertThat(first).doesNotExist();
        String csv = cli(second, "show stat\n");
        assertThat(csv).endsWith(",\n\n");
        assertThat(csv.lines().filter(l -> !l.isEmpty()).map(l -> l.split(",")[0] + "," + l.split(",")[1]))
                .containsExactly("# pxname,svname", "primary,FRONTEND", "primary,pg01", "primary,pg02",
                        "primary,pg03", "primary,BACKEND", "plain,FRONTEND", "plain,pg03", "plain,BACKEND");
        assertThat(cli(second, "disable server primary/pg01\n")).as("operator, the socket's level unless given, as in HAProxy 2.6")
                .startsWith("Permission denied");
        assertThat(cli(second, "show cluster\n")).contains("dcs: none", "\npg01 pg01 127.0.0.1:")
                .containsPattern("\\npg01 pg01 127\\.0\\.0\\.1:\\d+ primary - - primary\\n");

        daemon.close();
        daemon = null;
        assertThat(second).as("removed on close").doesNotExist();
    }

    @Test
    void aSocketThatCannotBeBoundRefusesTheReloadAndTheOneInForceStays() throws Exception {
        Path first = dir.resolve("admin.sock");
        start(withAdmin(config("pg02", ""), first));
        Path taken = dir.resolve("taken.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(taken));
            Files.writeString(file, withAdmin(config("pg03", ""), taken));

            assertThat(reloader.reload()).isFalse();
        }
        assertThat(daemon.snapshot().reload().lastFailure()).contains("another process serves " + taken);
        assertThat(nodeBehind(plainPort)).as("nothing else changed").isEqualTo("pg02");
        assertThat(cli(first, "show backend\n")).isEqualTo("# name\nprimary\nplain\n\n");

        Files.writeString(file, config("pg02", ""));
        assertThat(reloader.reload()).isTrue();
        assertThat(first).as("a reload without the admin section closes the runtime API").doesNotExist();
    }
}
