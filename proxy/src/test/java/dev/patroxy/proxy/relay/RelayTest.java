package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import dev.patroxy.proxy.health.HealthSnapshot;
import dev.patroxy.proxy.routing.Admission;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import io.netty.channel.EventLoopGroup;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay over real loopback sockets: a client, patroxy, and an in-process TCP server; run once per socket
 * engine by the subclasses.
 */
@Timeout(60)
abstract class RelayTest {
    private static final CheckConfig CHECK = new CheckConfig(
            "OPTIONS", "/primary", 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1);

    private final Transport transport = transport();

    /** The engine under test; called during construction, so it may not use the subclass's fields. */
    abstract Transport transport();
    private final EventLoopGroup boss = transport.newEventLoopGroup(1);
    private final EventLoopGroup workers = transport.newEventLoopGroup(2);
    private ProxyListener listener;
    private Admission globalLimit;
    private Admission startupLimit;
    private FirstPacketPlaces firstPacketPlaces = new FirstPacketPlaces(10_000);
    private ServerSocket backendSocket;

    @AfterEach
    void tearDown() throws IOException {
        if (listener != null) {
            listener.close();
        }
        if (backendSocket != null) {
            backendSocket.close();
        }
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private int startProxy(int backendPort, Duration clientTimeout, boolean routable) {
        return startProxy(Balance.PRIMARY, clientTimeout, routable, backendPort);
    }

    private int startProxy(Balance balance, Duration clientTimeout, boolean routable, int... backendPorts) {
        return startProxy(balance, clientTimeout, routable, new Limits(0, 0, 0, Duration.ofSeconds(1)), backendPorts);
    }

    /** The {@code maxconn} settings of a test proxy: the proxy's, the listener's, each server's, the startup's. */
    record Limits(int global, int listener, int server, Duration queueTimeout, int startup) {
        Limits(int global, int listener, int server, Duration queueTimeout) {
            this(global, listener, server, queueTimeout, 0);
        }
    }

    private Duration serverFinTimeout = Duration.ofMinutes(1);
    private Duration holdTimeout = Duration.ZERO;
    private Duration clientStartupTimeout = Duration.ofSeconds(10);
    /** Off unless a test asks: most tests relay bytes that are not PostgreSQL's. */
    private Duration clientHelloTimeout = Duration.ZERO;

    /** patroxy reads the client's first packet itself, as by default: for the tests whose clients speak PostgreSQL. */
    private void readFirstPacket() {
        clientHelloTimeout = Timeouts.DEFAULT_CLIENT_HELLO;
    }
    private int releaseRate;
    private boolean tcplog;
    private CheckConfig check = CHECK;

    private int startProxy(Balance balance, Duration clientTimeout, boolean routable, Limits limits,
            int... backendPorts) {
        List<ServerConfig> servers = java.util.stream.IntStream.range(0, backendPorts.length)
                .mapToObj(i -> new ServerConfig("pg0" + (i + 1), new HostPort("127.0.0.1", backendPorts[i]),
                        new HostPort("127.0.0.1", 8008), limits.server()))
                .toList();
        ListenerConfig config = new ListenerConfig("primary", List.of(new BindAddress("127.0.0.1", 0)),
                balance, Optional.of(check),
                new Timeouts(Duration.ofSeconds(1), clientTimeout, Duration.ofMinutes(1), limits.queueTimeout(),
                        Duration.ofMinutes(1), serverFinTimeout, holdTimeout, clientStartupTimeout,
                        clientHelloTimeout),
                2, limits.listener(), true, tcplog, releaseRate, servers);
        ListenerRouter router = new ListenerRouter(config,
                servers.stream().map(s -> new Backend("primary", s, Optional.of(check), Instant.EPOCH)).toList());
        if (routable) {
            router.backends().forEach(b -> b.publishHealth(HealthSnapshot.unchecked(Instant.EPOCH), null, 0));
        }
        router.refresh(b -> routable);
        globalLimit = new Admission(limits.global(), System::nanoTime);
        startupLimit = new Admission(limits.startup(), System::nanoTime);
        listener = new ProxyListener(router, globalLimit, startupLimit, firstPacketPlaces);
        listener.bind(boss, workers, transport);
        return listener.boundPorts().get(0);
    }

    private Backend backend() {
        return listener.router().backends().get(0);
    }

    /** A one-connection TCP server; {@code session} runs on its own thread with the accepted socket. */
    private int startBackend(SocketSession session) throws IOException {
        backendSocket = new ServerSocket(0);
        Thread thread = new Thread(() -> {
            try (Socket s = backendSocket.accept()) {
                session.run(s);
            } catch (IOException ignored) {
                // the test asserts on what the client saw
            }
        }, "test-backend");
        thread.setDaemon(true);
        thread.start();
        return backendSocket.getLocalPort();
    }

    /**
     * A TCP server that greets each connection with its number ("1\n", "2\n", ...) and holds it open until the
     * client's end of stream, as PostgreSQL does.
     */
    private int startGreetingBackend(AtomicLong accepted) throws IOException {
        backendSocket = new ServerSocket(0);
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread thread = new Thread(() -> {
            while (!backendSocket.isClosed()) {
                try {
                    Socket s = backendSocket.accept();
                    held.add(s);
                    s.getOutputStream().write((accepted.incrementAndGet() + "\n").getBytes(StandardCharsets.US_ASCII));
                    Thread closer = new Thread(() -> {
                        try (s) {
                            s.getInputStream().readAllBytes();
                        } catch (IOException ignored) {
                            // closing is all that is left to do
                        }
                    }, "test-greeting-session");
                    closer.setDaemon(true);
                    closer.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-greeting-backend");
        thread.setDaemon(true);
        thread.start();
        return backendSocket.getLocalPort();
    }

    private static String readLine(Socket s) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c; (c = s.getInputStream().read()) >= 0 && c != '\n'; ) {
            line.append((char) c);
        }
        return line.toString();
    }

    interface SocketSession {
        void run(Socket socket) throws IOException;
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        return s;
    }

    @Test
    void relaysBytesBothWaysAndCountsThem() throws Exception {
        int backendPort = startBackend(s -> {
            byte[] buf = new byte[5];
            s.getInputStream().readNBytes(buf, 0, 5);
            s.getOutputStream().write(("echo:" + new String(buf, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().read();
        });
        int port = startProxy(backendPort, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = client.getInputStream().readNBytes(10);
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("echo:hello");
            assertThat(backend().traffic().current()).isEqualTo(1);
            assertThat(listener.frontend().current()).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(listener.frontend().current()).isZero();
            assertThat(backend().traffic().current()).isZero();
        });
        assertThat(backend().traffic().bytesIn()).isEqualTo(5);
        assertThat(backend().traffic().bytesOut()).isEqualTo(10);
        assertThat(backend().traffic().total()).isEqualTo(1);
        assertThat(listener.frontend().bytesIn()).isEqualTo(5);
        assertThat(listener.frontend().bytesOut()).isEqualTo(10);
        assertThat(listener.frontend().max()).isEqualTo(1);
    }

    @Test
    void withTcplogEachSessionEndsWithOneLogLine() throws Exception {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("patroxy.tcplog");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            int backendPort = startBackend(s -> {
                s.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().readAllBytes();
            });
            tcplog = true;
            int port = startProxy(backendPort, Duration.ofMinutes(1), true);
            try (Socket client = connect(port)) {
                assertThat(client.getInputStream().readNBytes(2)).hasSize(2);
                client.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.list.size() == 1);
            assertThat(lines.list.get(0).getFormattedMessage())
                    .matches("127\\.0\\.0\\.1:\\d+ \\[.*\\] primary primary/pg01 0/\\d+/\\d+ 2 3 CD 0 \\(client closed\\)");
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void passesAHalfCloseOnAndKeepsTheOtherDirectionOpen() throws Exception {
        CompletableFuture<Integer> backendSawEof = new CompletableFuture<>();
        int backendPort = startBackend(s -> {
            InputStream in = s.getInputStream();
            byte[] request = in.readNBytes(4);
            backendSawEof.complete(in.read());
            s.getOutputStream().write(("after-fin:" + new String(request, StandardCharsets.US_ASCII))
                    .getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
        });
        int port = startProxy(backendPort, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();

            assertThat(backendSawEof.get(10, TimeUnit.SECONDS)).as("the server reads EOF").isEqualTo(-1);
            byte[] reply = client.getInputStream().readAllBytes();
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("after-fin:ping");
        }
    }

    @Test
    void stopsReadingFromTheServerWhileTheClientDoesNotReadThenDeliversEveryByte() throws Exception {
        long total = 256L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        CompletableFuture<byte[]> sentDigest = new CompletableFuture<>();
        int backendPort = startBackend(s -> {
            // Read the client's byte so that closing at the end is a FIN, not a reset that drops data.
            s.getInputStream().read();
            MessageDigest digest = sha256();
            byte[] chunk = new byte[64 * 1024];
            OutputStream out = s.getOutputStream();
            for (long sent = 0; sent < total; sent += chunk.length) {
                chunk[(int) (sent / chunk.length) % chunk.length] ^= 0x5a;
                out.write(chunk);
                digest.update(chunk);
                written.addAndGet(chunk.length);
            }
            s.shutdownOutput();
            sentDigest.complete(digest.digest());
        });
        int port = startProxy(backendPort, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            client.getOutputStream().write('x');
            Thread.sleep(1500);
            assertThat(written.get())
                    .as("with the client not reading, patroxy must stop reading the server (bounded buffering)")
                    .isLessThan(64L * 1024 * 1024);

            MessageDigest received = sha256();
            byte[] buf = new byte[128 * 1024];
            long count = 0;
            InputStream in = client.getInputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                received.update(buf, 0, n);
                count += n;
            }
            assertThat(count).isEqualTo(total);
            assertThat(received.digest()).isEqualTo(sentDigest.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aServerThatNeverClosesAfterTheClientsEndOfStreamIsCutAfterServerFin() throws Exception {
        CompletableFuture<Integer> backendSawEof = new CompletableFuture<>();
        java.util.concurrent.CountDownLatch testDone = new java.util.concurrent.CountDownLatch(1);
        int backendPort = startBackend(s -> {
            backendSawEof.complete(s.getInputStream().read());
            try {
                testDone.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        serverFinTimeout = Duration.ofMillis(300);
        int port = startProxy(backendPort, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            client.shutdownOutput();
            assertThat(backendSawEof.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
            long start = System.nanoTime();
            assertThat(client.getInputStream().read()).as("closed by server-fin, not the 1-minute server timeout")
                    .isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000L);
        } finally {
            testDone.countDown();
        }
    }

    @Test
    void aServerThatRefusesIsRetriedThenTheClientIsClosed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        int port = startProxy(closedPort, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(backend().connectErrors()).as("one attempt plus two retries").isEqualTo(3);
    }

    @Test
    void aServerThatNeverAnswersIsGivenUpAfterTimeoutConnectOnEachAttempt() throws Exception {
        try (ServerSocket full = new ServerSocket(0, 1)) {
            List<Socket> queued = fillAcceptQueue(full.getLocalPort());
            int port = startProxy(full.getLocalPort(), Duration.ofMinutes(1), true);
            long start = System.nanoTime();
            try (Socket client = connect(port)) {
                assertThat(client.getInputStream().read()).isEqualTo(-1);
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).as("three attempts, each cut at timeout connect (1 s)").isBetween(2_900L, 10_000L);
            assertThat(backend().connectErrors()).isEqualTo(3);
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    /**
     * Connects to {@code port} until the kernel stops answering: a listener that never accepts, once its accept
     * queue is full, drops further SYNs, so the next connection attempt hangs as with an unreachable host.
     */
    private static List<Socket> fillAcceptQueue(int port) throws IOException {
        List<Socket> queued = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            try {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 300);
                queued.add(s);
            } catch (java.net.SocketTimeoutException e) {
                s.close();
                return queued;
            }
        }
        throw new IllegalStateException("the accept queue of port " + port + " never filled");
    }

    @Test
    void onRoundRobinARefusedConnectionIsRetriedOnTheNextServer() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        int livePort = startBackend(s -> s.getOutputStream().write("live\n".getBytes(StandardCharsets.US_ASCII)));
        int port = startProxy(Balance.ROUNDROBIN, Duration.ofMinutes(1), true, closedPort, livePort);

        try (Socket client = connect(port)) {
            assertThat(new String(client.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
                    .isEqualTo("live\n");
        }
        assertThat(listener.router().backends().get(0).connectErrors()).isEqualTo(1);
    }

    @Test
    void pastTheServersMaxconnASessionWaitsInTheQueueUntilAPlaceFrees() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startGreetingBackend(accepted);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true,
                new Limits(0, 0, 1, Duration.ofSeconds(20)), backendPort);

        try (Socket first = connect(port)) {
            assertThat(readLine(first)).isEqualTo("1");
            Socket second = connect(port);
            await().atMost(Duration.ofSeconds(5)).until(() -> backend().admission().queued() == 1);
            Thread.sleep(200);
            assertThat(accepted.get()).as("the server never sees more than maxconn sessions").isEqualTo(1);

            first.close();

            assertThat(readLine(second)).isEqualTo("2");
            assertThat(backend().admission().queued()).isZero();
            assertThat(backend().admission().maxQueued()).isEqualTo(1);
            second.close();
        }
    }

    @Test
    void aQueuedSessionIsClosedAfterTimeoutQueue() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startGreetingBackend(accepted);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true,
                new Limits(0, 0, 1, Duration.ofMillis(300)), backendPort);

        try (Socket first = connect(port)) {
            assertThat(readLine(first)).isEqualTo("1");
            Socket second = connect(port);
            long start = System.nanoTime();
            assertThat(second.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 10_000L);
            second.close();
        }
        assertThat(backend().admission().timeouts()).isEqualTo(1);
        assertThat(accepted.get()).isEqualTo(1);
    }

    @Test
    void pastTheListenersMaxconnAClientWaitsUnreadUntilASessionEnds() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startGreetingBackend(accepted);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true,
                new Limits(0, 1, 0, Duration.ofMillis(300)), backendPort);

        try (Socket first = connect(port)) {
            assertThat(readLine(first)).isEqualTo("1");
            Socket second = connect(port);
            Thread.sleep(600);
            assertThat(accepted.get()).as("no second session, and no queue timeout either").isEqualTo(1);
            assertThat(listener.frontend().current()).isEqualTo(1);

            first.close();

            assertThat(readLine(second)).isEqualTo("2");
            second.close();
        }
    }

    @Test
    void theProxysMaxconnCountsEveryListener() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startGreetingBackend(accepted);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true,
                new Limits(1, 0, 0, Duration.ofMillis(300)), backendPort);

        try (Socket first = connect(port)) {
            assertThat(readLine(first)).isEqualTo("1");
            Socket second = connect(port);
            Thread.sleep(300);
            assertThat(accepted.get()).isEqualTo(1);
            first.close();
            assertThat(readLine(second)).isEqualTo("2");
            second.close();
        }
    }

    @Test
    void withNoRoutableServerTheClientIsClosedAndCountedAsRefused() throws Exception {
        int port = startProxy(1, Duration.ofMinutes(1), false);

        try (Socket client = connect(port)) {
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> listener.refused() == 1);
        assertThat(backend().connectErrors()).isZero();
    }

    @Test
    void withHoldAClientWaitsForAServerInsteadOfBeingTurnedAway() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startGreetingBackend(accepted);
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(backendPort, Duration.ofMinutes(1), false);

        try (Socket client = connect(port)) {
            client.getOutputStream().write("early bytes".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.router().held().size() == 1);
            assertThat(accepted.get()).as("held, not connected").isZero();

            listener.router().refresh(b -> true);

            assertThat(readLine(client)).isEqualTo("1");
        }
        assertThat(listener.router().held().released()).isEqualTo(1);
        assertThat(listener.refused()).isZero();
    }

    @Test
    void withHoldAClientWhoseServerRefusesEveryAttemptWaitsForTheRoutingToChange() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        AtomicLong accepted = new AtomicLong();
        int livePort = startGreetingBackend(accepted);
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, closedPort, livePort);

        try (Socket client = connect(port)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.router().held().size() == 1);
            assertThat(listener.router().backends().get(0).connectErrors()).as("one attempt plus two retries")
                    .isEqualTo(3);

            Backend refusing = listener.router().backends().get(0);
            listener.router().refresh(b -> b != refusing);

            assertThat(readLine(client)).isEqualTo("1");
        }
        assertThat(listener.refused()).isZero();
    }

    @Test
    void aPrimaryOnlyTheLeaderKeyKeepsIsNotRetriedWhenItTakesNoConnectionAndItsClientWaitsForTheNext()
            throws Exception {
        try (ServerSocket unreachable = new ServerSocket(0, 1)) {
            List<Socket> queued = fillAcceptQueue(unreachable.getLocalPort());
            AtomicLong accepted = new AtomicLong();
            int livePort = startGreetingBackend(accepted);
            holdTimeout = Duration.ofSeconds(20);
            int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, unreachable.getLocalPort(), livePort);
            Backend cut = listener.router().backends().get(0);
            // Its check is DOWN (the node's link cut): the leader key alone keeps it routed.
            cut.publishHealth(HealthSnapshot.initial(Instant.EPOCH, 1), null, 0);

            try (Socket client = connect(port)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> listener.router().held().size() == 1);
                assertThat(cut.connectErrors()).as("one attempt, cut at timeout connect; no retry of a down node")
                        .isEqualTo(1);

                listener.router().refresh(b -> b != cut);

                assertThat(readLine(client)).isEqualTo("1");
            }
            assertThat(cut.connectErrors()).isEqualTo(1);
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    @Test
    void aServerThatTurnsTheStartupAwayWith57P03IsReplacedWithoutTheClientSeeingIt() throws Exception {
        readFirstPacket();
        startupTurnedAway(false);
    }

    @Test
    void aServerThatClosesOnTheStartupWithoutAWordIsReplacedToo() throws Exception {
        readFirstPacket();
        startupTurnedAway(true);
    }

    private void startupTurnedAway(boolean closeSilently) throws Exception {
        byte[] parameters = "user\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream startup = new ByteArrayOutputStream();
        new DataOutputStream(startup).writeInt(8 + parameters.length);
        new DataOutputStream(startup).writeInt(3 << 16);
        startup.write(parameters);
        byte[] startupBytes = startup.toByteArray();

        ServerSocket stopping = new ServerSocket(0);
        Thread refuser = new Thread(() -> {
            try (stopping; Socket s = stopping.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                in.readNBytes(8);
                s.getOutputStream().write('N');
                in.readNBytes(startupBytes.length);
                if (closeSilently) {
                    return;
                }
                ByteBuf refusal = PgStartup.fatalError(io.netty.buffer.ByteBufAllocator.DEFAULT, "57P03",
                        "the database system is shutting down");
                s.getOutputStream().write(io.netty.buffer.ByteBufUtil.getBytes(refusal));
                refusal.release();
            } catch (IOException ignored) {
                // the test asserts on what the client saw
            }
        }, "test-stopping-primary");
        refuser.setDaemon(true);
        refuser.start();
        CompletableFuture<byte[]> replayed = new CompletableFuture<>();
        int nextPort = startBackend(s -> {
            replayed.complete(s.getInputStream().readNBytes(startupBytes.length));
            s.getOutputStream().write("R-from-the-new-primary".getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().read();
        });
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, stopping.getLocalPort(), nextPort);

        try (Socket client = connect(port)) {
            DataOutputStream out = new DataOutputStream(client.getOutputStream());
            out.writeInt(8);
            out.writeInt(80877103);
            assertThat(client.getInputStream().read()).as("the first server declines SSL").isEqualTo('N');
            out.write(startupBytes);
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.router().held().size() == 1);

            Backend first = listener.router().backends().get(0);
            listener.router().refresh(b -> b != first);

            assertThat(replayed.get(10, TimeUnit.SECONDS)).as("the startup alone, replayed").isEqualTo(startupBytes);
            assertThat(new String(client.getInputStream().readNBytes(22), StandardCharsets.US_ASCII))
                    .as("the client never saw the refusal").isEqualTo("R-from-the-new-primary");
        }
        assertThat(listener.router().backends().get(0).connectErrors()).isEqualTo(1);
    }

