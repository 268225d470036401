package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stats page over HTTPS and behind basic authentication (HAProxy's {@code stats auth}), on loopback. */
class StatsServerTlsTest {
    private final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    private final HeldCertificate first = serverCertificate("first");
    private final HeldCertificate renewed = serverCertificate("renewed");
    private final OkHttpClient client = new OkHttpClient.Builder()
            .sslSocketFactory(trusting().sslSocketFactory(), trusting().trustManager())
            .connectionPool(new ConnectionPool(0, 1, java.util.concurrent.TimeUnit.SECONDS))
            .build();
    private StatsServer server;
    private int port;

    private HeldCertificate serverCertificate(String name) {
        return new HeldCertificate.Builder().signedBy(ca).commonName(name).addSubjectAlternativeName("127.0.0.1")
                .build();
    }

    private HandshakeCertificates trusting() {
        return new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build();
    }

    private static SslContext context(HeldCertificate certificate) throws IOException {
        return SslContextBuilder.forServer(certificate.keyPair().getPrivate(), certificate.certificate()).build();
    }

    @BeforeEach
    void start() throws IOException {
        server = new StatsServer(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                TestSnapshots::sample, Duration.ofSeconds(5));
        server.serve(new StatsAccess(Optional.of(context(first)), Set.of()));
        server.start();
        port = server.boundAddresses().get(0).getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        client.dispatcher().executorService().shutdown();
    }

    private Response get(String scheme, String path, String authorization) throws IOException {
        Request.Builder request = new Request.Builder().url(scheme + "://127.0.0.1:" + port + path);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.newCall(request.build()).execute();
    }

    private String servedBy() throws IOException {
        try (Response response = get("https", "/;csv", null)) {
            assertThat(response.code()).isEqualTo(200);
            return ((X509Certificate) response.handshake().peerCertificates().get(0)).getSubjectX500Principal()
                    .getName();
        }
    }

    @Test
    void servesThePageCsvAndMetricsOverHttpsAndNothingInTheClear() throws IOException {
        for (String path : List.of("/", "/;csv", "/metrics")) {
            try (Response response = get("https", path, null)) {
                assertThat(response.code()).as(path).isEqualTo(200);
                assertThat(response.handshake()).isNotNull();
            }
        }
        assertThatThrownBy(() -> get("http", "/", null).close()).isInstanceOf(IOException.class);
    }

    @Test
    void aNewCertificateServesNewConnections() throws IOException {
        assertThat(servedBy()).isEqualTo("CN=first");

        server.serve(new StatsAccess(Optional.of(context(renewed)), Set.of()));

        assertThat(servedBy()).isEqualTo("CN=renewed");
    }

    @Test
    void withUsersOnlyTheirCredentialsRead() throws IOException {
        String admin = Credentials.basic("admin", "s3cret");
        server.serve(new StatsAccess(Optional.of(context(first)), Set.of(admin)));

        try (Response anonymous = get("https", "/;csv", null)) {
            assertThat(anonymous.code()).isEqualTo(401);
            assertThat(anonymous.header("WWW-Authenticate")).isEqualTo("Basic realm=\"patroxy statistics\"");
            assertThat(anonymous.body().string()).doesNotContain("pxname");
        }
        try (Response wrong = get("https", "/metrics", Credentials.basic("admin", "s3cre7"))) {
            assertThat(wrong.code()).isEqualTo(401);
        }
        try (Response right = get("https", "/;csv", admin)) {
            assertThat(right.code()).isEqualTo(200);
            assertThat(right.body().string()).startsWith("# pxname,svname");
        }
    }
}
