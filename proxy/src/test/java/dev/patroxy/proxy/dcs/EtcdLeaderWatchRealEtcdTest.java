package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.patroxy.config.ConfigLoader;
import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.DcsType;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.PatroxyConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.FormBody;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch against Debian's etcd-server (3.4, with the v2 API that Patroni's {@code etcd:} section needs), started
 * on loopback for each test, written to as Patroni writes. Skipped where etcd is not installed; {@code deploy/test} installs it before the unit
 * tests run.
 */
class EtcdLeaderWatchRealEtcdTest {
    private static final Path ETCD = Path.of("/usr/bin/etcd");
    private static final Duration WATCH_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private final OkHttpClient http = new OkHttpClient();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    private Process etcd;
    private String clientUrl;
    private String keyUrl;
    private EtcdLeaderWatch watch;

    @AfterEach
    void stop() throws InterruptedException {
        if (watch != null) {
            watch.close();
        }
        scheduler.shutdownNow();
        if (etcd != null) {
            etcd.destroy();
            etcd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private int startEtcd() throws Exception {
        int clientPort = freePort();
        int peerPort = freePort();
        String client = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        etcd = new ProcessBuilder(ETCD.toString(), "--name", "t", "--data-dir", dir.resolve("data").toString(),
                "--enable-v2=true", "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "t=" + peer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        clientUrl = client;
        keyUrl = client + "/v2/keys/service/batman/leader";
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> call(new Request.Builder().url(client + "/health").build()).contains("true"));
        return clientPort;
    }

    private String call(Request request) throws IOException {
        try (Response response = http.newCall(request).execute()) {
            return response.body().string();
        }
    }

    private void put(String member, String... conditions) throws IOException {
        FormBody.Builder form = new FormBody.Builder().add("value", member).add("ttl", "30");
        for (int i = 0; i < conditions.length; i += 2) {
            form.add(conditions[i], conditions[i + 1]);
        }
        call(new Request.Builder().url(keyUrl).put(form.build()).build());
    }

    private void delete(String member) throws IOException {
        call(new Request.Builder().url(keyUrl + "?prevValue=" + member).delete(RequestBody.create(new byte[0]))
                .build());
    }

    private String v3(String path, String json) throws IOException {
        return call(new Request.Builder().url(clientUrl + "/v3/" + path)
                .post(RequestBody.create(json, MediaType.get("application/json"))).build());
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private void awaitHeard(int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() >= count);
    }

    private void startWatching(DcsType type, int port) {
        DcsConfig config = new DcsConfig(type, List.of(new HostPort("127.0.0.1", port)), "batman", "/service",
                Duration.ofSeconds(2), WATCH_TIMEOUT, Duration.ofSeconds(10), Duration.ZERO);
        watch = new EtcdLeaderWatch(config, http, scheduler, new RecordingLeaderListener(heard));
        watch.start();
        awaitHeard(1);
    }

    @Test
    void followsPatronisLeaderKeyThroughTakeoverRefreshStepDownAndEtcdGoingAway() throws Exception {
        assumeTrue(Files.isExecutable(ETCD), "etcd-server is not installed");
        startWatching(DcsType.ETCD_V2, startEtcd());

        put("pg01", "prevExist", "false");
        awaitHeard(2);
        put("pg01", "prevValue", "pg01");
        delete("pg01");
        awaitHeard(3);
        long takeover = System.nanoTime();
        put("pg03", "prevExist", "false");
        awaitHeard(4);
        long followedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - takeover);
        etcd.destroy();
        awaitHeard(5);

        assertThat(heard).containsExactly("no leader", "leader pg01", "no leader", "leader pg03", "unreachable");
        assertThat(followedMillis).as("a watch, not a poll every watch timeout").isLessThan(2000);
    }

    @Test
    void followsTheEtcd3LeaderKeyThroughTheGatewayUntilItsLeaseExpires() throws Exception {
        assumeTrue(Files.isExecutable(ETCD), "etcd-server is not installed");
        startWatching(DcsType.ETCD_V3, startEtcd());
        String key = base64("/service/batman/leader");

        v3("kv/put", "{\"key\":\"" + key + "\",\"value\":\"" + base64("pg01") + "\"}");
        awaitHeard(2);
        v3("kv/deleterange", "{\"key\":\"" + key + "\"}");
        awaitHeard(3);
        String lease = v3("lease/grant", "{\"TTL\":\"1\"}").replaceAll(".*\"ID\":\"(\\d+)\".*", "$1");
        long takeover = System.nanoTime();
        v3("kv/put", "{\"key\":\"" + key + "\",\"value\":\"" + base64("pg03") + "\",\"lease\":\"" + lease + "\"}");
        awaitHeard(4);
        long followedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - takeover);
        awaitHeard(5);
        etcd.destroy();
        awaitHeard(6);

        assertThat(heard).containsExactly(
                "no leader", "leader pg01", "no leader", "leader pg03", "no leader", "unreachable");
        assertThat(followedMillis).as("a watch, not a poll every watch timeout").isLessThan(2000);
    }