    private static byte[] startupMessage() throws IOException {
        byte[] parameters = "user\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream startup = new ByteArrayOutputStream();
        new DataOutputStream(startup).writeInt(8 + parameters.length);
        new DataOutputStream(startup).writeInt(3 << 16);
        startup.write(parameters);
        return startup.toByteArray();
    }

    /** A backend message: type, Int32 length counting itself, body. */
    private static byte[] pgMessage(char type, byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        data.writeByte(type);
        data.writeInt(4 + body.length);
        data.write(body);
        return out.toByteArray();
    }

    /** What a server sends from AuthenticationOk to ReadyForQuery, reporting {@code in_hot_standby}. */
    private static byte[] authenticatedStartup(String inHotStandby) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(pgMessage('R', new byte[4]));
        out.write(pgMessage('S', ("in_hot_standby\0" + inHotStandby + "\0").getBytes(StandardCharsets.US_ASCII)));
        out.write(pgMessage('K', new byte[8]));
        out.write(pgMessage('Z', new byte[] {'I'}));
        return out.toByteArray();
    }

    /** A node in recovery that lets the client in without a password: answers the startup, then waits. */
    private static ServerSocket startStandby(byte[] startupBytes, byte[] beforeAuthenticated,
            CompletableFuture<byte[]> clientSaid) throws IOException {
        ServerSocket standby = new ServerSocket(0);
        Thread thread = new Thread(() -> {
            try (standby; Socket s = standby.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                in.readNBytes(startupBytes.length);
                s.getOutputStream().write(beforeAuthenticated);
                if (beforeAuthenticated.length > 0) {
                    clientSaid.complete(in.readNBytes(4));
                }
                s.getOutputStream().write(authenticatedStartup("on"));
                in.read();
            } catch (IOException ignored) {
                // the test asserts on what the client saw
            }
        }, "test-standby");
        thread.setDaemon(true);
        thread.start();
        return standby;
    }

    @Test
    void aClientThatSendsMoreThanTheWatchKeepsBeforeTheFirstAnswerIsRelayedAndItsPlacesGoBack() throws Exception {
        readFirstPacket();
        byte[] startupBytes = startupMessage();
        byte[] more = new byte[12_600];
        java.util.Arrays.fill(more, (byte) 'x');
        byte[] passwordRequest = pgMessage('R', new byte[] {0, 0, 0, 3});
        CompletableFuture<Integer> serverGot = new CompletableFuture<>();
        int backendPort = startBackend(s -> {
            serverGot.complete(s.getInputStream().readNBytes(startupBytes.length + more.length).length);
            s.getOutputStream().write(passwordRequest);
            s.getInputStream().read();
        });
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, new Limits(100, 0, 0,
                Duration.ofSeconds(1)), backendPort);

        try (Socket client = connect(port)) {
            client.setSoTimeout(5_000);
            client.getOutputStream().write(startupBytes);
            client.getOutputStream().write(more);
            assertThat(serverGot.get(10, TimeUnit.SECONDS)).isEqualTo(startupBytes.length + more.length);
            assertThat(client.getInputStream().readNBytes(passwordRequest.length))
                    .as("the server's answer reaches the client").isEqualTo(passwordRequest);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(listener.frontend().current()).isZero();
            assertThat(backend().traffic().current()).isZero();
            assertThat(globalLimit.inUse()).isZero();
            assertThat(startupLimit.inUse()).isZero();
        });
    }

    /** A server that answers each connection's first byte with "ok\n", then waits for the client's end. */
    private int startAnsweringBackend(AtomicLong accepted) throws IOException {
        backendSocket = new ServerSocket(0);
        Thread thread = new Thread(() -> {
            while (!backendSocket.isClosed()) {
                try {
                    Socket s = backendSocket.accept();
                    accepted.incrementAndGet();
                    Thread session = new Thread(() -> {
                        try (s) {
                            if (s.getInputStream().read() >= 0) {
                                s.getOutputStream().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                                s.getInputStream().readAllBytes();
                            }
                        } catch (IOException ignored) {
                            // closing is all that is left to do
                        }
                    }, "test-answering-session");
                    session.setDaemon(true);
                    session.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-answering-backend");
        thread.setDaemon(true);
        thread.start();
        return backendSocket.getLocalPort();
    }

    private void assertEveryPlaceGivenBack() {
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(listener.frontend().current()).as("frontend sessions").isZero();
            assertThat(backend().traffic().current()).as("server sessions").isZero();
            assertThat(backend().admission().inUse()).as("server places").isZero();
            assertThat(globalLimit.inUse()).as("global places").isZero();
            assertThat(startupLimit.inUse()).as("startup places").isZero();
        });
    }

    @Test
    void aClientThatStallsInItsStartupIsClosedAfterTimeoutClientStartup() throws Exception {
        // The server answers nothing to an incomplete startup, as PostgreSQL waits for the rest.
        int backendPort = startBackend(s -> s.getInputStream().readAllBytes());
        holdTimeout = Duration.ofSeconds(20);
        clientStartupTimeout = Duration.ofMillis(300);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, new Limits(10, 0, 0,
                Duration.ofSeconds(1), 10), backendPort);

        try (Socket client = connect(port)) {
            client.getOutputStream().write(0);
            long start = System.nanoTime();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 10_000L);
        }
        assertThat(listener.startupTimeouts()).isEqualTo(1);
        assertEveryPlaceGivenBack();
    }

    @Test
    void aClientTurnedAwayThatNeverSendsItsStartupIsClosedAfterTimeoutClientStartup() throws Exception {
        holdTimeout = Duration.ofMillis(200);
        clientStartupTimeout = Duration.ofMillis(300);
        int port = startProxy(1, Duration.ofMinutes(1), false);

        try (Socket client = connect(port)) {
            long start = System.nanoTime();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(400L, 10_000L);
        }
        assertThat(listener.startupTimeouts()).isEqualTo(1);
        assertThat(listener.refused()).isEqualTo(1);
        assertEveryPlaceGivenBack();
    }

    @Test
    void pastTheStartupLimitANewClientWaitsWithoutAMaxconnPlaceUntilAStalledOneIsCut() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startAnsweringBackend(accepted);
        holdTimeout = Duration.ofSeconds(20);
        clientStartupTimeout = Duration.ofSeconds(1);
        int port = startProxy(Balance.ROUNDROBIN, Duration.ofMinutes(1), true, new Limits(3, 0, 0,
                Duration.ofSeconds(1), 1), backendPort);

        try (Socket established = connect(port)) {
            established.getOutputStream().write('p');
            assertThat(readLine(established)).isEqualTo("ok");
            Socket stalled = connect(port);
            await().atMost(Duration.ofSeconds(5)).until(() -> accepted.get() == 2);
            assertThat(startupLimit.inUse()).as("the stalled client's").isEqualTo(1);

            try (Socket next = connect(port)) {
                next.getOutputStream().write('p');
                Thread.sleep(300);
                assertThat(accepted.get()).as("the next client waits for a startup place").isEqualTo(2);
                assertThat(globalLimit.inUse()).as("and holds no maxconn place meanwhile").isEqualTo(2);

                assertThat(stalled.getInputStream().read()).as("cut at timeout client-startup").isEqualTo(-1);
                assertThat(readLine(next)).as("then the next client goes on").isEqualTo("ok");
            }
            stalled.close();
            established.getOutputStream().write('q');
            assertThat(listener.frontend().current()).as("the established session never noticed").isGreaterThan(0);
        }
        assertThat(listener.startupTimeouts()).isEqualTo(1);
        assertEveryPlaceGivenBack();
    }

    @Test
    void aClientThatSendsOneByteAndStallsIsClosedAtTimeoutClientHelloHavingTakenNoPlace() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startAnsweringBackend(accepted);
        holdTimeout = Duration.ofSeconds(20);
        clientHelloTimeout = Duration.ofMillis(300);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, new Limits(10, 0, 0,
                Duration.ofSeconds(1), 10), backendPort);

        try (Socket client = connect(port)) {
            client.getOutputStream().write(0);
            long start = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> firstPacketPlaces.inUse() == 1);
            assertThat(startupLimit.inUse() + globalLimit.inUse()).as("no place while in its first packet").isZero();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 10_000L);
        }
        assertThat(listener.firstPacketRejections(FirstPacketRejections.Reason.TIMEOUT)).isEqualTo(1);
        assertThat(accepted.get()).as("no server connection").isZero();
        assertThat(listener.frontend().total()).as("never a session").isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> firstPacketPlaces.inUse() == 0);
        assertEveryPlaceGivenBack();
    }

    @Test
    void aStartupMessageSentByteByByteReachesTheServerWhole() throws Exception {
        byte[] startupBytes = startupMessage();
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        int backendPort = startBackend(s -> {
            received.complete(s.getInputStream().readNBytes(startupBytes.length));
            s.getOutputStream().write(authenticatedStartup("off"));
            s.getInputStream().read();
        });
        holdTimeout = Duration.ofSeconds(20);
        clientHelloTimeout = Duration.ofSeconds(10);
        int port = startProxy(backendPort, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            client.setTcpNoDelay(true);
            for (byte b : startupBytes) {
                client.getOutputStream().write(b);
                client.getOutputStream().flush();
                Thread.sleep(2);
            }
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(startupBytes);
            assertThat(client.getInputStream().read()).as("the server's answer").isEqualTo('R');
        }
        assertThat(listener.firstPacketRejections()).isZero();
    }

    @Test
    void anSslRequestFollowedByNothingReachesTheServerWhichAnswersIt() throws Exception {
        for (char answer : new char[] {'N', 'S'}) {
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            int backendPort = startBackend(s -> {
                received.complete(s.getInputStream().readNBytes(8));
                s.getOutputStream().write(answer);
                s.getInputStream().read();
            });
            holdTimeout = Duration.ofSeconds(20);
            clientHelloTimeout = Duration.ofSeconds(10);
            int port = startProxy(backendPort, Duration.ofMinutes(1), true);
            byte[] sslRequest = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};

            try (Socket client = connect(port)) {
                client.getOutputStream().write(sslRequest);
                assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(sslRequest);
                assertThat(client.getInputStream().read()).as("the server's answer").isEqualTo(answer);
            }
            listener.close();
            backendSocket.close();
        }
    }

    @Test
    void aCancelRequestReachesTheServerWhole() throws Exception {
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        int backendPort = startBackend(s -> received.complete(s.getInputStream().readNBytes(16)));
        holdTimeout = Duration.ofSeconds(20);
        clientHelloTimeout = Duration.ofSeconds(10);
        int port = startProxy(backendPort, Duration.ofMinutes(1), true);
        ByteArrayOutputStream cancel = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(cancel);
        data.writeInt(16);
        data.writeInt(PgStartup.CANCEL_REQUEST_CODE);
        data.writeInt(4242);
        data.writeInt(77);

        try (Socket client = connect(port)) {
            client.getOutputStream().write(cancel.toByteArray());
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(cancel.toByteArray());
            assertThat(client.getInputStream().read()).as("closed by the server, without a word").isEqualTo(-1);
        }
        assertThat(listener.firstPacketRejections()).isZero();
    }

    @Test
    void aFirstPacketOfAnotherProtocolIsAnsweredFatalAndClosedWithoutAServer() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startAnsweringBackend(accepted);
        clientHelloTimeout = Duration.ofSeconds(10);
        int port = startProxy(Balance.ROUNDROBIN, Duration.ofMinutes(1), true, new Limits(10, 0, 0,
                Duration.ofSeconds(1), 10), backendPort);

        try (Socket v2 = connect(port)) {
            ByteArrayOutputStream packet = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(packet);
            data.writeInt(296);
            data.writeInt(2 << 16);
            data.write(new byte[288]);
            v2.getOutputStream().write(packet.toByteArray());
            byte[] answer = v2.getInputStream().readAllBytes();
            assertThat(answer[0]).as("an ErrorResponse, then the end").isEqualTo((byte) 'E');
            assertThat(new String(answer, StandardCharsets.UTF_8)).contains("C0A000")
                    .contains("unsupported frontend protocol 2.0");
        }
        try (Socket http = connect(port)) {
            http.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(http.getInputStream().read()).as("closed without a word").isEqualTo(-1);
        }
        assertThat(listener.firstPacketRejections(FirstPacketRejections.Reason.INVALID)).isEqualTo(2);
        assertThat(accepted.get()).isZero();
        assertEveryPlaceGivenBack();
    }

    @Test
    void fiveHundredClientsStalledInTheirFirstPacketCostNoServerAndANewClientIsServedAtOnce() throws Exception {
        AtomicLong accepted = new AtomicLong();
        int backendPort = startAnsweringBackend(accepted);
        holdTimeout = Duration.ofSeconds(20);
        clientStartupTimeout = Duration.ofSeconds(30);
        clientHelloTimeout = Duration.ofSeconds(30);
        int port = startProxy(Balance.ROUNDROBIN, Duration.ofMinutes(1), true, new Limits(10, 0, 0,
                Duration.ofSeconds(1), 5), backendPort);

        List<Socket> stalled = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                Socket s = connect(port);
                stalled.add(s);
                s.getOutputStream().write(0);
            }
            try (Socket next = connect(port)) {
                next.setSoTimeout(10_000);
                next.getOutputStream().write(startupMessage());
                assertThat(readLine(next)).as("served while 500 clients stall").isEqualTo("ok");
            }
            assertThat(accepted.get()).as("no stalled client reached the server").isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(startupLimit.inUse() + globalLimit.inUse()).as("nor holds a place").isZero();
                assertThat(firstPacketPlaces.inUse()).as("each holds a first packet place").isEqualTo(500);
            });
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        assertEveryPlaceGivenBack();
    }

    @Test
    void onAPrimaryListenerANodeInRecoveryThatNeedsNoPasswordIsReplacedWithoutTheClientSeeingIt() throws Exception {
        readFirstPacket();
        byte[] startupBytes = startupMessage();
        ServerSocket standby = startStandby(startupBytes, new byte[0], new CompletableFuture<>());
        CompletableFuture<byte[]> replayed = new CompletableFuture<>();
        byte[] primaryAnswer = authenticatedStartup("off");
        int nextPort = startBackend(s -> {
            replayed.complete(s.getInputStream().readNBytes(startupBytes.length));
            s.getOutputStream().write(primaryAnswer);
            s.getInputStream().read();
        });
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, standby.getLocalPort(), nextPort);
        Backend first = listener.router().backends().get(0);
        AtomicLong seenInRecovery = new AtomicLong();
        first.onSeenInRecovery(seenInRecovery::incrementAndGet);

        try (Socket client = connect(port)) {
            client.getOutputStream().write(startupBytes);
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.router().held().size() == 1);
            assertThat(seenInRecovery).hasValue(1);

            listener.router().refresh(b -> b != first);

            assertThat(replayed.get(10, TimeUnit.SECONDS)).as("the startup, replayed").isEqualTo(startupBytes);
            assertThat(client.getInputStream().readNBytes(primaryAnswer.length))
                    .as("the client saw only the primary's answer").isEqualTo(primaryAnswer);
        }
    }

    @Test
    void onAStandbyLeaderListenerTheStandbyLeaderGetsTheClientThoughItIsInRecovery() throws Exception {
        readFirstPacket();
        check = new CheckConfig("GET", "/standby-leader", 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1);
        byte[] startupBytes = startupMessage();
        byte[] standbyAnswer = authenticatedStartup("on");
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(startBackend(s -> {
            s.getInputStream().readNBytes(startupBytes.length);
            s.getOutputStream().write(standbyAnswer);
            s.getInputStream().read();
        }), Duration.ofMinutes(1), true);
        AtomicLong seenInRecovery = new AtomicLong();
        backend().onSeenInRecovery(seenInRecovery::incrementAndGet);

        try (Socket client = connect(port)) {
            client.getOutputStream().write(startupBytes);

            assertThat(client.getInputStream().readNBytes(standbyAnswer.length)).isEqualTo(standbyAnswer);
        }
        assertThat(seenInRecovery).hasValue(0);
    }

    @Test
    void aClientTurnedAwayByANodeInRecoveryGoesAtOnceWhereTheRouterAlreadyPoints() throws Exception {
        readFirstPacket();
        byte[] startupBytes = startupMessage();
        ServerSocket standby = startStandby(startupBytes, new byte[0], new CompletableFuture<>());
        byte[] primaryAnswer = authenticatedStartup("off");
        int nextPort = startBackend(s -> {
            s.getInputStream().readNBytes(startupBytes.length);
            s.getOutputStream().write(primaryAnswer);
            s.getInputStream().read();
        });
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(Balance.PRIMARY, Duration.ofMinutes(1), true, standby.getLocalPort(), nextPort);
        Backend first = listener.router().backends().get(0);
        // The health thread reroutes before the client is queued: no later change will come to release it.
        first.onSeenInRecovery(() -> listener.router().refresh(b -> b != first));

        try (Socket client = connect(port)) {
            client.getOutputStream().write(startupBytes);

            assertThat(client.getInputStream().readNBytes(primaryAnswer.length)).isEqualTo(primaryAnswer);
        }
    }

    @Test
    void aServerThatNegotiatesTheProtocolVersionFirstIsWatchedToo() throws Exception {
        readFirstPacket();
        byte[] startupBytes = startupMessage();
        byte[] negotiate = pgMessage('v', new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
        int port0 = startBackend(s -> {
            s.getInputStream().readNBytes(startupBytes.length);
            s.getOutputStream().write(negotiate);
            s.getOutputStream().write(authenticatedStartup("on"));
            s.getInputStream().read();
        });
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(port0, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            client.getOutputStream().write(startupBytes);

            assertThat(client.getInputStream().readNBytes(negotiate.length)).isEqualTo(negotiate);
            assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .startsWith("E").contains("C57P03", "pg01 is in recovery");
        }
    }

    @Test
    void onAPrimaryListenerAClientThatAuthenticatedWithANodeInRecoveryGets57P03() throws Exception {
        readFirstPacket();
        byte[] startupBytes = startupMessage();
        byte[] passwordRequest = pgMessage('R', new byte[] {0, 0, 0, 3});
        CompletableFuture<byte[]> clientSaid = new CompletableFuture<>();
        ServerSocket standby = startStandby(startupBytes, passwordRequest, clientSaid);
        holdTimeout = Duration.ofSeconds(20);
        int port = startProxy(standby.getLocalPort(), Duration.ofMinutes(1), true);
        AtomicLong seenInRecovery = new AtomicLong();
        backend().onSeenInRecovery(seenInRecovery::incrementAndGet);

        try (Socket client = connect(port)) {
            client.getOutputStream().write(startupBytes);
            assertThat(client.getInputStream().readNBytes(passwordRequest.length)).isEqualTo(passwordRequest);
            client.getOutputStream().write("p\0\0\0".getBytes(StandardCharsets.US_ASCII));

            byte[] answer = client.getInputStream().readAllBytes();
            assertThat(answer[0]).as("ErrorResponse, not AuthenticationOk").isEqualTo((byte) 'E');
            assertThat(new String(answer, StandardCharsets.US_ASCII))
                    .contains("SFATAL", "C57P03", "pg01 is in recovery")
                    .doesNotContain("in_hot_standby");
        }
        assertThat(clientSaid.get(5, TimeUnit.SECONDS)).as("the password went to the server").hasSize(4);
        assertThat(seenInRecovery).hasValue(1);
    }

    @Test
    void aClientWhoseHoldRunsOutIsAnsweredLikePostgresqlThatCannotConnectNow() throws Exception {
        readFirstPacket();
        holdTimeout = Duration.ofMillis(300);
        int port = startProxy(1, Duration.ofMinutes(1), false);

        try (Socket client = connect(port)) {
            DataOutputStream out = new DataOutputStream(client.getOutputStream());
            out.writeInt(8);
            out.writeInt(80877103);
            assertThat(client.getInputStream().read()).as("SSL declined").isEqualTo('N');
            byte[] parameters = "user\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
            out.writeInt(8 + parameters.length);
            out.writeInt(3 << 16);
            out.write(parameters);

            byte[] answer = client.getInputStream().readAllBytes();
            assertThat(answer[0]).as("ErrorResponse").isEqualTo((byte) 'E');
            assertThat(new String(answer, StandardCharsets.US_ASCII))
                    .contains("SFATAL", "C57P03", "no server of listener primary", "(pg01 DOWN)");
        }
        assertThat(listener.refused()).isEqualTo(1);
        assertThat(listener.router().held().timeouts()).isEqualTo(1);
    }

    @Test
    void killingTheServersSessionsClosesTheClient() throws Exception {
        int backendPort = startBackend(s -> s.getInputStream().read());
        int port = startProxy(backendPort, Duration.ofMinutes(1), true);

        try (Socket client = connect(port)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> backend().sessionCount() == 1);
            assertThat(backend().killSessions()).isEqualTo(1);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void anIdleClientIsClosedAfterTheClientTimeout() throws Exception {
        int backendPort = startBackend(s -> s.getInputStream().read());
        int port = startProxy(backendPort, Duration.ofMillis(300), true);

        try (Socket client = connect(port)) {
            long start = System.nanoTime();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 10_000L);
        }
    }

    @Test
    void withTimeoutClientNoneAnIdleSessionStaysOpen() throws Exception {
        int backendPort = startBackend(s -> s.getInputStream().read());
        int port = startProxy(backendPort, Duration.ZERO, true);

        try (Socket client = connect(port)) {
            client.setSoTimeout(1500);
            assertThatThrownBy(() -> client.getInputStream().read()).as("still open after 1.5 s idle")
                    .isInstanceOf(java.net.SocketTimeoutException.class);
        }
    }

    @Test
    void connectionsToServersCarryTheKeepaliveTiming() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            io.netty.channel.Channel channel = transport.keepaliveOn(new io.netty.bootstrap.Bootstrap())
                    .group(workers).channel(transport.socketChannel())
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .connect("127.0.0.1", server.getLocalPort()).sync().channel();
            try {
                assertThat(transport.keepalive()).hasSize(3).containsValues(60, 10, 6);
                transport.keepalive().forEach((option, value) ->
                        assertThat(channel.config().getOption(option)).as(option.name()).isEqualTo(value));
            } finally {
                channel.close().sync();
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
