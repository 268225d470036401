package dev.patroxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
    void statsTakesItsConnectionCapRequestLimitsAndTimeouts() throws Exception {
        assertThat(ConfigLoader.parse(FILE, VALID).stats().limits()).isEqualTo(StatsConfig.Limits.DEFAULTS);
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID.replace("  bind: [\"127.0.0.1:7000\"]\n",
                "  bind: [\"127.0.0.1:7000\"]\n  maxconn: 20\n  max-request-line: 2048\n  max-header-size: 4096\n"
                        + "  max-headers: 50\n  timeout: {http-request: 5s, http-keep-alive: 1m, client: 15s}\n"));
        assertThat(config.stats().limits()).isEqualTo(new StatsConfig.Limits(20, 2048, 4096, 50,
                Duration.ofSeconds(5), Duration.ofMinutes(1), Duration.ofSeconds(15)));

        ConfigException cap = errorOf(VALID.replace("  bind: [\"127.0.0.1:7000\"]\n",
                "  bind: [\"127.0.0.1:7000\"]\n  maxconn: 0\n"));
        assertThat(cap.key()).isEqualTo("stats.maxconn");
        assertThat(cap.line()).isEqualTo(3);
        ConfigException timeout = errorOf(VALID.replace("  bind: [\"127.0.0.1:7000\"]\n",
                "  bind: [\"127.0.0.1:7000\"]\n  timeout: {http-request: soon}\n"));
        assertThat(timeout.key()).isEqualTo("stats.timeout.http-request");
        assertThat(errorOf(VALID.replace("  bind: [\"127.0.0.1:7000\"]\n",
                "  bind: [\"127.0.0.1:7000\"]\n  timeout: {http-reqest: 5s}\n")).key())
                .isEqualTo("stats.timeout.http-reqest");
        assertThat(errorOf(VALID.replace("  bind: [\"127.0.0.1:7000\"]\n",
                "  bind: [\"127.0.0.1:7000\"]\n  max-headers: many\n")).key()).isEqualTo("stats.max-headers");
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

    /** A value that would parse but cannot work: the VALID file with {@code from} replaced by {@code to}. */
    private static Arguments cannotWork(String rule, String from, String to, int line, String key, String problem) {
        assertThat(VALID).as(rule).contains(from);
        return Arguments.of(rule, VALID.replace(from, to), line, key, problem);
    }

    static Stream<Arguments> valuesThatCannotWork() {
        String global = "  maxconn: 500\n";
        return Stream.of(
                cannotWork("a sub-millisecond connect timeout would round to 0 ms",
                        "connect: 2s", "connect: 500us", 6, "defaults.timeout.connect", "rounds to 0"),
                cannotWork("a sub-millisecond check timeout is 0 ms for OkHttp: no timeout",
                        "inter: 1s,", "inter: 1s, timeout: 999us,", 8, "defaults.check.timeout", "rounds to 0"),
                cannotWork("inter below 1 ms", "inter: 1s", "inter: 100us", 8, "defaults.check.inter",
                        "rounds to 0"),
                cannotWork("a sub-millisecond queue timeout gives up at once",
                        "queue: 5s", "queue: 1us", 20, "listeners[1].timeout.queue", "rounds to 0"),
                cannotWork("a zero duration", "connect: 2s", "connect: 0ms", 6, "defaults.timeout.connect",
                        "must be longer than zero"),
                cannotWork("a negative duration", "server: 10m", "server: -10m", 6, "defaults.timeout.server",
                        "must not be negative"),
                cannotWork("a duration whose number overflows a long",
                        "connect: 2s", "connect: 99999999999999999999d", 6, "defaults.timeout.connect",
                        "longer than the longest"),
                cannotWork("microseconds that overflow a long once counted in nanoseconds",
                        "connect: 2s", "connect: 9300000000000000us", 6, "defaults.timeout.connect",
                        "longer than the longest"),
                cannotWork("days that overflow Duration", "server: 10m", "server: 106751991167301d", 6,
                        "defaults.timeout.server", "longer than the longest"),
                cannotWork("a timeout beyond HAProxy's and OkHttp's 2^31-1 ms", "inter: 1s", "inter: 25d", 8,
                        "defaults.check.inter", "longer than the longest"),
                cannotWork("keep-alive idle below the kernel's one second",
                        global, global + "  keepalive: {idle: 500ms}\n", 5, "global.keepalive.idle", "rounds to 0"),
                cannotWork("keep-alive idle above TCP_KEEPIDLE's 32767 s",
                        global, global + "  keepalive: {idle: 32768s}\n", 5, "global.keepalive.idle",
                        "longer than the longest"),
                cannotWork("keep-alive interval above TCP_KEEPINTVL's 32767 s",
                        global, global + "  keepalive: {interval: 10h}\n", 5, "global.keepalive.interval",
                        "longer than the longest"),
                cannotWork("keep-alive count above TCP_KEEPCNT's 127",
                        global, global + "  keepalive: {count: 128}\n", 5, "global.keepalive.count", "1..127"),
                cannotWork("a number too large for an int", "maxconn: 500", "maxconn: 99999999999", 4,
                        "global.maxconn", "out of range 0..10000000"),
                cannotWork("a number that is not one", "maxconn: 200", "maxconn: lots", 7, "defaults.maxconn",
                        "expected a whole number"),
                cannotWork("a port too large for an int", "10.29.0.11:5432", "10.29.0.11:99999999999", 10,
                        "servers[0].address", "out of range 1..65535"),
                cannotWork("a check port of 0", "check-port: 8008", "check-port: 0", 10, "servers[0].check-port",
                        "out of range 1..65535"),
                cannotWork("a host that is no host name", "10.29.0.11:5432", "10.29 0.11:5432", 10,
                        "servers[0].address", "not a host name or address"),
                cannotWork("an IPv6 address with a bracket missing", "10.29.0.11:5432", "[::1:5432", 10,
                        "servers[0].address", "not a host name or address"),
                cannotWork("a stats refresh below one second (the page reloads in whole seconds)",
                        "  bind: [\"127.0.0.1:7000\"]\n", "  bind: [\"127.0.0.1:7000\"]\n  refresh: 500ms\n", 3,
                        "stats.refresh", "rounds to 0"),
                cannotWork("a wildcard by address overlaps a specific address on its port",
                        "\"127.0.0.1:7000\"", "\"0.0.0.0:5000\"", 14, "listeners[0].bind[0]",
                        "127.0.0.1:5000 overlaps 0.0.0.0:5000"),
                cannotWork("the IPv6 wildcard takes IPv4 too", "\"*:5001\"", "\"[::]:5000\"", 17,
                        "listeners[1].bind", "::]:5000 overlaps 127.0.0.1:5000"),
                cannotWork("a name that resolves to an address already bound",
                        "\"10.29.0.1:5000\"", "\"localhost:5000\"", 14, "listeners[0].bind[1]",
                        "localhost:5000 overlaps 127.0.0.1:5000"),
                cannotWork("two spellings of one IPv6 address", "[\"127.0.0.1:5000\", \"10.29.0.1:5000\"]",
                        "[\"[::1]:5000\", \"[0:0:0:0:0:0:0:1]:5000\"]", 14, "listeners[0].bind[1]",
                        "overlaps [::1]:5000"),
                cannotWork("a bind host that does not resolve", "\"10.29.0.1:5000\"",
                        "\"no-such-host.invalid:5000\"", 14, "listeners[0].bind[1]", "cannot resolve"),
                cannotWork("rise 0 would never mark a server UP", "rise: 1", "rise: 0", 8, "defaults.check.rise",
                        "out of range 1..100"),
                cannotWork("negative retries", "  maxconn: 200\n", "  maxconn: 200\n  retries: -1\n", 8,
                        "defaults.retries", "out of range 0..100"),
                cannotWork("a negative hold", "queue: 5s", "queue: 5s, hold: -5s", 20,
                        "listeners[1].timeout.hold", "must not be negative"),
                cannotWork("a listener with no server", "servers: [pg02]", "servers: []", 19,
                        "listeners[1].servers", "needs at least one server"),
                cannotWork("a server listed twice", "servers: [pg02]", "servers: [pg02, pg02]", 19,
                        "listeners[1].servers[1]", "listed twice"),
                cannotWork("a server address without a port", "\"10.29.0.11:5432\"", "\"10.29.0.11\"", 10,
                        "servers[0].address", "expected host:port"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void valuesThatCannotWork(String rule, String yaml, int line, String key, String problem) {
        ConfigException e = errorOf(yaml);
        assertThat(e.getMessage()).as(rule).startsWith(FILE + ":" + line + ": " + key + ": ").contains(problem);
        assertThat(e.key()).isEqualTo(key);
        assertThat(e.line()).isEqualTo(line);
    }

    @Test
    void limitsThatCanWorkAreTaken() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID
                .replace("  maxconn: 500\n", "  maxconn: 500\n  keepalive: {idle: 32767s, interval: 1s, count: 127}\n")
                .replace("inter: 1s", "inter: 1ms")
                .replace("connect: 2s", "connect: 2147483647ms")
                .replace("\"*:5001\"", "[\"127.0.0.1:5001\", \"[::1]:5001\", \"127.0.0.2:5001\"]"));
        assertThat(config.global().keepalive())
                .isEqualTo(new GlobalConfig.Keepalive(Duration.ofSeconds(32767), Duration.ofSeconds(1), 127));
        assertThat(config.listeners().get(0).check().orElseThrow().interval()).isEqualTo(Duration.ofMillis(1));
        assertThat(config.listeners().get(0).timeouts().connect()).isEqualTo(Duration.ofMillis(Integer.MAX_VALUE));
        assertThat(config.listeners().get(1).binds()).as("the kernel binds these side by side").hasSize(3);
    }

    @Test
    void statsRefreshZeroOrNoneTurnsAutoRefreshOff() throws Exception {
        for (String off : new String[] {"0", "0s", "none"}) {
            PatroxyConfig config = ConfigLoader.parse(FILE, VALID.replace("  bind: [\"127.0.0.1:7000\"]\n",
                    "  bind: [\"127.0.0.1:7000\"]\n  refresh: " + off + "\n"));
            assertThat(config.stats().refresh()).as(off).isZero();
        }
    }

    /** The fuzzing contract: whatever the bytes, a configuration or a ConfigException, never another exception. */
    @Test
    void hostileInputGivesAConfigExceptionAndNothingElse() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'z'; c++) {
            bomb.append(c).append(": &").append(c).append(" [*").append((char) (c - 1)).append(", *")
                    .append((char) (c - 1)).append(", *").append((char) (c - 1)).append("]\n");
        }
        byte[][] inputs = {
            deep.getBytes(StandardCharsets.UTF_8),
            ("stats: " + deep).getBytes(StandardCharsets.UTF_8),
            bomb.toString().getBytes(StandardCharsets.UTF_8),
            ("listeners: &l [*l]\n").getBytes(StandardCharsets.UTF_8),
            ("stats: &s {bind: *s}\n").getBytes(StandardCharsets.UTF_8),
            {(byte) 0xff, (byte) 0xfe, 's', 't', 'a', 't', 's', ':'},
            VALID.replace("127.0.0.1:7000", "127.0.0.1:7000\u00ff").getBytes(StandardCharsets.ISO_8859_1),
            VALID.replace("  maxconn: 200", "\tmaxconn: 200").getBytes(StandardCharsets.UTF_8),
            VALID.replace("maxconn: 500", "maxconn: " + "9".repeat(5000)).getBytes(StandardCharsets.UTF_8),
            VALID.replace("connect: 2s", "connect: " + "9".repeat(5000) + "us").getBytes(StandardCharsets.UTF_8),
            VALID.replace("10.29.0.11:5432", "10.29.0.11:" + "9".repeat(5000)).getBytes(StandardCharsets.UTF_8),
            VALID.replace("\"*:5001\"", "\"[" + "a".repeat(300) + "]:5001\"").getBytes(StandardCharsets.UTF_8),
            VALID.replace("\"*:5001\"", "\"%:5001\"").getBytes(StandardCharsets.UTF_8),
            "stats: {bind: [\"127.0.0.1:7000\"]}\n\u0000".getBytes(StandardCharsets.UTF_8),
            ("x: " + "y".repeat(2 << 20)).getBytes(StandardCharsets.UTF_8),
            "? [a, b]\n: c\n".getBytes(StandardCharsets.UTF_8),
            "!!binary stats".getBytes(StandardCharsets.UTF_8),
            "stats: !!java.lang.Runtime {}".getBytes(StandardCharsets.UTF_8),
            new byte[0],
            "---\n...\n---\n".getBytes(StandardCharsets.UTF_8),
        };
        for (byte[] input : inputs) {
            assertThatThrownBy(() -> ConfigLoader.parse(FILE, input))
                    .as(new String(input, 0, Math.min(input.length, 60), StandardCharsets.ISO_8859_1))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(FILE.toString());
        }
    }

    @Test
    void bytesThatAreNotUtf8NameTheirLine() {
        byte[] latin1 = VALID.replace("name: pg01", "name: pg\u00e901").getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> ConfigLoader.parse(FILE, latin1))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(FILE + ":10: not UTF-8 text: byte 0xe9 at offset");
    }

    @Test
    void aFileTooLargeToBeAConfigurationIsRefusedUnread(@TempDir Path dir) throws Exception {
        Path huge = Files.write(dir.resolve("huge.yml"), new byte[(1 << 20) + 1]);
        assertThatThrownBy(() -> ConfigLoader.load(huge))
                .isInstanceOf(ConfigException.class)
                .hasMessage(huge + ": larger than 1048576 bytes: not a patroxy configuration");
    }

    @Test
    void anIpv6AddressOutsideBracketsIsAmbiguous() {
        assertThat(errorOf(VALID.replace("10.29.0.11:5432", "::1:5432")).getMessage())
                .contains("servers[0].address: '::1' is not a host name or address; write an IPv6 address in brackets");
    }

    @Test
    void aByteOrderMarkIsAllowed() throws Exception {
        byte[] bom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[bom.length + valid.length];
        System.arraycopy(bom, 0, withBom, 0, bom.length);
        System.arraycopy(valid, 0, withBom, bom.length, valid.length);
        assertThat(ConfigLoader.parse(FILE, withBom).listeners()).hasSize(2);
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
    void aServersPatroniMemberNameDefaultsToItsName() throws Exception {
        PatroxyConfig config = ConfigLoader.parse(FILE, VALID.replace("check-port: 8008, maxconn: 100}",
                "check-port: 8008, maxconn: 100, member: node1}"));

        assertThat(config.servers()).extracting(ServerConfig::member).containsExactly("node1", "pg02");
        ConfigException blank = errorOf(VALID.replace("maxconn: 100}", "maxconn: 100, member: \"\"}"));
        assertThat(blank.key()).isEqualTo("servers[0].member");
        assertThat(blank.getMessage()).contains("expected a value");
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
                  revalidate: 30s
                  switchover-pause: 5s
                """);

        DcsConfig dcs = config.dcs().orElseThrow();
        assertThat(dcs.type()).isEqualTo(DcsType.ETCD_V2);
        assertThat(dcs.hosts()).containsExactly(new HostPort("10.29.0.10", 2379), new HostPort("etcd2.example", 2379));
        assertThat(dcs.leaderKey()).isEqualTo("/service/batman/leader");
        assertThat(dcs.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(dcs.watchTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(dcs.revalidate()).isEqualTo(Duration.ofSeconds(30));
        assertThat(dcs.failoverKey()).isEqualTo("/service/batman/failover");
        assertThat(dcs.switchoverPause()).isEqualTo(Duration.ofSeconds(5));
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
        assertThat(dcs.revalidate()).isEqualTo(Duration.ofSeconds(10));
        assertThat(dcs.switchoverPause()).isEqualTo(Duration.ofSeconds(15));
        assertThat(ConfigLoader.parse(FILE, VALID + "dcs: {type: etcd, hosts: [\"h:1\"], scope: b, switchover-pause: none}\n")
                .dcs().orElseThrow().switchoverPause()).isZero();
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
        assertThat(unknownKey.getMessage()).contains("unknown key; expected one of auth, hosts, namespace, revalidate, "
                + "scope, switchover-pause, timeout, tls, type, watch-timeout");

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
