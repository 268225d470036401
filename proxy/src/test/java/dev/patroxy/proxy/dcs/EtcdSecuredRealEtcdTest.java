package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.patroxy.config.ApiAccess;
import dev.patroxy.config.BasicAuth;
import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.DcsType;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.Secret;
import dev.patroxy.config.TlsClient;
import dev.patroxy.proxy.tls.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader watch against Debian's etcd-server over TLS with client certificates ({@code --client-cert-auth}) and
 * with etcd's own users (v2 basic authentication, v3 tokens), set up with etcdctl as an administrator would. Skipped
 * where etcd is not installed.
 */
class EtcdSecuredRealEtcdTest {
    private static final Path ETCD = Path.of("/usr/bin/etcd");
    private static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");
    private static final String KEY = "/service/batman/leader";

    @TempDir
    Path dir;
    private final TestCertificates certificates = new TestCertificates();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private final List<EtcdLeaderWatch> watches = new ArrayList<>();
    private Process etcd;
    private String endpoint;
    private boolean tls;

    @BeforeEach
    void installed() throws IOException {
        assumeTrue(Files.isExecutable(ETCD) && Files.isExecutable(ETCDCTL), "etcd-server or etcd-client is missing");
        certificates.write(dir);
    }

    @AfterEach
    void stop() throws InterruptedException {
        watches.forEach(EtcdLeaderWatch::close);
        scheduler.shutdownNow();
        if (etcd != null) {
            etcd.destroy();
            etcd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private int startEtcd(boolean overTls, String... extra) throws Exception {
        tls = overTls;
        int clientPort = EtcdLeaderWatchRealEtcdTest.freePort();
        String peer = "http://127.0.0.1:" + EtcdLeaderWatchRealEtcdTest.freePort();
        endpoint = (overTls ? "https" : "http") + "://127.0.0.1:" + clientPort;
        List<String> command = new ArrayList<>(List.of(ETCD.toString(), "--name", "t", "--data-dir",
                dir.resolve("data").toString(), "--enable-v2=true", "--listen-client-urls", endpoint,
                "--advertise-client-urls", endpoint, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "t=" + peer));
        if (overTls) {
            command.addAll(List.of("--cert-file", dir.resolve("server.pem").toString(), "--key-file",
                    dir.resolve("server.key").toString(), "--trusted-ca-file", dir.resolve("ca.pem").toString(),
                    "--client-cert-auth"));
        }
        command.addAll(List.of(extra));
        etcd = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> etcdctl("3", "endpoint", "health").contains("is healthy"));
        return clientPort;
    }

    /** etcdctl with the v2 or v3 API, as root once authentication is on, over TLS with the client certificate. */
    private String etcdctl(String api, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ETCDCTL.toString(), "--endpoints", endpoint));
        if (tls) {
            command.addAll(api.equals("2")
                    ? List.of("--ca-file", dir.resolve("ca.pem").toString(), "--cert-file",
                            dir.resolve("client.pem").toString(), "--key-file", dir.resolve("client.key").toString())
                    : List.of("--cacert", dir.resolve("ca.pem").toString(), "--cert",
                            dir.resolve("client.pem").toString(), "--key", dir.resolve("client.key").toString()));
        }
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("ETCDCTL_API", api);
        Process process = builder.start();
        // A password etcdctl asks for comes from standard input.
        process.getOutputStream().write("rootpw\n".getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    private void startWatching(DcsType type, int port, ApiAccess access) {
        DcsConfig config = new DcsConfig(type, List.of(new HostPort("127.0.0.1", port)), "batman", "/service",
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ZERO, access);
        EtcdLeaderWatch watch = new EtcdLeaderWatch(config, new OkHttpClient(), scheduler,
                new RecordingLeaderListener(heard));
        watches.add(watch);
        watch.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !heard.isEmpty());
    }

    private void awaitHeard(String what) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(heard).contains(what));
    }

    private static ApiAccess access(Optional<TlsClient> tls, Optional<BasicAuth> auth) {
        return new ApiAccess(tls, auth);
    }

    @Test
    void v3OverTlsWithAClientCertificateAndWithoutOne() throws Exception {
        int port = startEtcd(true);
        etcdctl("3", "put", KEY, "pg01");

        startWatching(DcsType.ETCD_V3, port, access(Optional.of(certificates.tlsClient(true)), Optional.empty()));
        awaitHeard("leader pg01");
        etcdctl("3", "put", KEY, "pg02");
        awaitHeard("leader pg02");
        assertThat(heard).doesNotContain("unreachable");

        heard.clear();
        startWatching(DcsType.ETCD_V3, port, access(Optional.of(certificates.tlsClient(false)), Optional.empty()));
        assertThat(heard).as("etcd's --client-cert-auth turns away a client without a certificate")
                .containsExactly("unreachable");
    }

    @Test
    void v2OverTlsWithAClientCertificate() throws Exception {
        int port = startEtcd(true);
        etcdctl("2", "set", KEY, "pg01");

        startWatching(DcsType.ETCD_V2, port, access(Optional.of(certificates.tlsClient(true)), Optional.empty()));

        awaitHeard("leader pg01");
        etcdctl("2", "set", KEY, "pg03");
        awaitHeard("leader pg03");
    }

    @Test
    void v3AsAnEtcdUserWithATokenRenewedWhenEtcdForgetsIt() throws Exception {
        // Tokens live 1 s without use; the watch is asked again every 2 s, each time with an expired token.
        int port = startEtcd(false, "--auth-token-ttl", "1");
        etcdctl("3", "user", "add", "root", "--interactive=false");
        etcdctl("3", "user", "add", "patroxy:patroxypw");
        etcdctl("3", "role", "add", "reader");
        etcdctl("3", "role", "grant-permission", "reader", "read", "--prefix", "/service/");
        etcdctl("3", "user", "grant-role", "patroxy", "reader");
        etcdctl("3", "--user", "root:rootpw", "put", KEY, "pg01");
        assertThat(etcdctl("3", "auth", "enable")).contains("Authentication Enabled");

        startWatching(DcsType.ETCD_V3, port, access(Optional.empty(),
                Optional.of(new BasicAuth("patroxy", new Secret("patroxypw")))));
        awaitHeard("leader pg01");
        Thread.sleep(4500);
        etcdctl("3", "--user", "root:rootpw", "put", KEY, "pg02");
        awaitHeard("leader pg02");
        assertThat(heard).doesNotContain("unreachable");

        heard.clear();
        startWatching(DcsType.ETCD_V3, port, access(Optional.empty(),
                Optional.of(new BasicAuth("patroxy", new Secret("wrong")))));
        assertThat(heard).containsExactly("unreachable");
    }

    @Test
    void v2AsAnEtcdUserWithBasicAuthentication() throws Exception {
        int port = startEtcd(false);
        etcdctl("2", "user", "add", "root");
        etcdctl("2", "auth", "enable");
        etcdctl("2", "--username", "root:rootpw", "role", "revoke", "guest", "-path", "/*", "-readwrite");
        etcdctl("2", "--username", "root:rootpw", "set", KEY, "pg01");

        startWatching(DcsType.ETCD_V2, port, access(Optional.empty(),
                Optional.of(new BasicAuth("root", new Secret("rootpw")))));
        awaitHeard("leader pg01");
        etcdctl("2", "--username", "root:rootpw", "set", KEY, "pg02");
        awaitHeard("leader pg02");

        heard.clear();
        startWatching(DcsType.ETCD_V2, port, ApiAccess.PLAIN);
        assertThat(heard).as("guests may read nothing").containsExactly("unreachable");
    }
}
