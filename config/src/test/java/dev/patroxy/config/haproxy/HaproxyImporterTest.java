package dev.patroxy.config.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patroxy.config.AdminConfig;
import dev.patroxy.config.AdminLevel;
import dev.patroxy.config.Balance;
import dev.patroxy.config.BasicAuth;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.PatroxyConfig;
import dev.patroxy.config.Secret;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.TlsClient;
import dev.patroxy.config.TlsServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HaproxyImporterTest {
    /** Every haproxy.cfg under test resources; HaproxyAcceptsTheTestFilesTest proves each valid for HAProxy 2.6. */
    static final List<String> FILES = List.of("seed.cfg", "patroni-docs.cfg", "frontend-backend.cfg", "autobase.cfg",
            "stats-auth.cfg", "unsupported.cfg", "addresses.cfg", "skipped.cfg", "check-tls.cfg",
            "check-tls-mixed.cfg", "stats-users.cfg", "runtime-api.cfg");
    private static final Path TARGET = Path.of("/etc/patroxy/patroxy.yml");
    /** A listen section whose servers are checked, to add server lines to. */
    private static final String CHECKED = "listen a\n    bind *:5000\n    option httpchk\n";
    /** A listen section that imports as it is, to put after a global section. */
    private static final String LISTEN = "listen a\n    bind *:5000\n    server s 127.0.0.1:5432\n";

    /** Where the haproxy.cfg under test, the files it names and the patroxy file made from it are. */
    @TempDir
    Path dir;

    static String resource(String name) throws IOException {
        try (InputStream in = HaproxyImporterTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @BeforeEach
    void tlsFiles() throws IOException {
        TestTlsFiles.writeTo(dir);
    }

    private ImportResult imported(String name) throws Exception {
        return imported(name, false);
    }

    private ImportResult imported(String name, boolean withSecrets) throws Exception {
        Path source = Files.writeString(dir.resolve(name), resource(name));
        return HaproxyImporter.importText(source, resource(name), dir.resolve("patroxy.yml"), withSecrets);
    }

    /** {@code text} imported from {@code name} in the directory that holds the certificates. */
    private ImportResult imported(String name, String text) throws Exception {
        return HaproxyImporter.importText(dir.resolve(name), text, dir.resolve("patroxy.yml"));
    }

    /** The password files the import names, made as the operator makes them: each password on a line. */
    private void createPasswordFiles(ImportResult result) throws IOException {
        List<BasicAuth> users = result.config().stats().users();
        assertThat(result.passwordFiles()).hasSameSizeAs(users);
        for (int i = 0; i < users.size(); i++) {
            Files.writeString(dir.resolve(result.passwordFiles().get(i)), users.get(i).password().value() + "\n");
        }
    }

    private static ImportResult importedText(String text) throws HaproxyImportException {
        return HaproxyImporter.importText(Path.of("haproxy.cfg"), text, TARGET);
    }

    private static ListenerConfig listener(PatroxyConfig config, String name) {
        return config.listeners().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<String> notesAt(ImportResult result, int line) {
        return result.notes().stream().filter(n -> n.line() == line).map(n -> n.subject() + ": " + n.message())
                .toList();
    }

    static Stream<String> files() {
        return FILES.stream();
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyImportLoadsAsItsOwnConfigurationAndNamesItsSource(String name) throws Exception {
        ImportResult result = imported(name);
        createPasswordFiles(result);

        assertThat(ConfigLoader.load(Files.writeString(dir.resolve("patroxy.yml"), result.yaml()), Map.of()))
                .isEqualTo(result.config());
        assertThat(imported(name, true).config()).as("with the passwords in the file").isEqualTo(result.config());
        assertThat(result.yaml()).startsWith("# patroxy configuration imported from " + dir.resolve(name)
                + " by `patroxy import-haproxy`.\n");
        for (ImportNote note : result.notes()) {
            assertThat(result.yaml()).contains("\n#   " + note.format(Path.of(name)) + "\n");
        }
    }

    @Test
    void theSeedsSampleIsOnePrimaryListenerWithPatronisChecks() throws Exception {
        ImportResult result = imported("seed.cfg");
        PatroxyConfig config = result.config();

        assertThat(config.global().maxconn()).isEqualTo(100);
        assertThat(config.stats().binds()).containsExactly(new BindAddress(null, 7000));
        assertThat(config.stats().refresh()).isZero();
        assertThat(config.servers()).containsExactly(
                new ServerConfig("postgresql_127.0.0.1_5432", new HostPort("127.0.0.1", 5432),
                        new HostPort("127.0.0.1", 8008), 100),
                new ServerConfig("postgresql_127.0.0.1_5433", new HostPort("127.0.0.1", 5433),
                        new HostPort("127.0.0.1", 8009), 100));
        ListenerConfig batman = listener(config, "batman");
        assertThat(batman.binds()).containsExactly(new BindAddress(null, 5000));
        assertThat(batman.balance()).isEqualTo(Balance.PRIMARY);
        assertThat(batman.check()).contains(new CheckConfig("OPTIONS", "/", 200, Duration.ofSeconds(3),
                Duration.ofSeconds(5), 2, 3));
        assertThat(batman.timeouts().connect()).isEqualTo(Duration.ofSeconds(4));
        assertThat(batman.timeouts().client()).isEqualTo(Duration.ofMinutes(30));
        assertThat(batman.timeouts().server()).isEqualTo(Duration.ofMinutes(30));
        assertThat(batman.retries()).isEqualTo(2);
        assertThat(batman.shutdownSessionsOnDown()).isTrue();
        assertThat(batman.servers()).hasSize(2);
        assertThat(result.notes()).extracting(ImportNote::line, ImportNote::subject)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(19, "listen batman balance primary"));
        assertThat(result.yaml()).contains("defaults:\n  timeout: {connect: 4s, client: 30m, server: 30m}\n");
    }

    @Test
    void patronisDocumentedLayoutIsAPrimaryAndAReplicaListenerOverTheSameServers() throws Exception {
        ImportResult result = imported("patroni-docs.cfg");
        PatroxyConfig config = result.config();

        assertThat(config.servers()).extracting(ServerConfig::name).containsExactly("pg01", "pg02", "pg03");
        ListenerConfig master = listener(config, "master");
        ListenerConfig replicas = listener(config, "replicas");
        assertThat(master.balance()).isEqualTo(Balance.PRIMARY);
        assertThat(master.check().orElseThrow().describe()).isEqualTo("OPTIONS /master expect 200");
        assertThat(replicas.balance()).isEqualTo(Balance.ROUNDROBIN);
        assertThat(replicas.check().orElseThrow().describe()).isEqualTo("OPTIONS /replica expect 200");
        for (ListenerConfig l : List.of(master, replicas)) {
            assertThat(l.servers()).hasSize(3);
            assertThat(l.shutdownSessionsOnDown()).isTrue();
            assertThat(l.check().orElseThrow().interval()).isEqualTo(Duration.ofSeconds(3));
            assertThat(l.check().orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(5));
        }
        assertThat(result.notes()).extracting(ImportNote::subject).containsExactly("listen master balance primary");
    }

    @Test
    void frontendsTakeTheirDefaultBackendsServersAndEveryBind() throws Exception {
        ImportResult result = imported("frontend-backend.cfg");
        PatroxyConfig config = result.config();

        assertThat(config.global().threads()).isEqualTo(2);
        assertThat(config.global().maxconn()).isEqualTo(2000);
        ListenerConfig primary = listener(config, "primary");
        assertThat(primary.binds()).containsExactly(new BindAddress("127.0.0.1", 5000),
                new BindAddress("10.29.0.1", 5000));
        assertThat(primary.maxconn()).isEqualTo(500);
        assertThat(primary.tcplog()).isTrue();
        assertThat(primary.check().orElseThrow()).isEqualTo(new CheckConfig("GET", "/primary", 200,
                Duration.ofSeconds(2), Duration.ofSeconds(2), 2, 3));
        ListenerConfig replicas = listener(config, "replicas");
        assertThat(replicas.binds()).containsExactly(new BindAddress("127.0.0.1", 5001),
                new BindAddress("10.29.0.1", 5001));
        assertThat(replicas.check().orElseThrow().path()).isEqualTo("/replica?lag=16MB");
        assertThat(replicas.timeouts().queue()).isEqualTo(Duration.ofSeconds(5));
        assertThat(replicas.servers()).extracting(ServerConfig::name, ServerConfig::maxconn).containsExactly(
                org.assertj.core.groups.Tuple.tuple("pg01-pg_replicas", 200),
                org.assertj.core.groups.Tuple.tuple("pg02-pg_replicas", 200),
                org.assertj.core.groups.Tuple.tuple("pg03-pg_replicas", 200));
        assertThat(primary.servers()).extracting(ServerConfig::maxconn).containsOnly(0);
        assertThat(notesAt(result, 30)).containsExactly("http-check send hdr Host: not carried over: patroxy sends"
                + " Host, User-Agent and Connection: close");
        assertThat(notesAt(result, 41)).singleElement().asString().contains("written as server pg01-pg_replicas");
        assertThat(notesAt(result, 28)).anyMatch(n -> n.contains("GET /primary: differs: patroxy also reads the role"));
    }

    @Test
    void theAutobaseLayoutKeepsEveryRoleOnItsOwnPort() throws Exception {
        ImportResult result = imported("autobase.cfg");
        PatroxyConfig config = result.config();

        assertThat(config.listeners()).extracting(ListenerConfig::name, ListenerConfig::balance,
                l -> l.check().orElseThrow().path()).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("master", Balance.PRIMARY, "/primary"),
                        org.assertj.core.groups.Tuple.tuple("replicas", Balance.ROUNDROBIN, "/replica?lag=100MB"),
                        org.assertj.core.groups.Tuple.tuple("replicas_sync", Balance.ROUNDROBIN, "/sync"),
                        org.assertj.core.groups.Tuple.tuple("replicas_async", Balance.ROUNDROBIN, "/async?lag=100MB"),
                        org.assertj.core.groups.Tuple.tuple("standby_leader", Balance.ROUNDROBIN, "/standby-leader"));
        assertThat(listener(config, "master").check().orElseThrow().rise()).isEqualTo(4);
        assertThat(listener(config, "replicas").check().orElseThrow().rise()).isEqualTo(2);
        assertThat(listener(config, "master").check().orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(listener(config, "standby_leader").maxconn()).isZero();
        assertThat(listener(config, "replicas").maxconn()).isEqualTo(10_000);
        assertThat(listener(config, "replicas").timeouts().queue()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.servers()).extracting(s -> s.address().port()).containsOnly(6432);
        for (int line : new int[] {35, 47, 58, 69}) {
            assertThat(notesAt(result, line)).containsExactly("fastinter 1s: not carried over: patroxy checks every"
                    + " inter (and fast by itself after the DCS leader key changes)");
        }
        assertThat(notesAt(result, 5)).containsExactly("daemon: not carried over: patroxy runs in the foreground; its"
                + " systemd unit makes it a service");
        assertThat(config.admin().socket()).contains(new AdminConfig.Socket(Path.of("/tmp/admin.sock"), 0660,
                Optional.empty(), Optional.empty(), AdminLevel.ADMIN));
        assertThat(config.admin().limits().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(notesAt(result, 6)).anyMatch(n -> n.startsWith("expose-fd listeners: not carried over"));
    }

    @Test
    void aStatsPageWithALoginKeepsItsUserWithThePasswordInAFileToCreate() throws Exception {
        ImportResult result = imported("stats-auth.cfg");
        PatroxyConfig config = result.config();

        assertThat(config.stats().binds()).containsExactly(new BindAddress(null, 8404));
        assertThat(config.stats().refresh()).isEqualTo(Duration.ofSeconds(5));
        assertThat(notesAt(result, 15)).singleElement().asString().startsWith("stats uri /haproxy?stats: differs:");
        assertThat(notesAt(result, 17)).containsExactly("stats auth admin:***: written as password-file"
                + " stats-admin.password: create that file beside the patroxy file, holding this password (one line),"
                + " readable by the patroxy user only; or import with --with-secrets to write the password itself");
        assertThat(notesAt(result, 18)).singleElement().asString().startsWith("stats admin: not carried over");
        assertThat(config.stats().users()).containsExactly(new BasicAuth("admin", new Secret("s3cret")));
        assertThat(result.passwordFiles()).containsExactly("stats-admin.password");
        assertThat(result.yaml()).doesNotContain("s3cret")
                .contains("\n  auth:\n  - {username: admin, password-file: stats-admin.password}\n");
        ImportResult withSecrets = imported("stats-auth.cfg", true);
        assertThat(withSecrets.yaml()).contains("\n  auth:\n  - {username: admin, password: s3cret}\n");
        assertThat(withSecrets.passwordFiles()).isEmpty();
        assertThat(withSecrets.notes()).extracting(ImportNote::line).doesNotContain(17);
        ListenerConfig leader = listener(config, "leader");
        assertThat(leader.balance()).isEqualTo(Balance.PRIMARY);
        assertThat(leader.check().orElseThrow()).isEqualTo(new CheckConfig("HEAD", "/leader", 200,
                Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 2));
        assertThat(notesAt(result, 21)).anyMatch(n -> n.contains("/leader is the standby leader"));
        ListenerConfig readOnly = listener(config, "read_only");
        assertThat(readOnly.balance()).isEqualTo(Balance.ROUNDROBIN);
        assertThat(readOnly.check().orElseThrow().describe()).isEqualTo("GET /read-only expect 200");
        assertThat(readOnly.shutdownSessionsOnDown()).isFalse();
        assertThat(readOnly.retries()).isEqualTo(3);
    }

    @Test
    void whatCannotCarryOverIsListedWithItsLine() throws Exception {
        ImportResult result = imported("unsupported.cfg");

        assertThat(result.notes()).extracting(ImportNote::line, ImportNote::subject).contains(
                org.assertj.core.groups.Tuple.tuple(4, "pidfile /run/haproxy.pid"),
                org.assertj.core.groups.Tuple.tuple(5, "ulimit-n 65536"),
                org.assertj.core.groups.Tuple.tuple(6, "tune.bufsize 32768"),
                org.assertj.core.groups.Tuple.tuple(8, "resolvers dns"),
                org.assertj.core.groups.Tuple.tuple(14, "timeout tunnel 1h"),
                org.assertj.core.groups.Tuple.tuple(15, "option redispatch"),
                org.assertj.core.groups.Tuple.tuple(19, "balance leastconn"),
                org.assertj.core.groups.Tuple.tuple(20, "acl internal"),
                org.assertj.core.groups.Tuple.tuple(21, "tcp-request connection"),
                org.assertj.core.groups.Tuple.tuple(24, "fastinter 1s"),
                org.assertj.core.groups.Tuple.tuple(24, "downinter 10s"),
                org.assertj.core.groups.Tuple.tuple(24, "slowstart 30s"),
                org.assertj.core.groups.Tuple.tuple(26, "verify required"),
                org.assertj.core.groups.Tuple.tuple(27, "resolvers dns"),
                org.assertj.core.groups.Tuple.tuple(28, "server primary backup"),
                org.assertj.core.groups.Tuple.tuple(24, "on-marked-up shutdown-backup-sessions"),
                org.assertj.core.groups.Tuple.tuple(34, "server pg01"),
                org.assertj.core.groups.Tuple.tuple(32, "balance source"),
                org.assertj.core.groups.Tuple.tuple(34, "crt client.pem"),
                org.assertj.core.groups.Tuple.tuple(38, "balance first"),
                org.assertj.core.groups.Tuple.tuple(41, "server pg03"),
                org.assertj.core.groups.Tuple.tuple(45, "listen pgsql"),
                org.assertj.core.groups.Tuple.tuple(49, "listen web"));
        assertThat(notesAt(result, 17)).singleElement().asString()
                .isEqualTo("listen replicas weights 100, 50, 1: differs: patroxy gives every server the same share");
        PatroxyConfig config = result.config();
        assertThat(config.listeners()).extracting(ListenerConfig::name).containsExactly("replicas", "sticky",
                "by_hand");
        assertThat(listener(config, "replicas").servers()).extracting(ServerConfig::name)
                .containsExactly("pg01", "pg02", "pg03");
        assertThat(listener(config, "replicas").servers().get(2).address()).isEqualTo(new HostPort("pg03.example",
                5432));
        assertThat(listener(config, "sticky").servers()).extracting(ServerConfig::name, s -> s.checkAccess().tls())
                .as("its pg01 is checked over plain HTTP, unlike that of replicas")
                .containsExactly(org.assertj.core.groups.Tuple.tuple("pg01-sticky", java.util.Optional.empty()));
        assertThat(notesAt(result, 34)).contains("crt client.pem: not carried over: patroxy speaks no TLS to the"
                + " server (ssl), and checks its REST API over plain HTTP (no check-ssl)");
        assertThat(listener(config, "by_hand").check()).isEmpty();
        assertThat(listener(config, "by_hand").servers()).extracting(ServerConfig::maxconn).containsOnly(10);
        assertThat(config.stats().binds()).containsExactly(new BindAddress("127.0.0.1", 7000));
        assertThat(notesAt(result, 1)).containsExactly("listen stats: none in the file: patroxy needs a stats page,"
                + " written on 127.0.0.1:7000 (loopback only)");
    }

    private static TlsClient checkTls(PatroxyConfig config, String server) {
        return config.servers().stream().filter(s -> s.name().equals(server)).findFirst().orElseThrow().checkAccess()
                .tls().orElseThrow();
    }

    @Test
    void checksOverTlsThatEveryServerSharesGoToDefaultsWithTheirFilesWhereHaproxyFindsThem() throws Exception {
        ImportResult result = imported("check-tls.cfg");
        PatroxyConfig config = result.config();

        assertThat(config.servers()).extracting(ServerConfig::name).containsExactly("pg01", "pg02", "pg03");
        for (ServerConfig server : config.servers()) {
            TlsClient tls = server.checkAccess().tls().orElseThrow();
            assertThat(tls.verify()).isTrue();
            assertThat(tls.caFile().orElseThrow().path()).as("ca-base tls").isEqualTo(dir.resolve("tls/ca.pem"));
            assertThat(tls.certificate().orElseThrow().certFile().path()).isEqualTo(dir.resolve("tls/patroxy.pem"));
            assertThat(tls.certificate().orElseThrow().keyFile().path()).as("crt holds the key")
                    .isEqualTo(dir.resolve("tls/patroxy.pem"));
        }
        assertThat(result.yaml()).contains("    tls: {ca-file: " + dir.resolve("tls/ca.pem") + ", cert-file: "
                + dir.resolve("tls/patroxy.pem") + ", verify: required}\nservers:\n").doesNotContain("check-tls:");
        for (int line : new int[] {21, 31}) {
            assertThat(notesAt(result, line)).containsExactly(
                    "ca-file ca.pem: differs: a relative path, which HAProxy reads from the directory it is started in"
                            + " (/ under systemd) unless default-path says otherwise; written as "
                            + dir.resolve("tls/ca.pem") + ", from haproxy.cfg's directory: check that it is this file",
                    "crt patroxy.pem: differs: a relative path, which HAProxy reads from the directory it is started"
                            + " in (/ under systemd) unless default-path says otherwise; written as "
                            + dir.resolve("tls/patroxy.pem") + ", from haproxy.cfg's directory: check that it is"
                            + " this file",
                    "verify required: " + TlsMappings.HOST_NAME_CHECKED);
        }
    }

    @Test
    void checksOverTlsServerByServerAsEachServerLineSaysAndHttpCheckConnectSsl() throws Exception {
        ImportResult result = imported("check-tls-mixed.cfg");
        PatroxyConfig config = result.config();

        assertThat(checkTls(config, "pg01")).as("ssl-server-verify none")
                .isEqualTo(new TlsClient(false, java.util.Optional.empty(), java.util.Optional.empty()));
        TlsClient.ClientCertificate pg02 = checkTls(config, "pg02").certificate().orElseThrow();
        assertThat(pg02.certFile().path()).isEqualTo(dir.resolve("patroxy-cert.pem"));
        assertThat(pg02.keyFile().path()).as("HAProxy reads the key of a crt without one from FILE.key")
                .isEqualTo(dir.resolve("patroxy-cert.pem.key"));
        assertThat(checkTls(config, "pg03").verify()).isTrue();
        assertThat(checkTls(config, "pg03").caFile()).as("@system-ca: the JDK's trust store").isEmpty();
        assertThat(config.servers().get(3).name()).isEqualTo("pg04");
        assertThat(config.servers().get(3).checkAccess().tls()).isEmpty();
        assertThat(checkTls(config, "pg05").verify()).as("http-check connect ssl").isFalse();
        assertThat(checkTls(config, "pg06").caFile().orElseThrow().path()).as("connect ssl over no-check-ssl")
                .isEqualTo(dir.resolve("ca.pem"));
        assertThat(config.servers().get(5).checkAddress()).isEqualTo(new HostPort("10.29.0.16", 8009));
        assertThat(result.yaml()).contains("  check-tls: {verify: none}\n", "- {name: pg04, address:"
                + " '10.29.0.14:5432', check-port: 8008}\n").doesNotContain("\n    tls:");
        assertThat(notesAt(result, 20)).containsExactly(
                "ca-file @system-ca: differs: patroxy trusts the JDK's CA certificates (its cacerts; on Debian the"
                        + " same list, from ca-certificates)",
                "verifyhost pg03.example: differs: patroxy checks that the certificate names the host it connects to,"
                        + " not pg03.example",
                "ssl-min-ver TLSv1.2: not carried over: patroxy's checks speak TLS 1.3 or 1.2 with the JDK's own"
                        + " cipher suites and ALPN (h2, http/1.1)");
        assertThat(notesAt(result, 18)).as("verify none: nothing differs").isEmpty();
    }

    @Test
    void statsUsersOverHttpsEachWithAPasswordFileOrTheirPasswordWhenAskedFor() throws Exception {
        ImportResult result = imported("stats-users.cfg");
        PatroxyConfig config = result.config();

        assertThat(config.stats().tls().orElseThrow().certFile().path()).isEqualTo(dir.resolve("patroxy.pem"));
        assertThat(config.stats().users()).containsExactly(new BasicAuth("admin", new Secret("pa$${x}:ss")),
                new BasicAuth("prometheus", new Secret("scrape-only")), new BasicAuth("ops/team", new Secret("t3am")));
        assertThat(result.passwordFiles()).containsExactly("stats-admin.password", "stats-prometheus.password",
                "stats-ops_team.password");
        assertThat(notesAt(result, 11)).singleElement().asString().startsWith("crt patroxy.pem: differs: a relative");
        assertThat(notesAt(result, 17)).containsExactly("stats auth admin:***: not carried over: user admin is on"
                + " line 15 already (HAProxy ignores this line too)");
        assertThat(notesAt(result, 18)).containsExactly("stats auth nobody:***: not carried over: patroxy takes no"
                + " password that is empty or begins or ends with a blank; give this user another one in stats.auth");
        assertThat(result.yaml()).doesNotContain("pa$", "scrape-only", "t3am", "s3cond");
        ImportResult withSecrets = imported("stats-users.cfg", true);
        assertThat(withSecrets.yaml()).contains("  - {username: admin, password: 'pa$$$${x}:ss'}\n");
        assertThat(withSecrets.notes()).extracting(ImportNote::line).doesNotContain(15, 16, 19).contains(17, 18);
    }

    @Test
    void everyStatsBindIsServedOverHttpsWithTheFirstCertificate() throws Exception {
        ImportResult result = imported("stats.cfg", """
                listen stats
                    mode http
                    bind 127.0.0.1:7000 ssl crt patroxy-cert.pem alpn h2
                    bind 127.0.0.2:7000
                    bind 127.0.0.3:7000 crt patroxy.pem ssl
                    stats enable
                listen a
                    bind *:5000
                    server s 127.0.0.1:5432
                """);

        TlsServer tls = result.config().stats().tls().orElseThrow();
        assertThat(tls.certFile().path()).isEqualTo(dir.resolve("patroxy-cert.pem"));
        assertThat(tls.keyFile().path()).isEqualTo(dir.resolve("patroxy-cert.pem.key"));
        assertThat(result.config().stats().binds()).hasSize(3);
        assertThat(notesAt(result, 3)).contains("bind 127.0.0.1:7000: 'alpn h2': not carried over");
        assertThat(notesAt(result, 4)).containsExactly("bind 127.0.0.2:7000: differs: patroxy serves every stats bind"
                + " over HTTPS (stats.tls), this one too");
        assertThat(notesAt(result, 5)).containsExactly("crt patroxy.pem: differs: patroxy serves its stats page with"
                + " one certificate, that of line 3");
    }

    @Test
    void aLoginWhoseUsersAllStayBehindSaysThePageIsOpen() throws Exception {
        ImportResult result = importedText("""
                listen stats
                    mode http
                    bind 127.0.0.1:7000
                    stats enable
                    stats auth :nameless
                listen a
                    bind *:5000
                    server s 127.0.0.1:5432
                """);

        assertThat(result.config().stats().users()).isEmpty();
        assertThat(result.notes()).extracting(n -> n.line() + " " + n.subject() + ": " + n.message()).contains(
                "5 stats auth :***: not carried over: patroxy takes no user name that is empty or begins or ends with"
                        + " a blank",
                "5 stats auth: differs: no user carried over, so anyone who reaches 127.0.0.1:7000 can read the stats"
                        + " page, where HAProxy asked for a login");
    }

    @Test
    void addressesInEveryFormHaproxyWritesThem() throws Exception {
        ImportResult result = imported("addresses.cfg");
        PatroxyConfig config = result.config();

        ListenerConfig ipv6 = listener(config, "ipv6");
        assertThat(ipv6.binds()).containsExactly(new BindAddress(null, 5432), new BindAddress("127.0.0.1", 6000),
                new BindAddress("127.0.0.1", 6001), new BindAddress("127.0.0.1", 6002));
        assertThat(ipv6.servers()).extracting(ServerConfig::address).containsExactly(new HostPort("::1", 5433));
        assertThat(ipv6.timeouts().client()).isZero();
        assertThat(ipv6.timeouts().connect()).isEqualTo(Duration.ofSeconds(2));
        assertThat(ipv6.check().orElseThrow().interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(notesAt(result, 18)).containsExactly("server pg02: not imported: '127.0.0.2' has no port, and the"
                + " listener's binds have several");
        ListenerConfig replicas = listener(config, "replicas");
        assertThat(replicas.check().orElseThrow().path()).isEqualTo("/replica?lag=1MB&tag_nofailover=false");
        assertThat(replicas.servers().get(1).checkAddress()).isEqualTo(new HostPort("127.0.0.3", 8009));
        ListenerConfig plain = listener(config, "plain");
        assertThat(plain.check()).isEmpty();
        assertThat(plain.timeouts().connect()).as("from defaults other, the last one above")
                .isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void listenersThatWouldRouteDifferentlyAreLeftOutWithTheReason() throws Exception {
        ImportResult result = imported("skipped.cfg");

        assertThat(result.config().listeners()).extracting(ListenerConfig::name).containsExactly("routed");
        assertThat(notesAt(result, 8)).singleElement().asString().startsWith("listen body_check: not imported: the"
                + " check GET /patroni: '/patroni' is not a Patroni health endpoint");
        assertThat(notesAt(result, 14)).singleElement().asString().startsWith("listen unknown_path: not imported");
        assertThat(notesAt(result, 17)).singleElement().asString().contains("checked by a TCP connection");
        assertThat(notesAt(result, 23)).singleElement().asString().contains("POST");
        assertThat(notesAt(result, 26)).singleElement().asString().contains("no default_backend, and patroxy does"
                + " not route by condition");
        assertThat(notesAt(result, 30)).containsExactly("backend unused: not imported: no frontend sends sessions"
                + " to it");
        ListenerConfig routed = listener(result.config(), "routed");
        assertThat(routed.check().orElseThrow().describe()).isEqualTo("GET /primary expect 200");
        assertThat(routed.servers().get(0).checkAddress()).as("http-check connect port")
                .isEqualTo(new HostPort("10.29.0.11", 8010));
        assertThat(notesAt(result, 37)).singleElement().asString().contains("differs: patroxy expects one status, 200");
    }

    @Test
    void aFileWithNothingPatroxyCanServeIsAnErrorThatKeepsTheReasons() {
        assertThatThrownBy(() -> importedText("""
                defaults
                    mode http
                listen web
                    bind *:80
                    server www 10.29.0.20:80 check
                """))
                .isInstanceOfSatisfying(HaproxyImportException.class, e -> {
                    assertThat(e.line()).isEqualTo(5);
                    assertThat(e.getMessage()).startsWith("haproxy.cfg:5: nothing to import");
                    assertThat(e.notes()).extracting(ImportNote::line).containsExactly(2);
                });
    }

    @Test
    void whatHaproxyItselfWouldRefuseIsAnErrorNamingTheLine() {
        String[][] cases = {
            {"listen a\n    bind *:5000\n    stats auth \"admin:x\n", "3", "unterminated double quote"},
            {"global\n    maxconn lots\n", "2", "maxconn lots: expects a whole number, found 'lots'"},
            {"listen a\n    bind *:5000\n    timeout connect 4x\n    server s 127.0.0.1:5432\n", "3",
                "timeout connect: expects a time such as 500ms, 4s or 30m, found '4x'"},
            {"listen a\n    bind *:5000\n    server s\n", "3", "server s: expects an address"},
            {".if defined(X)\nlisten a\n.endif\n", "1", ".if: conditional blocks are not imported"},
            {"frontend a\n    bind *:5000\n    default_backend b\n", "3", "no backend or listen section named 'b'"},
            {"listen a\n    bind *:5000\n    server s 127.0.0.1:5432\nlisten b\n    bind 0.0.0.0:5000\n"
                + "    server s 127.0.0.1:5432\n", "5", "the patroxy configuration made from it does not load: "
                + TARGET + ":"},
            {"listen a b c\n    bind *:5000\n    server s 127.0.0.1:5432 inter 0 check\n    option httpchk\n", "3",
                "inter must be longer than zero"},
            {"listen a\n    bind *:5000\n    server s 127.0.0.1:5432\n    server s 127.0.0.1:5433\n", "4",
                "server s: the name is used by the server on line 3 already"},
            {"listen a/b\n    bind *:5000\n    server s 127.0.0.1:5432\n", "1", "expects a name of letters"},
            {CHECKED + "    server s 127.0.0.1:5432 check port 8008 check-ssl\n", "4",
                "its checks over TLS verify the REST API's certificate (verify required, HAProxy's default) but it"
                    + " has no ca-file; HAProxy refuses this too: give a ca-file, or verify none"},
            {CHECKED + "    default-server check-ssl verify sometimes\n    server s 127.0.0.1:5432 check\n", "4",
                "verify: expects none or required, found 'sometimes'"},
            {"global\n    ssl-server-verify maybe\n" + CHECKED, "2", "expects none or required, found 'maybe'"},
            {CHECKED + "    server s 127.0.0.1:5432 check port 8008 check-ssl verify none\n"
                + "    server t 127.0.0.2:5432 check port 8008 check-ssl ca-file /nonexistent/ca.pem\n", "5",
                "servers[1].check-tls.ca-file: cannot read /nonexistent/ca.pem: it does not exist"},
            {"global\n    stats socket /nonexistent/admin.sock level admin\n" + LISTEN, "2",
                "admin.socket.path: the directory /nonexistent does not exist"},
            {"global\n    stats socket /tmp/admin.sock user no-such-user-here\n" + LISTEN, "2",
                "admin.socket.owner: no user 'no-such-user-here' on this machine"},
            {"global\n    stats socket /tmp/admin.sock level root\n" + LISTEN, "2",
                "stats socket: level takes user, operator or admin, found 'root'"},
            {"global\n    stats socket /tmp/admin.sock mode rw\n" + LISTEN, "2",
                "stats socket: mode expects permission bits in octal such as 660, found 'rw'"},
            {"global\n    stats socket /tmp/admin.sock uid haproxy\n" + LISTEN, "2",
                "stats socket: uid expects a number, found 'haproxy'"},
            {"global\n    stats socket /tmp/admin.sock\n    stats timeout 0\n" + LISTEN, "3",
                "stats timeout: expects a positive value"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> importedText(c[0])).as(c[0])
                    .isInstanceOfSatisfying(HaproxyImportException.class, e -> {
                        assertThat(e.line()).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
                        assertThat(e.getMessage()).as(c[0]).startsWith("haproxy.cfg:" + c[1] + ": ").contains(c[2]);
                    });
        }
    }

    @Test
    void theStatsSocketsBecomeTheRuntimeApiAndWhatStaysBehindIsSaid() throws Exception {
        ImportResult result = imported("runtime-api.cfg");
        AdminConfig admin = result.config().admin();

        Path socket = dir.resolve("admin.sock");
        assertThat(admin.socket()).contains(new AdminConfig.Socket(socket, 0660, Optional.empty(), Optional.empty(),
                AdminLevel.ADMIN));
        assertThat(admin.bind()).contains(new BindAddress("127.0.0.1", 9999));
        assertThat(admin.bindLevel()).isEqualTo(AdminLevel.USER);
        assertThat(admin.limits()).isEqualTo(new AdminConfig.Limits(20, 16384, Duration.ofMinutes(1)));
        assertThat(admin.stateFile()).isEmpty();
        assertThat(result.yaml()).contains("\nadmin:\n  socket: {path: " + socket + ", mode: '0660', level: admin}\n"
                + "  bind: 127.0.0.1:9999\n  bind-level: user\n  maxconn: 20\n  timeout: 1m\ndefaults:\n");
        assertThat(notesAt(result, 3)).containsExactly(
                "stats socket unix@admin.sock: differs: a relative path, which HAProxy makes in the directory it is"
                        + " started in (/ under systemd); written as " + socket + ", from haproxy.cfg's directory:"
                        + " check that it is this file",
                "stats socket unix@admin.sock: differs: patroxy makes the socket as its own user (patroxy, under its"
                        + " systemd unit), which needs write access to " + dir + "; the unit makes /run/patroxy for"
                        + " it",
                "expose-fd listeners: not carried over: it hands HAProxy's listening sockets to the next HAProxy at"
                        + " a reload; patroxy's reload (systemctl reload) keeps its listening sockets itself");
        assertThat(notesAt(result, 4)).isEmpty();
        assertThat(notesAt(result, 5)).containsExactly("stats socket ipv4@10.29.0.1:9998: not carried over:"
                + " 10.29.0.1:9998 is not a loopback address, and patroxy's runtime API, which asks for no password,"
                + " listens on TCP on a loopback address only (admin.bind such as 127.0.0.1:9999), or on a UNIX socket"
                + " (admin.socket)");
        assertThat(notesAt(result, 6)).containsExactly("stats socket /run/haproxy/second.sock: not carried over:"
                + " patroxy's runtime API has one UNIX socket, that of line 3");
        for (int line : new int[] {9, 16}) {
            assertThat(notesAt(result, line)).singleElement().asString().endsWith(": " + AdminSection.STATE_FILE);
        }
    }

    @Test
    void aSocketWithoutALevelIsWrittenWithHaproxysOperatorLevel() throws Exception {
        Path socket = dir.resolve("haproxy.sock");
        ImportResult result = imported("haproxy.cfg", "global\n    stats socket " + socket + " uid 0 gid 0\n"
                + LISTEN);

        assertThat(result.config().admin().socket()).contains(new AdminConfig.Socket(socket,
                AdminConfig.Socket.DEFAULT_MODE, Optional.of("0"), Optional.of("0"), AdminLevel.OPERATOR));
        assertThat(result.yaml()).contains("  socket: {path: " + socket + ", level: operator, owner: '0',"
                + " group: '0'}\n");
        assertThat(notesAt(result, 2)).containsExactly(
                "stats socket " + socket + ": differs: patroxy makes the socket as its own user (patroxy, under its"
                        + " systemd unit), which needs write access to " + dir + "; the unit makes /run/patroxy for"
                        + " it",
                "uid 0: differs: patroxy gives the socket to this user itself at start, which takes CAP_CHOWN; its"
                        + " systemd unit runs it as user patroxy without it",
                "gid 0: differs: patroxy gives the socket to this group itself at start, which its user (patroxy,"
                        + " under its systemd unit) may do only as a member of the group");
    }

    @Test
    void aStatsSocketOnALoopbackAddressIsTheTcpBindAtItsLevel() throws Exception {
        String[][] cases = {
            {"ipv4@127.0.0.1:9999 level admin", "127.0.0.1:9999", "admin"},
            {"127.0.0.1:9999", "127.0.0.1:9999", "operator"},
            {"ipv6@[::1]:9999 level user", "[::1]:9999", "user"},
            {"ipv6@::1:9999 process 1", "[::1]:9999", "operator"},
        };
        for (String[] c : cases) {
            ImportResult result = importedText("global\n    stats socket " + c[0] + "\n" + LISTEN);
            AdminConfig admin = result.config().admin();

            assertThat(admin.socket()).as(c[0]).isEmpty();
            assertThat(admin.bind()).as(c[0]).hasValueSatisfying(b -> assertThat(b).hasToString(c[1]));
            assertThat(admin.bindLevel().configName()).as(c[0]).isEqualTo(c[2]);
            assertThat(result.yaml()).as(c[0]).contains("\nadmin: {bind: '" + c[1] + "', bind-level: " + c[2] + "}\n");
        }
        assertThat(notesAt(importedText("global\n    stats socket ipv6@::1:9999 process 1 mode 600\n" + LISTEN), 2))
                .containsExactly("process 1: not carried over: patroxy is one process, whose runtime API serves every"
                        + " listener", "mode 600: not carried over: a TCP address has no owner or permission bits");
    }

    @Test
    void aStatsSocketPatroxyCannotServeIsNotedAndLeavesNoRuntimeApi() throws Exception {
        String[][] cases = {
            {"10.29.0.1:9999", "10.29.0.1:9999 is not a loopback address, and patroxy's runtime API, which asks for"
                + " no password, listens on TCP on a loopback address only"},
            {"*:9999", "*:9999 is not a loopback address"},
            {"ipv4@0.0.0.0:9999", "*:9999 is not a loopback address"},
            {"abns@haproxy", "patroxy's runtime API listens on a UNIX socket's path or a loopback TCP address"},
            {"127.0.0.1", "'127.0.0.1' has no port"},
        };
        for (String[] c : cases) {
            ImportResult result = importedText("global\n    stats socket " + c[0] + " level admin\n"
                    + "    stats timeout 5s\n" + LISTEN);

            assertThat(result.config().admin()).as(c[0]).isEqualTo(AdminConfig.NONE);
            assertThat(result.yaml()).as(c[0]).doesNotContain("admin:");
            assertThat(notesAt(result, 2)).as(c[0]).singleElement().asString()
                    .startsWith("stats socket " + c[0] + ": not carried over: " + c[1]);
            assertThat(notesAt(result, 3)).as(c[0]).containsExactly("stats timeout: not carried over: no stats"
                    + " socket carries over, and without one patroxy serves no runtime API");
        }
    }

    @Test
    void statsTimeoutAndMaxconnAreTheRuntimeApisLimitsWithinPatroxysOwn() throws Exception {
        ImportResult result = importedText("""
                global
                    stats timeout 90s
                    stats maxconn 5000
                    stats socket /tmp/admin.sock mode 1777
                """ + LISTEN);
        AdminConfig admin = result.config().admin();

        assertThat(admin.limits()).isEqualTo(new AdminConfig.Limits(1000, 16384, Duration.ofSeconds(90)));
        assertThat(admin.socket().orElseThrow().mode()).isEqualTo(0777);
        assertThat(result.yaml()).contains("  maxconn: 1000\n  timeout: 90s\n");
        assertThat(notesAt(result, 3)).containsExactly("stats maxconn 5000: differs: patroxy's runtime API takes at"
                + " most 1000 connections at once");
        assertThat(notesAt(result, 4)).contains("mode 1777: differs: written as 0777: set-user-ID, set-group-ID and"
                + " sticky mean nothing on a socket");
    }

    @Test
    void quotesEscapesAndCommentsReadAsHaproxyReadsThem() throws Exception {
        ImportResult result = importedText("""
                # a comment
                listen 'primary'   # trailing comment
                    bind "127.0.0.1:5000"
                    description a\\ listener\\ with\\ \\#\\ in\\ its\\ description
                    option httpchk OPTIONS "/pri"'mary'""
                    server pg01 127.0.0.1:5432 check port 8008 # comment
                """);

        ListenerConfig primary = listener(result.config(), "primary");
        assertThat(primary.check().orElseThrow().path()).isEqualTo("/primary");
        assertThat(primary.binds()).containsExactly(new BindAddress("127.0.0.1", 5000));
    }

    @Test
    void environmentVariablesInDoubleQuotesAreReadAsHaproxyReadsThemAndSaidSo() throws Exception {
        String text = """
                global
                    maxconn "${MAXCONN-77}"
                listen primary
                    bind "127.0.0.1:${PORT}",127.0.0.3:6000
                    option httpchk OPTIONS /primary
                    server pg01 "$PG01_HOST:5432" check port 8008
                    server pg02 "${PG02_HOST}:5432" check port 8008
                """;
        Map<String, String> environment = Map.of("PORT", "6000", "PG01_HOST", "10.0.0.11", "PG02_HOST", "10.0.0.12");
        ImportResult result = HaproxyImporter.importText(Path.of("haproxy.cfg"), text, TARGET, false,
                environment::get);

        ListenerConfig primary = listener(result.config(), "primary");
        assertThat(primary.binds()).extracting(BindAddress::toString)
                .containsExactly("127.0.0.1:6000", "127.0.0.3:6000");
        assertThat(primary.servers()).extracting(s -> s.address().toString())
                .containsExactly("10.0.0.11:5432", "10.0.0.12:5432");
        assertThat(result.config().global().maxconn()).as("the default where the variable is not set").isEqualTo(77);
        assertThat(notesAt(result, 4)).containsExactly("${PORT}: read from the environment of this import: the YAML"
                + " holds its value, where HAProxy reads it at each start (write ${PORT} in the YAML to read it at"
                + " start instead)");
        assertThat(notesAt(result, 2)).containsExactly("${MAXCONN}: not set here: the YAML holds its default, where"
                + " HAProxy reads the variable at each start");
        assertThat(notesAt(result, 6)).extracting(n -> n.substring(0, n.indexOf(':'))).containsExactly("$PG01_HOST");

        assertThatThrownBy(() -> HaproxyImporter.importText(Path.of("haproxy.cfg"), text, TARGET, false,
                Map.of("PORT", "6000", "PG01_HOST", "10.0.0.11")::get))
                .isInstanceOfSatisfying(HaproxyImportException.class, e -> {
                    assertThat(e.line()).isEqualTo(7);
                    assertThat(e.getMessage()).contains("${PG02_HOST}: the environment variable PG02_HOST is not"
                            + " set here, and HAProxy would read it as empty");
                });
    }

    @Test
    void addressesExpandVariablesHoweverWrittenAndNotesNameThemNotTheirValues() throws Exception {
        String text = """
                global
                    log "${LOGHOST}:514" local0
                listen primary
                    bind 127.0.0.1:${PORT},'127.0.0.2:$PORT'
                    option httpchk OPTIONS /primary
                    http-check expect string "${TOKEN}"
                    server pg01 $PG01:5432 check port 8008
                    server pg02 "\\$PG02:5432" check port 8008
                listen replicas
                    bind 127.0.0.1:6001
                    option httpchk OPTIONS /replica
                    server pg01 $PG01:5432 check port 8008
                """;
        Map<String, String> environment = Map.of("LOGHOST", "10.9.9.9", "PORT", "6000", "TOKEN", "s3cr3t-t0ken",
                "PG01", "10.0.0.11", "PG02", "10.0.0.12");
        ImportResult result = HaproxyImporter.importText(Path.of("haproxy.cfg"), text, TARGET, false,
                environment::get);

        assertThat(listener(result.config(), "replicas").servers()).extracting(s -> s.address().toString())
                .containsExactly("10.0.0.11:5432");
        assertThat(result.notes()).extracting(ImportNote::subject).as("a note per variable, by name")
                .contains("${LOGHOST}", "${PORT}", "$PORT", "${TOKEN}", "$PG01", "$PG02");
        String everythingShown = result.notes().stream().map(n -> n.format(Path.of("haproxy.cfg")))
                .collect(java.util.stream.Collectors.joining("\n")) + result.yaml().lines()
                .filter(l -> l.startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
        assertThat(everythingShown).as("no value of a variable in a note or the header")
                .doesNotContain("s3cr3t-t0ken", "10.9.9.9").contains("${TOKEN}", "${LOGHOST}:514");
    }

    @Test
    void variableSyntaxHaproxyRefusesOrDoesNotImportStopsAtItsLine() {
        String[][] cases = {
                {"listen a\n    description \"cost a$\"\n", "2", "refuses a $ in double quotes"},
                {"listen a\n    description \"$1\"\n", "2", "refuses a $ in double quotes"},
                {"listen a\n    description \"${X:5432\"\n", "2", "HAProxy takes ${NAME} or ${NAME-default}"},
                {"listen a\n    description \"${X:-d}\"\n", "2", "HAProxy takes ${NAME} or ${NAME-default}"},
                {"listen a\n    bind \"${ADDRS[*]}\"\n", "2", "into several words is not imported"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> HaproxyImporter.importText(Path.of("haproxy.cfg"), c[0], TARGET, false,
                    Map.of("X", "x", "ADDRS", "a b")::get))
                    .as(c[0]).isInstanceOfSatisfying(HaproxyImportException.class, e -> {
                        assertThat(e.line()).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
                        assertThat(e.getMessage()).as(c[0]).contains(c[2]);
                    });
        }
    }

    @Test
    void textThatWouldBreakOutOfTheHeaderCommentStaysInIt() throws Exception {
        ImportResult result = importedText("""
                listen a
                    bind *:5000
                    frobnicate "x\\ny: 1\\r\\x85z: 2"
                    server s 127.0.0.1:5432
                """);

        assertThat(result.yaml().lines().filter(l -> !l.startsWith("#")).toList()).noneMatch(l -> l.contains("y: 1"));
        assertThat(result.config().listeners()).hasSize(1);
    }
}
