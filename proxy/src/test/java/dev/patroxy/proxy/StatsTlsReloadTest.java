package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.ConfigLoader;
import dev.patroxy.proxy.relay.Transport;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stats page over HTTPS with users and admins, and a reload (SIGHUP's path) that renews its certificate, users
 * and admins.
 */
class StatsTlsReloadTest {
    @TempDir
    Path dir;
    private final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).build();
    private final OkHttpClient client = new OkHttpClient.Builder()
            .sslSocketFactory(trusting().sslSocketFactory(), trusting().trustManager())
            .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS))
            .build();
    private ProxyDaemon daemon;
    private int statsPort;

    private HandshakeCertificates trusting() {
        return new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build();
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
        client.dispatcher().executorService().shutdown();
    }

    private void writeCertificate(String name) throws IOException {
        HeldCertificate held = new HeldCertificate.Builder().signedBy(ca).commonName(name)
                .addSubjectAlternativeName("127.0.0.1").build();
        Files.writeString(dir.resolve("stats.pem"), held.certificatePem() + held.privateKeyPkcs8Pem());
    }

    private Path config(String password) throws IOException {
        return config(password, "");
    }

    private Path config(String password, String statsExtra) throws IOException {
        int listenerPort;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            statsPort = statsPort == 0 ? a.getLocalPort() : statsPort;
            listenerPort = b.getLocalPort();
        }
        return Files.writeString(dir.resolve("patroxy.yml"), """
                stats:
                  bind: "127.0.0.1:%d"
                  tls: {cert-file: stats.pem}
                  auth: {username: admin, password: %s}
                %s
                servers:
                  - {name: pg01, address: "127.0.0.1:1", check-port: 1}
                listeners:
                  - {name: plain, bind: "127.0.0.1:%d", balance: roundrobin, check: none}
                """.formatted(statsPort, password, statsExtra, listenerPort));
    }

    private Response get(String password) throws IOException {
        return client.newCall(new Request.Builder().url("https://127.0.0.1:" + statsPort + "/;csv")
                .header("Authorization", Credentials.basic("admin", password)).build()).execute();
    }

    private static String subject(Response response) {
        return ((X509Certificate) response.handshake().peerCertificates().get(0)).getSubjectX500Principal().getName();
    }

    @Test
    void aReloadWithARenewedCertificateAndPasswordServesNewConnectionsWithThem() throws Exception {
        writeCertificate("first");
        Path file = config("one");
        daemon = new ProxyDaemon(ConfigLoader.load(file), Clock.systemUTC(), Transport.best()).start();
        ConfigReloader reloader = new ConfigReloader(file, daemon, SystemdNotify.to(null));
        try (Response response = get("one")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(subject(response)).isEqualTo("CN=first");
        }

        writeCertificate("renewed");
        config("two");
        assertThat(reloader.reload()).isTrue();

        try (Response response = get("two")) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(subject(response)).isEqualTo("CN=renewed");
        }
        try (Response response = get("one")) {
            assertThat(response.code()).as("the old password no longer reads").isEqualTo(401);
        }

        Files.writeString(dir.resolve("stats.pem"), "not a certificate");
        assertThat(reloader.reload()).as("a certificate that cannot be read is refused").isFalse();
        try (Response response = get("two")) {
            assertThat(subject(response)).as("and the one in force stays").isEqualTo("CN=renewed");
        }
    }

    private Response post(String user, String action) throws IOException {
        String base = "https://127.0.0.1:" + statsPort;
        return client.newBuilder().followRedirects(false).build()
                .newCall(new Request.Builder().url(base + "/").header("Origin", base)
                .header("Authorization", Credentials.basic(user, "secret"))
                .post(RequestBody.create("s=pg01&action=" + action + "&b=plain",
                        MediaType.get("application/x-www-form-urlencoded"))).build()).execute();
    }

    private String pg01Status() throws IOException {
        try (Response response = get("one")) {
            return response.body().string().lines().filter(l -> l.startsWith("plain,pg01,")).findFirst()
                    .orElseThrow().split(",")[17];
        }
    }

    @Test
    void theAdminControlsActOnTheServersAndAReloadReadsTheUsersFileAgain() throws Exception {
        writeCertificate("first");
        // openssl passwd -6 -salt abcdefgh secret
        String hash = "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.";
        Path users = Files.writeString(dir.resolve("admin.users"), "alice:" + hash + "\n");
        Path file = config("one", "  admin: {users-file: admin.users}");
        daemon = new ProxyDaemon(ConfigLoader.load(file), Clock.systemUTC(), Transport.best()).start();
        ConfigReloader reloader = new ConfigReloader(file, daemon, SystemdNotify.to(null));

        try (Response response = post("alice", "maint")) {
            assertThat(response.code()).isEqualTo(303);
            assertThat(response.header("Location")).isEqualTo("/;st=DONE");
        }
        assertThat(pg01Status()).isEqualTo("MAINT");
        try (Response response = post("bob", "ready")) {
            assertThat(response.code()).isEqualTo(401);
        }

        Files.writeString(users, "alice:" + hash + "\nbob:" + hash + "\n");
        assertThat(reloader.reload()).isTrue();
        try (Response response = post("bob", "ready")) {
            assertThat(response.code()).as("a user the reload read").isEqualTo(303);
        }
        assertThat(pg01Status()).isEqualTo("UP");

        Files.writeString(users, "alice:secret\n");
        assertThat(reloader.reload()).as("a users file with a password written out is refused").isFalse();
        try (Response response = post("bob", "drain")) {
            assertThat(response.code()).as("and the users in force stay").isEqualTo(303);
        }
    }
}
