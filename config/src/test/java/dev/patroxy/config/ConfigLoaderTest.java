package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Path FILE = Path.of("/etc/patroxy/patroxy.yml");

    private static final String VALID = """
            stats:
              bind: ["127.0.0.1:7000"]
            global:
              maxconn: 500
            defaults:
              timeout: {connect: 2s, server: 10m}
              maxconn: 200
              check: {inter: 1s, fall: 2, rise: 1}
            servers:
              - {name: pg01, address: "10.29.0.11:5432", check-port: 8008, maxconn: 100}
              - {name: pg02, address: "10.29.0.12:5432", check-address: "10.29.0.12:8009"}
            listeners:
              - name: primary
                bind: ["127.0.0.1:5000", "10.29.0.1:5000"]
                balance: primary
              - name: replicas
                bind: "*:5001"
                balance: roundrobin
                servers: [pg02]
                timeout: {client: 1h, queue: 5s, client-fin: 10s, server-fin: 20s}
                log: tcplog
                maxconn: 50
                check: {method: GET, path: "/replica?lag=16MB", rise: 3}
            """;

    private static ConfigException errorOf(String yaml) {
        try {
            ConfigLoader.parse(FILE, yaml);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @Test
    void readsAValidFileWithDefaultsAndOverrides() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID);

        assertThat(config.stats().binds()).extracting(BindAddress::toString).containsExactly("127.0.0.1:7000");
        assertThat(config.stats().refresh()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.servers()).extracting(ServerConfig::name).containsExactly("pg01", "pg02");
        assertThat(config.servers().get(0).checkAddress()).isEqualTo(new HostPort("10.29.0.11", 8008));
        assertThat(config.servers().get(1).checkAddress()).isEqualTo(new HostPort("10.29.0.12", 8009));

        ListenerConfig primary = config.listeners().get(0);
        assertThat(primary.balance()).isEqualTo(Balance.PRIMARY);
        assertThat(primary.check()).as("a primary listener checks by GET unless told otherwise").contains(new CheckConfig(
                "GET", "/primary", 200, Duration.ofSeconds(1), Duration.ofSeconds(5), 1, 2));
        assertThat(primary.timeouts()).as("timeout queue defaults to timeout connect; client to none (zero)")
                .isEqualTo(new Timeouts(Duration.ofSeconds(2), Duration.ZERO, Duration.ofMinutes(10),
                        Duration.ofSeconds(2), Duration.ZERO, Duration.ofMinutes(10), Duration.ofSeconds(30),
                        Duration.ofSeconds(10), Duration.ofSeconds(5)));
        assertThat(primary.releaseRate()).as("all at once").isZero();
        assertThat(config.global().maxconn()).isEqualTo(500);
        assertThat(config.global().io()).as("default").isEqualTo(GlobalConfig.IoEngine.AUTO);
        assertThat(config.global().threads()).as("one per core").isZero();
        assertThat(config.global().buffers()).isEqualTo(GlobalConfig.BufferAllocator.ADAPTIVE);
        assertThat(primary.maxconn()).isEqualTo(200);
        assertThat(config.servers().get(0).maxconn()).isEqualTo(100);
        assertThat(config.servers().get(1).maxconn()).as("no limit").isZero();
        assertThat(primary.retries()).isEqualTo(2);
        assertThat(primary.shutdownSessionsOnDown()).isTrue();
        assertThat(primary.servers()).hasSize(2);

        ListenerConfig replicas = config.listeners().get(1);
        assertThat(replicas.binds()).extracting(BindAddress::toString).containsExactly("*:5001");
        assertThat(replicas.binds().get(0).host()).isNull();
        assertThat(replicas.check().orElseThrow().describe()).isEqualTo("GET /replica?lag=16MB expect 200");
        assertThat(replicas.check().orElseThrow().rise()).isEqualTo(3);
        assertThat(replicas.check().orElseThrow().fall()).isEqualTo(2);
        assertThat(replicas.timeouts().client()).isEqualTo(Duration.ofHours(1));
        assertThat(replicas.timeouts().queue()).isEqualTo(Duration.ofSeconds(5));
        assertThat(replicas.timeouts().clientFin()).isEqualTo(Duration.ofSeconds(10));
        assertThat(replicas.timeouts().serverFin()).isEqualTo(Duration.ofSeconds(20));
        assertThat(replicas.maxconn()).isEqualTo(50);
        assertThat(replicas.tcplog()).isTrue();
        assertThat(primary.tcplog()).as("off by default").isFalse();
        assertThat(replicas.servers()).extracting(ServerConfig::name).containsExactly("pg02");
    }

    @Test
    void theShippedSampleMatchesPatronisHaproxyCfg() throws Exception {
        PatroxyConfig config = ConfigLoader.load(findRepoFile("deploy/patroxy.yml"));

        ListenerConfig batman = config.listeners().get(0);
        assertThat(batman.binds()).extracting(BindAddress::toString).containsExactly("*:5000");
        assertThat(batman.check()).contains(new CheckConfig(
                "GET", "/primary", 200, Duration.ofSeconds(3), Duration.ofSeconds(5), 2, 3));
        assertThat(batman.timeouts()).as("HAProxy's 30m client/server become none: keep-alive ends dead sessions")
                .isEqualTo(new Timeouts(Duration.ofSeconds(4), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(4),
                        Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofSeconds(5)));
        assertThat(config.global().keepalive()).isEqualTo(GlobalConfig.Keepalive.DEFAULTS);
        assertThat(config.global().maxconn()).isEqualTo(100);
        assertThat(config.servers()).extracting(ServerConfig::maxconn).containsExactly(100, 100);
        assertThat(batman.retries()).isEqualTo(2);
        assertThat(batman.shutdownSessionsOnDown()).isTrue();
        assertThat(config.servers()).extracting(s -> s.address() + " check " + s.checkAddress())
                .containsExactly("127.0.0.1:5432 check 127.0.0.1:8008", "127.0.0.1:5433 check 127.0.0.1:8009");
        assertThat(config.stats().binds()).extracting(BindAddress::toString).containsExactly("*:7000");
    }

    @Test
    void checkNoneLeavesTheServersUncheckedAndOtherSettingsInForce() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID.replace(
                "check: {method: GET, path: \"/replica?lag=16MB\", rise: 3}", "check: none"));

        ListenerConfig replicas = config.listeners().get(1);
        assertThat(replicas.check()).isEmpty();
        assertThat(replicas.timeouts().client()).isEqualTo(Duration.ofHours(1));
        assertThat(config.listeners().get(0).check()).isPresent();
    }

    @Test
    void durationsTakeHaproxyUnitsAndBareMilliseconds() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID.replace("inter: 1s", "inter: 250"));
        assertThat(config.listeners().get(0).check().orElseThrow().interval()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void holdTakesADurationOrNoneAndReleaseRateACount() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID
                .replace("timeout: {connect: 2s, server: 10m}", "timeout: {connect: 2s, server: 10m, hold: 5s}\n  release-rate: 50")
                .replace("timeout: {client: 1h,", "timeout: {hold: none, client: 1h,"));
        assertThat(config.listeners().get(0).timeouts().hold()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.listeners().get(0).releaseRate()).isEqualTo(50);
        assertThat(config.listeners().get(1).timeouts().hold()).as("none: turned away at once").isZero();

        ConfigException e = errorOf(VALID.replace("timeout: {client: 1h,", "timeout: {hold: never, client: 1h,"));
        assertThat(e.key()).isEqualTo("listeners[1].timeout.hold");
        assertThat(errorOf(VALID.replace("    maxconn: 50\n", "    maxconn: 50\n    release-rate: -1\n")).key())
                .isEqualTo("listeners[1].release-rate");
    }

    @Test
    void clientHelloIsATimeoutOfEachListenerAndNoneLeavesTheFirstPacketUnread() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID
                .replace("timeout: {connect: 2s, server: 10m}",
                        "timeout: {connect: 2s, server: 10m, client-hello: 2s}")
                .replace("timeout: {client: 1h,", "timeout: {client-hello: none, client: 1h,"));
        assertThat(config.listeners().get(0).timeouts().clientHello()).as("from defaults")
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(config.listeners().get(1).timeouts().clientHello()).as("none").isZero();
        assertThat(ConfigLoader.parse(FILE, VALID).listeners().get(0).timeouts().clientHello())
                .isEqualTo(Duration.ofSeconds(5));

        ConfigException e = errorOf(VALID.replace("timeout: {client: 1h,", "timeout: {client-hello: 1x, client: 1h,"));
        assertThat(e.key()).isEqualTo("listeners[1].timeout.client-hello");
    }

    @Test
    void clientStartupIsATimeoutOfEachListenerAndMaxconnStartupAGlobalLimit() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID
                .replace("timeout: {connect: 2s, server: 10m}",
                        "timeout: {connect: 2s, server: 10m, client-startup: 3s}")
                .replace("timeout: {client: 1h,", "timeout: {client-startup: none, client: 1h,")
                .replace("  maxconn: 500\n", "  maxconn: 500\n  maxconn-startup: 40\n"));
        assertThat(config.listeners().get(0).timeouts().clientStartup()).as("from defaults")
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(config.listeners().get(1).timeouts().clientStartup()).as("none").isZero();
        assertThat(config.global().maxconnStartup()).isEqualTo(40);

        PatroxyConfig unset = ConfigLoader.parse(FILE, VALID);
        assertThat(unset.listeners().get(0).timeouts().clientStartup()).isEqualTo(Duration.ofSeconds(10));
        assertThat(unset.global().maxconnStartup()).as("half of maxconn").isEqualTo(250);
        assertThat(ConfigLoader.parse(FILE, VALID.replace("global:\n  maxconn: 500\n", "")).global()
                .maxconnStartup()).as("no limit without a maxconn").isZero();

        ConfigException timeout = errorOf(VALID.replace("timeout: {client: 1h,",
                "timeout: {client-startup: soon, client: 1h,"));
        assertThat(timeout.key()).isEqualTo("listeners[1].timeout.client-startup");
        ConfigException limit = errorOf(VALID.replace("  maxconn: 500\n",
                "  maxconn: 500\n  maxconn-startup: -1\n"));
        assertThat(limit.key()).isEqualTo("global.maxconn-startup");
        assertThat(limit.line()).isEqualTo(5);
    }

    @Test
    void globalTakesTheRelayEngineThreadsAndAllocator() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID.replace("  maxconn: 500\n",
                "  maxconn: 500\n  io: io_uring\n  threads: 1\n  buffers: pooled\n"));
        assertThat(config.global()).isEqualTo(new GlobalConfig(500, GlobalConfig.IoEngine.IO_URING, 1,
                GlobalConfig.BufferAllocator.POOLED, Optional.of(Duration.ofMinutes(10)),
                GlobalConfig.Keepalive.DEFAULTS, 250));

        ConfigException engine = errorOf(VALID.replace("  maxconn: 500\n", "  maxconn: 500\n  io: kqueue\n"));
        assertThat(engine.key()).isEqualTo("global.io");
        assertThat(engine.line()).isEqualTo(5);
        assertThat(engine.getMessage()).contains("unknown io 'kqueue'; expected auto, epoll, io_uring or nio");
        assertThat(errorOf(VALID.replace("  maxconn: 500\n", "  maxconn: 500\n  threads: -1\n")).key())
                .isEqualTo("global.threads");
        assertThat(errorOf(VALID.replace("  maxconn: 500\n", "  maxconn: 500\n  buffers: unpooled\n"))
                .getMessage()).contains("unknown buffers 'unpooled'; expected adaptive or pooled");
    }

    @Test
    void inactivityTimeoutsTakeNoneAndKeepaliveHasDefaults() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID
                .replace("timeout: {connect: 2s, server: 10m}", "timeout: {connect: 2s, server: none, client: 30m}")
                .replace("  maxconn: 500\n", "  maxconn: 500\n  keepalive: {idle: 30s, count: 3}\n"));
        assertThat(config.listeners().get(0).timeouts().server()).as("none").isZero();
        assertThat(config.listeners().get(0).timeouts().client()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.global().keepalive()).isEqualTo(
                new GlobalConfig.Keepalive(Duration.ofSeconds(30), Duration.ofSeconds(10), 3));
        assertThat(ConfigLoader.parse(FILE, VALID).global().keepalive()).isEqualTo(GlobalConfig.Keepalive.DEFAULTS);
        ConfigException bad = errorOf(VALID.replace("  maxconn: 500\n", "  maxconn: 500\n  keepalive: {count: 0}\n"));
        assertThat(bad.key()).isEqualTo("global.keepalive.count");
    }

    @Test
    void reloadDrainIsADurationOrNone() throws Exception {
        assertThat(ConfigLoader.parse(FILE, VALID.replace("  maxconn: 500\n", "  maxconn: 500\n  reload-drain: 30s\n"))
                .global().reloadDrain()).contains(Duration.ofSeconds(30));
        assertThat(ConfigLoader.parse(FILE, VALID.replace("  maxconn: 500\n", "  maxconn: 500\n  reload-drain: none\n"))
                .global().reloadDrain()).isEmpty();
        ConfigException bad = errorOf(VALID.replace("  maxconn: 500\n", "  maxconn: 500\n  reload-drain: soon\n"));
        assertThat(bad.key()).isEqualTo("global.reload-drain");
        assertThat(bad.line()).isEqualTo(5);
    }

    @Test
    void aTypoInAKeyNamesFileLineAndKey() {
        ConfigException e = errorOf(VALID.replace("    balance: roundrobin", "    balanse: roundrobin"));
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.line()).isEqualTo(18);
        assertThat(e.key()).isEqualTo("listeners[1].balanse");
        assertThat(e.getMessage()).startsWith("/etc/patroxy/patroxy.yml:18: listeners[1].balanse: unknown key");
    }

    @Test
    void aBadDurationNamesItsKey() {
        ConfigException e = errorOf(VALID.replace("inter: 1s", "inter: soon"));
        assertThat(e.line()).isEqualTo(8);
        assertThat(e.key()).isEqualTo("defaults.check.inter");
        assertThat(e.getMessage()).contains("expected a duration");
    }

    @Test
    void anUnknownPatroniPathIsRefusedBecausePatroniWouldAnswer503() {
        ConfigException e = errorOf(VALID.replace("/replica?lag=16MB", "/replicas"));
        assertThat(e.key()).isEqualTo("listeners[1].check.path");
        assertThat(e.line()).isEqualTo(23);
        assertThat(e.getMessage()).contains("not a Patroni health endpoint");
    }

    @Test
    void livenessChecksMustUseGet() {
        ConfigException e = errorOf(VALID.replace("method: GET, path: \"/replica?lag=16MB\"",
                "method: OPTIONS, path: /liveness"));
        assertThat(e.getMessage()).contains("GET only");
    }

    @Test
    void anUnknownServerReferenceIsNamed() {
        ConfigException e = errorOf(VALID.replace("servers: [pg02]", "servers: [pg09]"));
        assertThat(e.key()).isEqualTo("listeners[1].servers[0]");
        assertThat(e.getMessage()).contains("no server named 'pg09'");
    }

    @Test
    void twoListenersOnOnePortAreRefused() {
        ConfigException e = errorOf(VALID.replace("bind: \"*:5001\"", "bind: \"*:5000\""));
        assertThat(e.key()).isEqualTo("listeners[1].bind");
        assertThat(e.getMessage()).contains("*:5000 overlaps 127.0.0.1:5000");
    }

    @Test
    void duplicateNamesAreRefused() {
        assertThat(errorOf(VALID.replace("name: pg02", "name: pg01")).getMessage())
                .contains("server name 'pg01' is used twice");
        assertThat(errorOf(VALID.replace("name: replicas", "name: primary")).getMessage())
                .contains("listener name 'primary' is used twice");
    }

    @Test
    void missingRequiredKeysAndBadValuesAreNamed() {
        assertThat(errorOf(VALID.replace("    balance: primary\n", "")).key()).isEqualTo("listeners[0].balance");
        assertThat(errorOf(VALID.replace("log: tcplog", "log: httplog")).getMessage())
                .contains("unknown log format 'httplog'");
        assertThat(errorOf(VALID.replace("balance: primary", "balance: leastconn")).getMessage())
                .contains("unknown balance 'leastconn'");
        assertThat(errorOf(VALID.replace("check-port: 8008", "check-port: 80080")).getMessage())
                .contains("out of range 1..65535");
        assertThat(errorOf(VALID.replace("\"10.29.0.11:5432\"", "\"*:5432\"")).getMessage())
                .contains("needs a host");
        assertThat(errorOf(VALID.replace("fall: 2", "fall: 0")).key()).isEqualTo("defaults.check.fall");
    }

    @Test
    void withoutADcsSectionThereIsNoDcs() throws Exception {
        assertThat(ConfigLoader.parse(FILE, VALID).dcs()).isEmpty();
    }

    @Test
    void readsTheDcsSectionAsPatroniBuildsItsLeaderKey() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID + """
                dcs:
                  type: etcd
                  hosts: ["10.29.0.10:2379", "etcd2.example:2379"]
                  scope: batman
                  namespace: service/
                  timeout: 500ms
                  watch-timeout: 5s
                """);

        DcsConfig dcs = config.dcs().orElseThrow();
        assertThat(dcs.type()).isEqualTo(DcsType.ETCD_V2);
        assertThat(dcs.hosts()).containsExactly(new HostPort("10.29.0.10", 2379), new HostPort("etcd2.example", 2379));
        assertThat(dcs.leaderKey()).isEqualTo("/service/batman/leader");
        assertThat(dcs.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(dcs.watchTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void theDcsNamespaceDefaultsToPatronisAndOneHostMayStandAlone() throws Exception {
        DcsConfig dcs = ConfigLoader.parse(FILE, VALID + "dcs: {type: etcd3, hosts: \"127.0.0.1:2379\", scope: b}\n")
                .dcs().orElseThrow();

        assertThat(dcs.type()).isEqualTo(DcsType.ETCD_V3);
        assertThat(dcs.hosts()).containsExactly(new HostPort("127.0.0.1", 2379));
        assertThat(dcs.leaderKey()).isEqualTo("/service/b/leader");
        assertThat(dcs.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(dcs.watchTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(ConfigLoader.parse(FILE, VALID + "dcs: {type: etcd, hosts: [\"h:1\"], scope: b, namespace: /}\n")
                .dcs().orElseThrow().leaderKey()).isEqualTo("/b/leader");
    }

    @Test
    void dcsMistakesNameFileLineAndKey() {
        String dcs = "dcs:\n  type: etcd\n  hosts: [\"10.29.0.10:2379\"]\n  scope: batman\n";
        int dcsLine = VALID.split("\n").length + 1;

        ConfigException unknownKey = errorOf(VALID + dcs + "  prefix: /x\n");
        assertThat(unknownKey.line()).isEqualTo(dcsLine + 4);
        assertThat(unknownKey.key()).isEqualTo("dcs.prefix");
        assertThat(unknownKey.getMessage()).contains("unknown key; expected one of hosts, namespace, scope, timeout, "
                + "type, watch-timeout");

        ConfigException badHost = errorOf(VALID + dcs.replace("10.29.0.10:2379", "10.29.0.10"));
        assertThat(badHost.line()).isEqualTo(dcsLine + 2);
        assertThat(badHost.key()).isEqualTo("dcs.hosts[0]");
        assertThat(badHost.getMessage()).contains("expected host:port, found '10.29.0.10'");

        ConfigException missingScope = errorOf(VALID + dcs.replace("  scope: batman\n", ""));
        assertThat(missingScope.line()).isEqualTo(dcsLine + 1);
        assertThat(missingScope.key()).isEqualTo("dcs.scope");
        assertThat(missingScope.getMessage()).contains("required key is missing");

        assertThat(errorOf(VALID + dcs.replace("type: etcd", "type: consul")).getMessage())
                .contains(":" + (dcsLine + 1) + ": dcs.type: unknown DCS type 'consul'");
        assertThat(errorOf(VALID + dcs.replace("[\"10.29.0.10:2379\"]", "[\"h:1\", \"h:1\"]")).getMessage())
                .contains("dcs.hosts[1]: h:1 is listed twice");
        assertThat(errorOf(VALID + dcs.replace("[\"10.29.0.10:2379\"]", "[]")).key()).isEqualTo("dcs.hosts");
        assertThat(errorOf(VALID + dcs.replace("scope: batman", "scope: a/b")).key()).isEqualTo("dcs.scope");
        assertThat(errorOf(VALID + dcs + "  timeout: 0s\n").getMessage()).contains("dcs.timeout: must be longer");
        assertThat(errorOf(VALID + "dcs: etcd\n").getMessage()).contains("dcs: expected a mapping");
    }

    @Test
    void brokenYamlNamesTheLine() {
        ConfigException e = errorOf("stats:\n  bind: [\"a:1\"\nservers: x\n");
        assertThat(e.getMessage()).contains("not valid YAML");
        assertThat(e.line()).isGreaterThan(1);
    }

    @Test
    void anUnreadableFileIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yml");
        assertThatThrownBy(() -> ConfigLoader.load(missing))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("cannot read");
    }

    @Test
    void loadReadsFromDisk(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.yml"), VALID);
        assertThat(ConfigLoader.load(file).source()).isEqualTo(file);
    }

    static Path findRepoFile(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve(relative))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository holding " + relative).isNotNull();
        return dir.resolve(relative);
    }
}
