package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patroxy.config.ConfigLoader;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd's notification protocol against a real unix datagram socket, bound as systemd binds NOTIFY_SOCKET: the
 * exact datagrams, in order, of a start, a reload, a refused reload and a stop, with a Patroni API whose first answer
 * the test holds back.
 */
@Timeout(60)
class ServiceNotifyTest {
    @TempDir
    Path dir;
    private final BlockingQueue<String> datagrams = new LinkedBlockingQueue<>();
    private final CountDownLatch answerChecks = new CountDownLatch(1);
    private final MockWebServer patroni = new MockWebServer();
    private EventLoopGroup loop;
    private Channel receiver;
    private ServerSocket database;
    private Path file;
    private int primaryPort;
    private int secondPort;
    private int statsPort;

    @BeforeEach
    void start() throws IOException {
        loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        patroni.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                answerChecks.await();
                return new MockResponse.Builder().code(200).build();
            }
        });
        patroni.start();
        database = new ServerSocket(0);
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0);
                ServerSocket c = new ServerSocket(0)) {
            primaryPort = a.getLocalPort();
            secondPort = b.getLocalPort();
            statsPort = c.getLocalPort();
        }
        file = dir.resolve("patroxy.yml");
    }

    @AfterEach
    void stop() throws IOException {
        answerChecks.countDown();
        if (receiver != null) {
            receiver.close().syncUninterruptibly();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        patroni.close();
        database.close();
    }

    /** Binds the socket systemd would, at {@code address}. */
    private void bindReceiver(DomainSocketAddress address) {
        receiver = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        datagrams.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                }).bind(address).syncUninterruptibly().channel();
    }

    private String config(boolean secondListener) {
        return """
                stats: {bind: ["127.0.0.1:%d"]}
                defaults:
                  check: {inter: 10s, timeout: 10s, rise: 1, fall: 2}
                servers:
                  - {name: pg01, address: "127.0.0.1:%d", check-port: %d}
                listeners:
                  - {name: primary, bind: "127.0.0.1:%d", balance: primary}
                %s""".formatted(statsPort, database.getLocalPort(), patroni.getPort(), primaryPort, secondListener
                ? "  - {name: second, bind: \"127.0.0.1:" + secondPort + "\", balance: primary}\n" : "");
    }

    private String next() throws InterruptedException {
        String datagram = datagrams.poll(10, TimeUnit.SECONDS);
        assertThat(datagram).as("a datagram within 10 s").isNotNull();
        return datagram;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void readyOnlyOnceBoundAndCheckedThenReloadingAndReadyAroundEachReloadThenStopping() throws Exception {
        Path socket = dir.resolve("notify");
        bindReceiver(new DomainSocketAddress(socket.toString()));
        Files.writeString(file, config(false));
        SystemdNotify systemd = SystemdNotify.to(socket.toString());
        CompletableFuture<Service> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return Service.start(file, ConfigLoader.load(file), systemd, Duration.ofSeconds(20));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        // The check is on its way and held: the listener is bound, and systemd has not been told anything.
        assertThat(patroni.takeRequest(10, TimeUnit.SECONDS)).isNotNull();
        await().atMost(Duration.ofSeconds(10)).until(() -> accepts(primaryPort));
        assertThat(datagrams.poll(500, TimeUnit.MILLISECONDS)).isNull();
        assertThat(starting).isNotDone();

        answerChecks.countDown();
        assertThat(next()).isEqualTo("READY=1\nSTATUS=serving " + file + ": listeners primary, every server checked");
        Service service = starting.get(10, TimeUnit.SECONDS);
        try {
            Files.writeString(file, config(true));
            assertThat(service.reload()).isTrue();
            assertThat(next()).matches("RELOADING=1\nSTATUS=reloading " + file + "\nMONOTONIC_USEC=[0-9]+");
            assertThat(next()).isEqualTo("READY=1\nSTATUS=serving " + file + ", reloaded: listeners primary, second");

            Files.writeString(file, "global: {maxconn: many}\n");
            assertThat(service.reload()).isFalse();
            assertThat(next()).startsWith("RELOADING=1\n");
            assertThat(next()).startsWith("READY=1\nSTATUS=reload refused, the configuration in force stays: "
                    + file + ":1: global.maxconn: ");
            assertThat(accepts(secondPort)).as("the configuration in force stays").isTrue();
        } finally {
            service.close();
        }
        assertThat(next()).isEqualTo("STOPPING=1\nSTATUS=stopping");
        assertThat(datagrams.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void aFirstCheckThatHasNotConcludedInTimeIsNamedInTheReadyStatus() throws Exception {
        Path socket = dir.resolve("notify");
        bindReceiver(new DomainSocketAddress(socket.toString()));
        Files.writeString(file, config(false));
        Service service = Service.start(file, ConfigLoader.load(file), SystemdNotify.to(socket.toString()),
                Duration.ofMillis(300));
        try {
            assertThat(next()).isEqualTo("READY=1\nSTATUS=serving " + file
                    + ": listeners primary; still waiting for the first check of primary/pg01");
        } finally {
            service.close();
        }
        assertThat(next()).isEqualTo("STOPPING=1\nSTATUS=stopping");
    }

    @Test
    void anAbstractSocketIsNamedWithAnAtSign() throws Exception {
        String name = "patroxy-notify-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        bindReceiver(new DomainSocketAddress("\0" + name));
        try (SystemdNotify systemd = SystemdNotify.to("@" + name)) {
            assertThat(systemd.enabled()).isTrue();
            systemd.stopping("stopping");
        }
        assertThat(next()).isEqualTo("STOPPING=1\nSTATUS=stopping");
    }

    @Test
    void withoutNotifySocketTheNotifierDoesNothing() {
        try (SystemdNotify unset = SystemdNotify.to(null); SystemdNotify empty = SystemdNotify.to("")) {
            assertThat(unset.enabled()).isFalse();
            assertThat(empty.enabled()).isFalse();
            unset.ready("ready");
            empty.stopping("stopping");
        }
    }
}
