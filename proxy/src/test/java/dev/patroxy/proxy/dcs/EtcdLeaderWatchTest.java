package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.DcsType;
import dev.patroxy.config.HostPort;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EtcdLeaderWatchTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration WATCH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REVALIDATE = Duration.ofSeconds(20);
    private static final String KEY = "/v2/keys/service/batman/leader";

    @StartStop
    private final MockWebServer etcd = new MockWebServer();
    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<String> heard = new CopyOnWriteArrayList<>();
    /** Members whose first report the listener fails on, as a bug in it would. */
    private final Set<String> failOnce = ConcurrentHashMap.newKeySet();
    private EtcdLeaderWatch watch;

    @AfterEach
    void stop() {
        if (watch != null) {
            watch.close();
        }
        scheduler.shutdownNow();
    }

    private void startWatching(HostPort... hosts) {
        startWatching(DcsType.ETCD_V2, hosts);
    }

    private void startWatching(DcsType type, HostPort... hosts) {
        DcsConfig config = new DcsConfig(type, List.of(hosts), "batman", "/service", TIMEOUT, WATCH_TIMEOUT,
                REVALIDATE, Duration.ZERO);
        watch = new EtcdLeaderWatch(config, new OkHttpClient(), scheduler, new LeaderListener() {
            @Override
            public void leaderIs(String member, long index) {
                if (failOnce.remove(member)) {
                    throw new IllegalStateException("listener bug on " + member);
                }
                heard.add("leader " + member + " @" + index);
            }

            @Override
            public void noLeader(long index) {
                heard.add("no leader @" + index);
            }

            @Override
            public void unreachable(String reason) {
                heard.add("unreachable: " + reason);
            }
        });
        watch.start();
    }

    private HostPort etcdHost() {
        return new HostPort(etcd.getHostName(), etcd.getPort());
    }

    private static MockResponse keyAnswer(String action, String member, long modifiedIndex, long etcdIndex) {
        String value = member == null ? "" : "\"value\":\"" + member + "\",";
        return new MockResponse.Builder().code(200).addHeader("X-Etcd-Index", etcdIndex)
                .body("{\"action\":\"" + action + "\",\"node\":{\"key\":\"/service/batman/leader\"," + value
                        + "\"modifiedIndex\":" + modifiedIndex + ",\"createdIndex\":" + modifiedIndex + "}}")
                .build();
    }

    private static MockResponse etcdError(int status, int code, String message, long index) {
        return new MockResponse.Builder().code(status).addHeader("X-Etcd-Index", index)
                .body("{\"errorCode\":" + code + ",\"message\":\"" + message + "\",\"cause\":\"/service\",\"index\":"
                        + index + "}")
                .build();
    }

    private static MockResponse failure() {
        return new MockResponse.Builder().onRequestStart(new SocketEffect.CloseSocket(true, false, false)).build();
    }

    private String nextTarget() throws InterruptedException {
        RecordedRequest request = etcd.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request).as("a request to etcd").isNotNull();
        return request.getTarget();
    }

    private void awaitPending(Duration... delays) {
        await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.pending().equals(List.of(delays)));
    }

    @Test
    void readsTheKeyThenWatchesEachChangeFromTheIndexAfterIt() throws Exception {
        etcd.enqueue(keyAnswer("get", "pg01", 5, 7));
        etcd.enqueue(keyAnswer("compareAndSwap", "pg01", 8, 7));
        etcd.enqueue(keyAnswer("expire", null, 9, 8));
        etcd.enqueue(keyAnswer("create", "pg02", 10, 9));

        startWatching(etcdHost());

        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=8");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=9");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=10");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=11");
        assertThat(heard).as("Patroni's refresh of the same leader is not a change")
                .containsExactly("leader pg01 @5", "no leader @9", "leader pg02 @10");
    }

    @Test
    void anAbsentKeyIsNoLeaderAndTheWatchStartsAfterTheIndexEtcdReported() throws Exception {
        etcd.enqueue(etcdError(404, 100, "Key not found", 20));
        etcd.enqueue(keyAnswer("create", "pg01", 21, 20));

        startWatching(etcdHost());

        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=21");
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() == 2);
        assertThat(heard).containsExactly("no leader @20", "leader pg01 @21");
    }

    @Test
    void whenEtcdHasClearedTheHistoryTheWatchNeedsTheKeyIsReadAgain() throws Exception {
        etcd.enqueue(keyAnswer("get", "pg01", 5, 6));
        etcd.enqueue(etcdError(400, 401, "The event in requested index is outdated and cleared", 2000));
        etcd.enqueue(keyAnswer("get", "pg02", 1500, 2000));

        startWatching(etcdHost());

        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=7");
        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=2001");
        assertThat(heard).containsExactly("leader pg01 @5", "leader pg02 @1500");
    }

    @Test
    void anUnreachableEtcdIsReportedOnceAndAskedAgainAfterAPauseThatDoublesUpToABound() throws Exception {
        for (int i = 0; i < 6; i++) {
            etcd.enqueue(failure());
        }
        etcd.enqueue(keyAnswer("get", "pg01", 5, 6));

        startWatching(etcdHost());

        for (long pauseMillis : new long[] {100, 200, 400, 800, 1600, 2000}) {
            Duration pause = Duration.ofMillis(pauseMillis);
            awaitPending(pause);
            scheduler.fire(pause);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() == 2);
        assertThat(heard.get(0)).startsWith("unreachable: no etcd host answered; last, " + etcdHost() + ": ");
        assertThat(heard.get(1)).isEqualTo("leader pg01 @5");
        // The watch after the read goes out just after the listener hears the leader.
        await().atMost(Duration.ofSeconds(5)).until(() -> etcd.getRequestCount() >= 8);
        assertThat(etcd.getRequestCount()).isEqualTo(8);
    }

    @Test
    void aHostThatFailsHandsOverToTheNextAtOnceWithoutReportingEtcdUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        etcd.enqueue(keyAnswer("get", "pg01", 5, 6));

        startWatching(new HostPort("127.0.0.1", closedPort), etcdHost());

        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        await().atMost(Duration.ofSeconds(5)).until(() -> !heard.isEmpty());
        awaitPending(REVALIDATE, TIMEOUT);
        assertThat(heard).as("no pause, only the watch's own deadline").containsExactly("leader pg01 @5");
    }

    @Test
    void aHostThatDoesNotStartAnsweringWithinTheTimeoutHasFailed() throws Exception {
        etcd.enqueue(new MockResponse.Builder().onRequestStart(SocketEffect.Stall.INSTANCE).build());

        startWatching(etcdHost());

        assertThat(etcd.takeRequest(5, TimeUnit.SECONDS)).isNotNull();
        awaitPending(TIMEOUT);
        assertThat(heard).isEmpty();
        scheduler.fire(TIMEOUT);
        assertThat(heard).singleElement().asString().endsWith(": no answer within 3000ms");
        assertThat(scheduler.pending()).containsExactly(EtcdLeaderWatch.MIN_RETRY_DELAY);
    }

    @Test
    void aWatchThatHearsNothingWithinTheWatchTimeoutIsAskedAgainFromTheSameIndex() throws Exception {
        etcd.enqueue(keyAnswer("get", "pg01", 5, 6));
        etcd.enqueue(new MockResponse.Builder().code(200).addHeader("X-Etcd-Index", 6)
                .body("{}").onResponseBody(SocketEffect.Stall.INSTANCE).build());
        etcd.enqueue(keyAnswer("create", "pg02", 9, 8));

        startWatching(etcdHost());

        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=7");
        awaitPending(REVALIDATE, WATCH_TIMEOUT);
        scheduler.fire(WATCH_TIMEOUT);
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=7");
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() == 2);
        assertThat(heard).as("a quiet watch is not a failure").containsExactly("leader pg01 @5", "leader pg02 @9");
    }

    private static MockResponse quietWatch() {
        return new MockResponse.Builder().code(200).addHeader("X-Etcd-Index", 6)
                .body("{}").onResponseBody(SocketEffect.Stall.INSTANCE).build();
    }

    private void awaitPendingIncludes(Duration delay) {
        await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.pending().contains(delay));
    }

    @Test
    void aQuorumReadEveryRevalidateIntervalFindsAChangeTheWatchMissed() throws Exception {
        etcd.enqueue(keyAnswer("get", "pg01", 5, 6));
        etcd.enqueue(quietWatch());
        etcd.enqueue(keyAnswer("get", "pg02", 9, 12));

        startWatching(etcdHost());

        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=7");
        awaitPendingIncludes(REVALIDATE);
        scheduler.fire(REVALIDATE);
        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).as("the watch goes on from the read").isEqualTo(KEY + "?wait=true&waitIndex=13");
        assertThat(heard).containsExactly("leader pg01 @5", "leader pg02 @9");
        awaitPendingIncludes(REVALIDATE);
    }

    @Test
    void anEtcd3LeaderIsConfirmedByALinearizableRangeEveryRevalidateInterval() throws Exception {
        etcd.enqueue(new MockResponse.Builder().body("{\"header\":{\"revision\":\"7\"}}").build());
        etcd.enqueue(new MockResponse.Builder().chunkedBody(v3Result("\"created\":true"), 1024)
                .onResponseBody(SocketEffect.Stall.INSTANCE).build());
        etcd.enqueue(new MockResponse.Builder().body("{\"header\":{\"revision\":\"40\"},\"kvs\":[{\"mod_revision\":"
                + "\"33\",\"value\":\"cGcwMw==\"}]}").build());

        startWatching(DcsType.ETCD_V3, etcdHost());

        assertThat(nextTarget()).isEqualTo("/v3/kv/range");
        assertThat(etcd.takeRequest(5, TimeUnit.SECONDS).getBody().utf8()).endsWith("\"start_revision\":\"8\"}}");
        awaitPendingIncludes(REVALIDATE);
        scheduler.fire(REVALIDATE);
        RecordedRequest read = etcd.takeRequest(5, TimeUnit.SECONDS);
        assertThat(read.getTarget()).isEqualTo("/v3/kv/range");
        assertThat(read.getBody().utf8()).as("not serializable: a cut-off member must not answer")
                .doesNotContain("serializable");
        assertThat(etcd.takeRequest(5, TimeUnit.SECONDS).getBody().utf8()).endsWith("\"start_revision\":\"41\"}}");
        assertThat(heard).containsExactly("no leader @7", "leader pg03 @33");
    }

    @Test
    void aTaskThatThrowsIsCountedAndTheWatchStartsAgainAfterAPause() throws Exception {
        failOnce.add("pg01");
        etcd.enqueue(keyAnswer("get", "pg01", 5, 6));
        etcd.enqueue(keyAnswer("get", "pg01", 5, 8));
        etcd.enqueue(quietWatch());

        startWatching(etcdHost());

        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        awaitPendingIncludes(EtcdLeaderWatch.MAX_RETRY_DELAY);
        scheduler.fire(EtcdLeaderWatch.MAX_RETRY_DELAY);
        assertThat(nextTarget()).isEqualTo(KEY + "?quorum=true");
        assertThat(nextTarget()).isEqualTo(KEY + "?wait=true&waitIndex=9");
        assertThat(heard).as("the listener hears again what it failed on").containsExactly("leader pg01 @5");
        assertThat(watch.taskFailures().total()).isEqualTo(1);
        assertThat(watch.taskFailures().last()).hasValueSatisfying(last -> assertThat(last).contains("listener bug"));
    }

    @Test
    void aGarbledAnswerIsAFailedHost() throws Exception {
        etcd.enqueue(new MockResponse.Builder().code(502).body("<html>Bad Gateway</html>").build());

        startWatching(etcdHost());

        await().atMost(Duration.ofSeconds(5)).until(() -> !heard.isEmpty());
        assertThat(heard).singleElement().asString().contains("HTTP 502, not JSON");
    }

    @Test
    void afterCloseNothingIsAskedOrHeard() throws Exception {
        etcd.enqueue(new MockResponse.Builder().onRequestStart(SocketEffect.Stall.INSTANCE).build());
        startWatching(etcdHost());
        assertThat(etcd.takeRequest(5, TimeUnit.SECONDS)).isNotNull();
        awaitPending(TIMEOUT);

        watch.close();
        scheduler.fire(TIMEOUT);

        assertThat(heard).isEmpty();
        assertThat(scheduler.pending()).isEmpty();
        assertThat(etcd.getRequestCount()).isEqualTo(1);
    }

    private static String v3Result(String fields) {
        return "{\"result\":{\"header\":{\"cluster_id\":\"1\",\"revision\":\"9\"}," + fields + "}}\n";
    }

    private static String v3Put(String member, long modRevision) {
        String value = Base64.getEncoder().encodeToString(member.getBytes(StandardCharsets.UTF_8));
        return "\"events\":[{\"kv\":{\"key\":\"L3NlcnZpY2UvYmF0bWFuL2xlYWRlcg==\",\"mod_revision\":\"" + modRevision
                + "\",\"value\":\"" + value + "\"}}]";
    }

    @Test
    void etcd3IsReadThroughTheGatewayAndWatchedOneStreamPerChange() throws Exception {
        etcd.enqueue(new MockResponse.Builder().body("{\"header\":{\"revision\":\"7\"}}").build());
        etcd.enqueue(new MockResponse.Builder()
                .body(v3Result("\"created\":true") + v3Result(v3Put("pg02", 8))).build());
        etcd.enqueue(new MockResponse.Builder().body(v3Result("\"created\":true")
                + v3Result("\"events\":[{\"type\":\"DELETE\",\"kv\":{\"mod_revision\":\"10\"}}]")).build());
        etcd.enqueue(new MockResponse.Builder()
                .body(v3Result("\"canceled\":true,\"compact_revision\":\"50\"")).build());
        etcd.enqueue(new MockResponse.Builder().body("{\"header\":{\"revision\":\"60\"},\"kvs\":[{\"mod_revision\":"
                + "\"55\",\"value\":\"cGcwMw==\"}]}").build());

        startWatching(DcsType.ETCD_V3, etcdHost());

        RecordedRequest read = etcd.takeRequest(5, TimeUnit.SECONDS);
        assertThat(read.getTarget()).isEqualTo("/v3/kv/range");
        assertThat(read.getBody().utf8()).isEqualTo("{\"key\":\"L3NlcnZpY2UvYmF0bWFuL2xlYWRlcg==\"}");
        for (String startRevision : new String[] {"8", "9", "11"}) {
            RecordedRequest watchRequest = etcd.takeRequest(5, TimeUnit.SECONDS);
            assertThat(watchRequest.getTarget()).isEqualTo("/v3/watch");
            assertThat(watchRequest.getBody().utf8()).endsWith("\"start_revision\":\"" + startRevision + "\"}}");
        }
        assertThat(nextTarget()).as("compacted: read again").isEqualTo("/v3/kv/range");
        assertThat(etcd.takeRequest(5, TimeUnit.SECONDS).getBody().utf8()).endsWith("\"start_revision\":\"61\"}}");
        assertThat(heard).containsExactly("no leader @7", "leader pg02 @8", "no leader @10", "leader pg03 @55");
    }

    @Test
    void anEtcd3WatchThatStaysQuietIsAskedAgainFromTheSameRevision() throws Exception {
        etcd.enqueue(new MockResponse.Builder().body("{\"header\":{\"revision\":\"7\"}}").build());
        // A stream's headers, then silence.
        etcd.enqueue(new MockResponse.Builder().chunkedBody(v3Result("\"created\":true"), 1024)
                .onResponseBody(SocketEffect.Stall.INSTANCE).build());
        etcd.enqueue(new MockResponse.Builder().body(v3Result(v3Put("pg01", 12))).build());

        startWatching(DcsType.ETCD_V3, etcdHost());

        nextTarget();
        assertThat(etcd.takeRequest(5, TimeUnit.SECONDS).getBody().utf8()).endsWith("\"start_revision\":\"8\"}}");
        awaitPending(REVALIDATE, WATCH_TIMEOUT);
        scheduler.fire(WATCH_TIMEOUT);
        assertThat(etcd.takeRequest(5, TimeUnit.SECONDS).getBody().utf8()).endsWith("\"start_revision\":\"8\"}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> heard.size() == 2);
        assertThat(heard).containsExactly("no leader @7", "leader pg01 @12");
    }
}
