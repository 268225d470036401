package dev.patroxy.proxy.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.patroxy.config.AdminConfig;
import dev.patroxy.config.AdminLevel;
import dev.patroxy.config.BindAddress;
import dev.patroxy.stats.CsvStats;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The runtime API through real UNIX (and TCP) sockets, on both transports. */
class RuntimeServerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String BACKENDS = "# name\nprimary\nreplicas\n";

    @TempDir
    Path dir;
    private RuntimeServer server;
    private RuntimeFixtures.RecordingActions actions;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static RuntimeTransport transport(String name) {
        if (name.equals("epoll")) {
            assumeTrue(Epoll.isAvailable(), "epoll is not available here");
            return RuntimeTransport.epoll();
        }
        return RuntimeTransport.nio();
    }

    private Path start(RuntimeTransport transport, AdminConfig.Limits limits) throws InterruptedException {
        Path path = dir.resolve("admin.sock");
        actions = new RuntimeFixtures.RecordingActions();
        server = new RuntimeServer(new RuntimeCommands(RuntimeFixtures.view(), Optional.of(actions)), transport);
        server.apply(admin(path, 0600, limits));
        awaitNoConnection();
        return path;
    }

    /** The server's own first connection (its warm-up) has closed: every place is free. */
    private void awaitNoConnection() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (server.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.openConnections()).isZero();
    }

    private static AdminConfig admin(Path path, int mode, AdminConfig.Limits limits) {
        return new AdminConfig(Optional.of(new AdminConfig.Socket(path, mode, Optional.empty(), Optional.empty(),
                AdminLevel.ADMIN)), Optional.empty(), AdminLevel.OPERATOR, limits, Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void answersOneCommandThenAnEmptyLineAndCloses(String transport) throws Exception {
        Path path = start(transport(transport), AdminConfig.Limits.DEFAULTS);

        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("show backend\n").untilClosed(WAIT)).isEqualTo(BACKENDS + "\n");
        }
        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("show stat\n").untilClosed(WAIT))
                    .isEqualTo(new CsvStats().render(RuntimeFixtures.snapshot()) + "\n");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void answersEveryCommandSentBeforeClosing(String transport) throws Exception {
        Path path = start(transport(transport), AdminConfig.Limits.DEFAULTS);

        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("show backend; disable server primary/pg01\r\nget weight primary/pg01\n")
                    .untilClosed(WAIT)).isEqualTo(BACKENDS + "\n\n\n");
        }
        assertThat(actions.calls).containsExactly("setServerState(primary, pg01, maint)", "getWeight(primary, pg01)");
        // Netty's NIO domain sockets cannot be half-closed: the end of the input closes them, answered or not.
        assumeTrue(transport.equals("epoll"), "a last line cut by the end of the input is answered on epoll only");
        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("show backend").shutdownOutput().untilClosed(WAIT))
                    .as("a last line without its newline, then the end of the input").isEqualTo(BACKENDS + "\n");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void promptKeepsTheConnectionUntilQuit(String transport) throws Exception {
        Path path = start(transport(transport), AdminConfig.Limits.DEFAULTS);

        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("prompt\n").until("> ", WAIT)).isEqualTo("\n> ");
            assertThat(client.send("show backend\n").until("> ", WAIT)).isEqualTo(BACKENDS + "\n> ");
            assertThat(client.send("frobnicate\n").until("> ", WAIT)).startsWith("Unknown command");
            assertThat(client.closedWithin(Duration.ofMillis(200))).isFalse();
            assertThat(client.send("quit\n").untilClosed(WAIT)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void anOverlongLineIsAnsweredAndTheConnectionClosedAsHaproxyClosesIt(String transport) throws Exception {
        Path path = start(transport(transport), new AdminConfig.Limits(10, 64, Duration.ofSeconds(10)));

        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("prompt\n").until("> ", WAIT)).isEqualTo("\n> ");
            assertThat(client.send("show " + "x".repeat(100) + "\n").untilClosed(WAIT))
                    .isEqualTo("Command line too long: a line may hold at most 64 bytes. Closing the connection.\n");
        }
        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("show backend " + "y".repeat(50) + "\n").untilClosed(WAIT))
                    .as("up to the limit is a line").isEqualTo(BACKENDS + "\n");
        }
    }

    @Test
    void binaryJunkIsAnsweredAndTheConnectionStaysInInteractiveMode() throws Exception {
        Path path = start(RuntimeTransport.best(), AdminConfig.Limits.DEFAULTS);

        try (CliClient client = CliClient.unix(path)) {
            client.send("prompt\n").until("> ", WAIT);
            assertThat(client.send("\u0000\u00ff\u0001\u001b[A\u00c3\n").until("> ", WAIT)).startsWith("Unknown command");
            assertThat(client.send("show backend\n").until("> ", WAIT)).isEqualTo(BACKENDS + "\n> ");
        }
        assertThat(actions.calls).isEmpty();
    }

    @Test
    void oneConnectionPastMaxconnIsToldSoAndClosed() throws Exception {
        Path path = start(RuntimeTransport.best(), new AdminConfig.Limits(1, 16384, Duration.ofSeconds(10)));

        try (CliClient first = CliClient.unix(path)) {
            first.send("prompt\n").until("> ", WAIT);
            try (CliClient second = CliClient.unix(path)) {
                assertThat(second.untilClosed(WAIT)).startsWith("Too many runtime API connections (admin.maxconn is 1)");
            }
            assertThat(first.send("show backend\n").until("> ", WAIT)).isEqualTo(BACKENDS + "\n> ");
        }
        awaitNoConnection();
        try (CliClient third = CliClient.unix(path)) {
            assertThat(third.send("show backend\n").untilClosed(WAIT)).as("the place is free again")
                    .isEqualTo(BACKENDS + "\n");
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheTimeoutWhichSetTimeoutCliChanges() throws Exception {
        Path path = start(RuntimeTransport.best(), new AdminConfig.Limits(10, 16384, Duration.ofMillis(300)));

        try (CliClient silent = CliClient.unix(path)) {
            assertThat(silent.closedWithin(WAIT)).isTrue();
        }
        try (CliClient client = CliClient.unix(path)) {
            client.send("prompt\n").until("> ", WAIT);
            client.send("set timeout cli 2\n").until("> ", WAIT);
            assertThat(client.closedWithin(Duration.ofMillis(1000))).as("2 s now, not 300 ms").isFalse();
            assertThat(client.closedWithin(WAIT)).isTrue();
        }
    }

    @Test
    void aClientThatTakesNoAnswerStopsBeingReadAndHoldsUpNoOne() throws Exception {
        Path path = start(RuntimeTransport.best(), new AdminConfig.Limits(10, 16384, Duration.ofSeconds(30)));
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (SocketChannel greedy = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            greedy.connect(UnixDomainSocketAddress.of(path));
            byte[] commands = ("prompt\n" + "show stat\n".repeat(200_000)).getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                try {
                    ByteBuffer bytes = ByteBuffer.wrap(commands);
                    while (bytes.hasRemaining()) {
                        greedy.write(bytes);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, writer);

            Thread.sleep(1500);
            assertThat(written).as("2 MB of commands: the server stopped reading them once its answers piled up")
                    .isNotDone();
            try (CliClient other = CliClient.unix(path)) {
                assertThat(other.send("show backend\n").untilClosed(WAIT)).isEqualTo(BACKENDS + "\n");
            }
        } finally {
            writer.shutdownNow();
            assertThat(writer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theSocketFileGetsItsModeAndGroupAndIsRemovedOnClose() throws Exception {
        Path path = dir.resolve("admin.sock");
        String group = Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class).group().getName();
        server = new RuntimeServer(new RuntimeCommands(RuntimeFixtures.view(), Optional.empty()));
        server.apply(new AdminConfig(Optional.of(new AdminConfig.Socket(path, 0660, Optional.empty(),
                Optional.of(group), AdminLevel.ADMIN)), Optional.empty(), AdminLevel.OPERATOR,
                AdminConfig.Limits.DEFAULTS, Optional.empty()));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-rw----");
        assertThat(Files.readAttributes(path, java.nio.file.attribute.PosixFileAttributes.class).group().getName())
                .isEqualTo(group);
        assertThat(Files.list(dir)).as("no temporary name left behind").containsExactly(path);

        server.apply(admin(path, 0600, AdminConfig.Limits.DEFAULTS));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).as("a reload's new mode")
                .isEqualTo("rw-------");

        server.close();
        server = null;
        assertThat(path).doesNotExist();
    }

    @Test
    void aStaleSocketIsReplacedButNotAFileOrALiveSocket() throws Exception {
        Path path = dir.resolve("admin.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path));
        }
        assertThat(path).as("closing a socket leaves its file").exists();
        server = new RuntimeServer(new RuntimeCommands(RuntimeFixtures.view(), Optional.empty()));
        server.apply(admin(path, 0600, AdminConfig.Limits.DEFAULTS));
        try (CliClient client = CliClient.unix(path)) {
            assertThat(client.send("show backend\n").untilClosed(WAIT)).isEqualTo(BACKENDS + "\n");
        }
        server.close();

        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "keep me");
        server = new RuntimeServer(new RuntimeCommands(RuntimeFixtures.view(), Optional.empty()));
        assertThatThrownBy(() -> server.apply(admin(file, 0600, AdminConfig.Limits.DEFAULTS)))
                .hasMessageContaining("exists and is not a socket");
        assertThat(Files.readString(file)).isEqualTo("keep me");

        Path live = dir.resolve("live.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(live));
            assertThatThrownBy(() -> server.apply(admin(live, 0600, AdminConfig.Limits.DEFAULTS)))
                    .hasMessageContaining("another process serves " + live);
        }
    }

    @Test
    void aNewPathIsBoundBeforeTheOldOneClosesAndAFailedBindChangesNothing() throws Exception {
        Path first = start(RuntimeTransport.best(), AdminConfig.Limits.DEFAULTS);
        Path second = dir.resolve("other.sock");
        try (CliClient interactive = CliClient.unix(first)) {
            interactive.send("prompt\n").until("> ", WAIT);

            server.apply(admin(second, 0600, AdminConfig.Limits.DEFAULTS));

            assertThat(first).doesNotExist();
            try (CliClient client = CliClient.unix(second)) {
                assertThat(client.send("show backend\n").untilClosed(WAIT)).isEqualTo(BACKENDS + "\n");
            }
            assertThat(interactive.send("show backend\n").until("> ", WAIT)).as("open connections carry on")
                    .isEqualTo(BACKENDS + "\n> ");
        }

        assertThatThrownBy(() -> server.apply(admin(dir.resolve("gone").resolve("a.sock"), 0600,
                AdminConfig.Limits.DEFAULTS))).hasMessageContaining("cannot bind");
        assertThat(server.socketPath()).contains(second);
        try (CliClient client = CliClient.unix(second)) {
            assertThat(client.send("show backend\n").untilClosed(WAIT)).isEqualTo(BACKENDS + "\n");
        }

        server.apply(AdminConfig.NONE);
        assertThat(second).doesNotExist();
        assertThat(server.socketPath()).isEmpty();
    }

    @Test
    void servesOnALoopbackTcpPortToo() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        server = new RuntimeServer(new RuntimeCommands(RuntimeFixtures.view(), Optional.empty()));
        server.apply(new AdminConfig(Optional.empty(), Optional.of(new BindAddress("127.0.0.1", port)),
                AdminLevel.OPERATOR, AdminConfig.Limits.DEFAULTS, Optional.empty()));

        try (CliClient client = CliClient.tcp(new InetSocketAddress("127.0.0.1", port))) {
            assertThat(client.send("disable server primary/pg01\n").untilClosed(WAIT))
                    .as("operator, the TCP bind's level unless given: every local user reaches it")
                    .isEqualTo(RuntimeCommands.PERMISSION_DENIED + "\n");
        }

        server.apply(new AdminConfig(Optional.empty(), Optional.of(new BindAddress("127.0.0.1", port)),
                AdminLevel.ADMIN, AdminConfig.Limits.DEFAULTS, Optional.empty()));

        try (CliClient client = CliClient.tcp(new InetSocketAddress("127.0.0.1", port))) {
            assertThat(client.send("disable server primary/pg01\n").untilClosed(WAIT))
                    .as("a reload's new level, on the same port").isEqualTo(RuntimeCommands.NO_ACTIONS + "\n");
        }
    }


    @Test
    void aRebindCompletesWhileACommandWaitsForWhatTheRebindingThreadHolds() throws Exception {
        CountDownLatch commandStarted = new CountDownLatch(1);
        AtomicBoolean rebound = new AtomicBoolean();
        RuntimeView waiting = new RuntimeView() {
            /** Spins rather than parks, as a thread held at a monitor would wait, unseen by the blocking check. */
            @Override
            public dev.patroxy.stats.StatsSnapshot snapshot() {
                commandStarted.countDown();
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (!rebound.get() && System.nanoTime() < deadline) {
                    // waiting for the rebinding thread, as a command waits for the daemon's lock during a reload
                }
                return RuntimeFixtures.snapshot();
            }

            @Override
            public dev.patroxy.config.PatroxyConfig config() {
                return RuntimeFixtures.config();
            }

            @Override
            public java.util.List<ClusterMember> members() {
                return java.util.List.of();
            }

            @Override
            public ProcessFacts process() {
                return RuntimeFixtures.view().process();
            }
        };
        Path first = dir.resolve("admin.sock");
        server = new RuntimeServer(new RuntimeCommands(waiting, Optional.empty()));
        server.apply(admin(first, 0600, AdminConfig.Limits.DEFAULTS));

        try (CliClient client = CliClient.unix(first)) {
            client.send("show stat\n");
            assertThat(commandStarted.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> apply = CompletableFuture.runAsync(() ->
                    server.apply(admin(dir.resolve("second.sock"), 0600, AdminConfig.Limits.DEFAULTS)));
            apply.get(3, TimeUnit.SECONDS);
            rebound.set(true);
            assertThat(client.untilClosed(WAIT)).startsWith("# pxname,svname,");
        }
    }
}
