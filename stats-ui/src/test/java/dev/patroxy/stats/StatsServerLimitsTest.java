package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a hostile or broken stats client is allowed to cost, on loopback sockets. */
@Timeout(60)
class StatsServerLimitsTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final byte[] CSV_REQUEST = "GET /;csv HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final AtomicInteger snapshotsTaken = new AtomicInteger();
    private final AtomicReference<String> snapshotThread = new AtomicReference<>();
    private final List<Socket> sockets = new ArrayList<>();
    private StatsServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(StatsLimits limits) {
        server = new StatsServer(List.of(ANY_LOOPBACK_PORT), () -> {
            snapshotsTaken.incrementAndGet();
            snapshotThread.set(Thread.currentThread().getName());
            return TestSnapshots.sample();
        }, Duration.ofSeconds(5), limits);
        server.start();
    }

    private static StatsLimits limits(int maxConnections, int maxRequestLine, int maxHeaderSize, int maxHeaders) {
        StatsLimits d = StatsLimits.DEFAULTS;
        return new StatsLimits(maxConnections, maxRequestLine, maxHeaderSize, maxHeaders, d.requestTimeout(),
                d.keepAliveTimeout(), d.clientTimeout());
    }

    private static StatsLimits timeouts(Duration request, Duration keepAlive, Duration client) {
        StatsLimits d = StatsLimits.DEFAULTS;
        return new StatsLimits(d.maxConnections(), d.maxRequestLine(), d.maxHeaderSize(), d.maxHeaders(), request,
                keepAlive, client);
    }

    private Socket connect() throws IOException {
        return connect(0);
    }

    /** @param receiveBuffer the client's socket receive buffer, or 0 for the system's */
    private Socket connect(int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(server.boundAddresses().get(0));
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Everything the server sends until it closes; a read timeout here means it kept the connection open. */
    private static String exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readUntilClosed(socket.getInputStream());
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                received.write(chunk, 0, n);
            }
        } catch (SocketException reset) {
            // A reset also ends the connection; what arrived before it is kept.
        }
        return received.toString(StandardCharsets.US_ASCII);
    }

    private String metrics() throws IOException {
        return exchange(connect(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    @Test
    void pipelinedRequestsThatAreNotReadKeepOneResponseInFlight() throws Exception {
        start(StatsLimits.DEFAULTS);
        Socket socket = connect(4096);
        int requests = 20_000;
        Thread pipeliner = new Thread(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (int i = 0; i < requests; i++) {
                    out.write(CSV_REQUEST);
                }
                out.flush();
            } catch (IOException closed) {
                // The test ends by closing the socket under a blocked write.
            }
        });
        pipeliner.setDaemon(true);
        pipeliner.start();

        awaitNoMoreSnapshots();

        assertThat(server.peakResponsesInFlight()).as("responses written and not yet flushed, at most").isEqualTo(1);
        assertThat(snapshotsTaken.get()).as("requests answered for a client that reads nothing").isLessThan(requests);
        assertThat(metrics()).as("another client is served meanwhile, and the pipelining one is still connected")
                .startsWith("HTTP/1.1 200 OK\r\n")
                .contains("patroxy_stats_connections 2.0");
    }

    @Test
    void aDeepPipelineOfTheShortestRequestsIsAnsweredInFull() throws IOException {
        start(StatsLimits.DEFAULTS);
        int requests = 1000;
        String shortest = "HEAD / HTTP/1.1\r\n\r\n";
        String responses = exchange(connect(),
                shortest.repeat(requests - 1) + "HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertThat(responses.split("HTTP/1.1 200 OK\r\n", -1)).hasSize(requests + 1);
    }

    /** Waits until the server has answered all it will for now: no snapshot taken for a second. */
    private void awaitNoMoreSnapshots() throws InterruptedException {
        int seen = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() - stableSince < Duration.ofSeconds(1).toNanos()) {
            Thread.sleep(100);
            int now = snapshotsTaken.get();
            if (now != seen) {
                seen = now;
                stableSince = System.nanoTime();
            }
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        start(StatsLimits.DEFAULTS);
        String responses = exchange(connect(), "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /;csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(responses.indexOf("HTTP/1.1 404 Not Found\r\n")).isZero();
        int head = responses.indexOf("HTTP/1.1 200 OK\r\n");
        int csv = responses.indexOf("HTTP/1.1 200 OK\r\n", head + 1);
        assertThat(head).isPositive();
        assertThat(csv).isGreaterThan(head);
        assertThat(responses.substring(head, csv)).doesNotContain("<html");
        assertThat(responses.substring(csv)).contains("# pxname,svname,");
    }

    @Test
    void aRequestLineTooLongIs414AndCloses() throws IOException {
        start(limits(100, 256, 8192, 100));
        String response = exchange(connect(), "GET /" + "a".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 414 Request-URI Too Long\r\n").containsIgnoringCase("connection: close");
        assertThat(snapshotsTaken).hasValue(0);
        assertThat(metrics()).contains("patroxy_stats_connections_closed_total{reason=\"request_line_too_long\"} 1.0");
    }

    @Test
    void headersTooLargeAre431AndClose() throws IOException {
        start(limits(100, 8192, 512, 100));
        String response = exchange(connect(), "GET / HTTP/1.1\r\nHost: x\r\nCookie: " + "c".repeat(600) + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
        assertThat(metrics()).contains("patroxy_stats_connections_closed_total{reason=\"headers_too_large\"} 1.0");
    }

    @Test
    void tooManyHeadersAre431AndClose() throws IOException {
        start(limits(100, 8192, 8192, 5));
        StringBuilder request = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 6; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }
        String response = exchange(connect(), request.append("\r\n").toString());
        assertThat(response).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
        assertThat(snapshotsTaken).hasValue(0);
        assertThat(metrics()).contains("patroxy_stats_connections_closed_total{reason=\"too_many_headers\"} 1.0");
    }

    @Test
    void aMalformedRequestIs400AndCloses() throws IOException {
        start(StatsLimits.DEFAULTS);
        String response = exchange(connect(), "GET / HTTP/1.1\r\nbad header line\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(metrics()).contains("patroxy_stats_connections_closed_total{reason=\"bad_request\"} 1.0");
    }

    @Test
    void aRequestWithABodyIsAnsweredAndItsBodySkipped() throws IOException {
        start(StatsLimits.DEFAULTS);
        String response = exchange(connect(), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /;csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("# pxname,svname,");
    }

    @Test
    void aClientTricklingItsHeadersIsClosedAtTheRequestTimeout() throws IOException {
        start(timeouts(Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(60)));
        Socket socket = connect();
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
        Thread trickler = new Thread(() -> {
            try {
                for (int i = 0; i < 100; i++) {
                    out.write('X');
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException closed) {
                // The server closed the connection, as it should.
            }
        });
        trickler.setDaemon(true);
        trickler.start();

        assertThat(readUntilClosed(socket.getInputStream())).isEmpty();
        assertThat(snapshotsTaken).hasValue(0);
        assertThat(metrics()).contains("patroxy_stats_connections_closed_total{reason=\"request_timeout\"} 1.0");
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheRequestTimeout() throws IOException {
        start(timeouts(Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ofSeconds(60)));
        assertThat(readUntilClosed(connect().getInputStream())).isEmpty();
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAtTheKeepAliveTimeout() throws IOException {
        start(timeouts(Duration.ofSeconds(60), Duration.ofMillis(500), Duration.ofSeconds(60)));
        Socket socket = connect();
        String response = exchange(socket, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK\r\n");
    }

    @Test
    void aClientThatTakesNoneOfItsResponsesIsClosedAtTheClientTimeout() throws Exception {
        start(timeouts(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMillis(500)));
        Socket socket = connect(4096);
        Thread pipeliner = new Thread(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (int i = 0; i < 20_000; i++) {
                    out.write(CSV_REQUEST);
                }
            } catch (IOException closed) {
                // The server gave up on this client.
            }
        });
        pipeliner.setDaemon(true);
        pipeliner.start();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metrics()).contains("patroxy_stats_connections_closed_total{reason=\"client_timeout\"} 1.0"));
    }

    @Test
    void connectionsBeyondTheCapAreClosedAtOnceAndCounted() throws IOException {
        start(limits(2, 8192, 8192, 100));
        List<Socket> held = List.of(connect(), connect());
        for (Socket socket : held) {
            OutputStream out = socket.getOutputStream();
            out.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(new String(socket.getInputStream().readNBytes(15), StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 200 OK");
        }

        assertThat(readUntilClosed(connect().getInputStream())).as("the third connection").isEmpty();

        held.get(0).close();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metrics())
                .containsPattern("patroxy_stats_connections_closed_total\\{reason=\"maxconn\"} [1-9]")
                .contains("patroxy_stats_connections 2.0"));
    }

    @Test
    void servesOnItsOwnThread() throws IOException {
        start(StatsLimits.DEFAULTS);
        exchange(connect(), "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(snapshotThread.get()).startsWith("patroxy-stats");
    }
}