    private static PatroxyConfig configOf(String type, String scope, int port) throws Exception {
        return ConfigLoader.parse(Path.of("p.yml"), """
                stats: {bind: "127.0.0.1:7000"}
                servers:
                  - {name: pg01, address: "10.0.0.1:5432", check-port: 8008, member: node1}
                  - {name: pg02, address: "10.0.0.2:5432", check-port: 8008}
                listeners:
                  - {name: primary, bind: "127.0.0.1:5000", balance: primary}
                dcs: {type: %s, hosts: ["127.0.0.1:%d"], scope: %s}
                """.formatted(type, port, scope));
    }

    @Test
    void theCheckFindsTheMembersPatroniRegisteredThroughEitherApi() throws Exception {
        assumeTrue(Files.isExecutable(ETCD), "etcd-server is not installed");
        int port = startEtcd();
        call(new Request.Builder().url(clientUrl + "/v2/keys/service/batman/members/node1")
                .put(new FormBody.Builder().add("value", "{}").build()).build());
        put("node1", "prevExist", "false");
        v3("kv/put", "{\"key\":\"" + base64("/service/batman3/members/node1") + "\",\"value\":\"" + base64("{}")
                + "\"}");
        v3("kv/put", "{\"key\":\"" + base64("/service/batman3/members0") + "\",\"value\":\"" + base64("x") + "\"}");

        assertThat(DcsNameCheck.warnings(configOf("etcd", "batman", port), http, Duration.ofSeconds(2)))
                .containsExactly("server pg02: member 'pg02' is not a Patroni member of batman in the DCS (its members:"
                        + " node1); set member: to the node's Patroni name");
        assertThat(DcsNameCheck.warnings(configOf("etcd3", "batman3", port), http, Duration.ofSeconds(2))).as("etcd3, and a key just past the prefix is no member")
                .containsExactly("server pg02: member 'pg02' is not a Patroni member of batman3 in the DCS (its"
                        + " members: node1); set member: to the node's Patroni name");
    }

    @Test
    void theFailoverKeyWatchHearsWhatPatronictlSwitchoverWritesAndTheEmptyObjectAfter() throws Exception {
        assumeTrue(Files.isExecutable(ETCD), "etcd-server is not installed");
        int port = startEtcd();
        DcsConfig config = new DcsConfig(DcsType.ETCD_V2, List.of(new HostPort("127.0.0.1", port)), "batman",
                "/service", Duration.ofSeconds(2), WATCH_TIMEOUT, Duration.ofSeconds(10), Duration.ofSeconds(30));
        EtcdLeaderWatch leaderWatch = new EtcdLeaderWatch(config, http, scheduler,
                new RecordingLeaderListener(new CopyOnWriteArrayList<>()));
        FailoverKeyWatch failover = new FailoverKeyWatch(config, http, scheduler,
                new RecordingLeaderListener(heard), Clock.systemUTC(), leaderWatch);
        try {
            failover.start();
            awaitHeard(1);
            String failoverUrl = clientUrl + "/v2/keys/service/batman/failover";
            // What Patroni 3.0's dcs.manual_failover writes, then what the new leader writes once it holds the lock.
            call(new Request.Builder().url(failoverUrl).put(new FormBody.Builder()
                    .add("value", "{\"leader\":\"pg01\",\"member\":\"pg03\"}").build()).build());
            awaitHeard(2);
            call(new Request.Builder().url(failoverUrl).put(new FormBody.Builder().add("value", "{}").build())
                    .build());
            awaitHeard(3);
            put("pg03", "prevExist", "false");
            etcd.destroy();
            etcd.waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(500)).until(() -> true);

            assertThat(heard).as("the leader key is not what this watch reads, and etcd gone changes no request")
                    .containsExactly("switchover none", "switchover pg01 to pg03", "switchover none");
            assertThat(leaderWatch.requestFailures()).as("etcd gone fails the failover key's watch, counted with"
                    + " the leader key's watch (never started here), which is what the stats show").isPositive();
        } finally {
            failover.close();
        }
    }
}
