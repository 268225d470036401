package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatsServerTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final AtomicInteger snapshotsTaken = new AtomicInteger();
    private final Supplier<StatsSnapshot> snapshots = () -> {
        snapshotsTaken.incrementAndGet();
        return TestSnapshots.sample();
    };
    private final AtomicInteger connectionsOpened = new AtomicInteger();
    private final OkHttpClient client = new OkHttpClient.Builder()
            .eventListener(new EventListener() {
                @Override
                public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
                    connectionsOpened.incrementAndGet();
                }
            })
            .build();
    private StatsServer server;
    private String base;

    @BeforeEach
    void start() {
        server = new StatsServer(List.of(ANY_LOOPBACK_PORT), snapshots, Duration.ofSeconds(5));
        server.start();
        InetSocketAddress bound = server.boundAddresses().get(0);
        base = "http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    @Test
    void bindsAnEphemeralPort() {
        assertThat(server.boundAddresses()).singleElement().satisfies(address -> assertThat(address.getPort()).isPositive());
    }

    @Test
    void servesThePage() throws IOException {
        try (Response response = get("/")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
            assertThat(response.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(response.body().string()).contains("<h1>patroxy version 0.1.0-test</h1>");
        }
    }

    @Test
    void servesTheCsvOnBothUris() throws IOException {
        for (String path : List.of("/;csv", "/stats.csv")) {
            try (Response response = get(path)) {
                assertThat(response.code()).isEqualTo(200);
                assertThat(response.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
                assertThat(response.body().string()).startsWith("# pxname,svname,");
            }
        }
    }

    @Test
    void servesTheJsonOnBothUris() throws IOException {
        for (String path : List.of("/;json", "/stats.json")) {
            try (Response response = get(path)) {
                assertThat(response.code()).isEqualTo(200);
                assertThat(response.header("Content-Type")).isEqualTo("application/json");
                JsonSyntax.check(response.body().string());
            }
        }
    }

    @Test
    void servesPrometheusMetrics() throws IOException {
        try (Response response = get("/metrics")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
            assertThat(response.body().string())
                    .contains("haproxy_server_status{proxy=\"primary\",server=\"pg01\",state=\"UP\"} 1.0\n");
        }
        Request openMetrics = new Request.Builder().url(base + "/metrics")
                .header("Accept", "application/openmetrics-text; version=1.0.0").build();
        try (Response response = client.newCall(openMetrics).execute()) {
            assertThat(response.header("Content-Type")).startsWith("application/openmetrics-text");
            assertThat(response.body().string()).endsWith("# EOF\n");
        }
    }

    @Test
    void takesOneSnapshotPerRequest() throws IOException {
        for (String path : List.of("/", "/;csv", "/;json", "/metrics")) {
            get(path).close();
        }
        assertThat(snapshotsTaken).hasValue(4);
    }

    @Test
    void ignoresTheQueryString() throws IOException {
        try (Response response = get("/;csv?x=1")) {
            assertThat(response.code()).isEqualTo(200);
        }
    }

    @Test
    void unknownPathIsNotFound() throws IOException {
        try (Response response = get("/nope")) {
            assertThat(response.code()).isEqualTo(404);
        }
        assertThat(snapshotsTaken).hasValue(0);
    }

    @Test
    void otherMethodsAreNotAllowed() throws IOException {
        Request post = new Request.Builder().url(base + "/").post(RequestBody.create(new byte[0])).build();
        try (Response response = client.newCall(post).execute()) {
            assertThat(response.code()).isEqualTo(405);
            assertThat(response.header("Allow")).isEqualTo("GET, HEAD");
        }
    }

    @Test
    void headHasTheHeadersOfGetAndNoBody() throws IOException {
        long getLength;
        try (Response response = get("/;json")) {
            getLength = response.body().bytes().length;
        }
        Request head = new Request.Builder().url(base + "/;json").head().build();
        try (Response response = client.newCall(head).execute()) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.header("Content-Type")).isEqualTo("application/json");
            assertThat(response.header("Content-Length")).isEqualTo(Long.toString(getLength));
            assertThat(response.body().bytes()).isEmpty();
        }
    }

    @Test
    void keepsTheConnectionAliveAcrossRequests() throws IOException {
        try (Response first = get("/;csv")) {
            first.body().string();
        }
        try (Response second = get("/;json")) {
            second.body().string();
            assertThat(second.code()).isEqualTo(200);
        }
        assertThat(connectionsOpened).hasValue(1);
    }

    @Test
    void closesAfterAnsweringARequestThatAsksForIt() throws IOException {
        InetSocketAddress bound = server.boundAddresses().get(0);
        try (Socket socket = new Socket(bound.getAddress(), bound.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /;csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200 OK\r\n").contains("# pxname,svname,");
        }
    }

    @Test
    void answersHttp10KeepAlive() throws IOException {
        InetSocketAddress bound = server.boundAddresses().get(0);
        try (Socket socket = new Socket(bound.getAddress(), bound.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < 2; i++) {
                out.write("HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String headers = readHeaders(socket.getInputStream());
                assertThat(headers).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("connection: keep-alive");
            }
        }
    }

    @Test
    void failsToStartNamingTheAddressInUse() {
        InetSocketAddress taken = server.boundAddresses().get(0);
        try (StatsServer second = new StatsServer(List.of(ANY_LOOPBACK_PORT, taken), snapshots, Duration.ofSeconds(5))) {
            assertThatThrownBy(second::start)
                    .isInstanceOf(StatsBindException.class)
                    .hasMessageContaining(taken.toString())
                    .satisfies(e -> assertThat(((StatsBindException) e).address()).isEqualTo(taken));
            assertThat(second.boundAddresses()).as("what was bound before the failure is released").isEmpty();
        }
    }

    @Test
    void stopsListeningWhenClosed() {
        InetSocketAddress bound = server.boundAddresses().get(0);
        server.close();
        server.close();
        assertThatThrownBy(() -> new Socket(bound.getAddress(), bound.getPort()).close()).isInstanceOf(IOException.class);
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }

    private Response get(String path) throws IOException {
        return client.newCall(new Request.Builder().url(base + path).build()).execute();
    }

    private static String readHeaders(InputStream in) throws IOException {
        StringBuilder headers = new StringBuilder();
        while (!headers.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + headers);
            }
            headers.append((char) b);
        }
        return headers.toString();
    }
}
