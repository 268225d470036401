package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.HostPort;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/** Messages as etcd 3.4's JSON gateway sends them (captured from a real one); cGcwMQ== is "pg01". */
class EtcdV3ApiTest {
    private static final String HEADER = "\"header\":{\"cluster_id\":\"324952591200643719\","
            + "\"member_id\":\"3319814642761637952\",\"revision\":\"7\",\"raft_term\":\"2\"}";
    private static final String KV_PG01 = "{\"key\":\"L3NlcnZpY2UvYmF0bWFuL2xlYWRlcg==\",\"create_revision\":\"2\","
            + "\"mod_revision\":\"5\",\"version\":\"1\",\"value\":\"cGcwMQ==\",\"lease\":\"7587874560731412491\"}";

    @Test
    void readsAndWatchesTheBase64KeyWithRevisionsAsStrings() throws Exception {
        EtcdV3Api api = new EtcdV3Api("/service/batman/leader");
        HostPort host = new HostPort("10.29.0.10", 2379);

        Buffer read = new Buffer();
        api.read(host).body().writeTo(read);
        Buffer watch = new Buffer();
        api.watch(host, 8).body().writeTo(watch);

        assertThat(api.read(host).url()).hasToString("http://10.29.0.10:2379/v3/kv/range");
        assertThat(read.readUtf8()).isEqualTo("{\"key\":\"L3NlcnZpY2UvYmF0bWFuL2xlYWRlcg==\"}");
        assertThat(api.watch(host, 8).url()).hasToString("http://10.29.0.10:2379/v3/watch");
        assertThat(watch.readUtf8())
                .isEqualTo("{\"create_request\":{\"key\":\"L3NlcnZpY2UvYmF0bWFuL2xlYWRlcg==\",\"start_revision\":\"8\"}}");
    }

    @Test
    void aRangeNamesTheLeaderOrFindsNoneAndTheWatchStartsAfterTheStoresRevision() {
        assertThat(EtcdV3Api.ofRange(200, "{" + HEADER + ",\"kvs\":[" + KV_PG01 + "],\"count\":\"1\"}"))
                .isEqualTo(new LeaderKeyAnswer.Leader("pg01", 5, 8));
        assertThat(EtcdV3Api.ofRange(200, "{" + HEADER + "}")).isEqualTo(new LeaderKeyAnswer.NoLeader(7, 8));
    }

    @Test
    void watchMessagesReportTheLastChangeAndNothingForCreatedOrProgress() {
        assertThat(EtcdV3Api.ofWatchMessage("{\"result\":{" + HEADER + ",\"created\":true}}")).isNull();
        assertThat(EtcdV3Api.ofWatchMessage("{\"result\":{" + HEADER + "}}")).isNull();
        String put = "{\"kv\":" + KV_PG01 + "}";
        String delete = "{\"type\":\"DELETE\",\"kv\":{\"key\":\"L3NlcnZpY2UvYmF0bWFuL2xlYWRlcg==\","
                + "\"mod_revision\":\"6\"}}";

        assertThat(EtcdV3Api.ofWatchMessage("{\"result\":{" + HEADER + ",\"events\":[" + put + "]}}"))
                .isEqualTo(new LeaderKeyAnswer.Leader("pg01", 5, 6));
        assertThat(EtcdV3Api.ofWatchMessage("{\"result\":{" + HEADER + ",\"events\":[" + put + "," + delete + "]}}"))
                .isEqualTo(new LeaderKeyAnswer.NoLeader(6, 7));
    }

    @Test
    void aCompactedStartRevisionAsksForAFreshRead() {
        assertThat(EtcdV3Api.ofWatchMessage("{\"result\":{\"header\":{\"raft_term\":\"2\"},\"canceled\":true,"
                + "\"compact_revision\":\"6\"}}")).isInstanceOf(LeaderKeyAnswer.HistoryGone.class);
    }

    @Test
    void errorsAndStrangeAnswersAreFailures() {
        assertThat(EtcdV3Api.ofWatchMessage("{\"error\":\"etcdserver: mvcc: required revision is a future revision\","
                + "\"message\":\"etcdserver: mvcc: required revision is a future revision\",\"code\":11}"))
                .isEqualTo(new LeaderKeyAnswer.Failed(
                        "HTTP 200, etcd error 11: etcdserver: mvcc: required revision is a future revision"));
        assertThat(EtcdV3Api.ofRange(404, "404 page not found")).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV3Api.ofRange(200, "{\"kvs\":[" + KV_PG01 + "]}")).as("no header revision")
                .isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV3Api.ofWatchMessage("{\"result\":{\"canceled\":true,\"cancel_reason\":\"no auth\"}}"))
                .isEqualTo(new LeaderKeyAnswer.Failed("etcd cancelled the watch: no auth"));
        assertThat(EtcdV3Api.ofRange(200, "{" + HEADER + ",\"kvs\":[" + KV_PG01.replace("cGcwMQ==", "%%") + "]}"))
                .isEqualTo(new LeaderKeyAnswer.Failed("the leader key's value is not base64"));
    }

    @Test
    void membersAreTheKeysBelowTheMembersPrefix() throws Exception {
        String node1 = java.util.Base64.getEncoder().encodeToString("/service/b/members/node1".getBytes());
        String node2 = java.util.Base64.getEncoder().encodeToString("/service/b/members/node2".getBytes());

        assertThat(EtcdV3Api.ofMembers(200, "{\"header\":{\"revision\":\"9\"},\"kvs\":[{\"key\":\"" + node2
                + "\"},{\"key\":\"" + node1 + "\"}],\"count\":\"2\"}", "/service/b/members"))
                .containsExactly("node1", "node2");
        assertThat(EtcdV3Api.ofMembers(200, "{\"header\":{\"revision\":\"9\"}}", "/service/b/members")).isEmpty();
        assertThat(new EtcdV3Api("/service/b/leader").members(new dev.patroxy.config.HostPort("h", 1),
                "/service/b/members").url().encodedPath()).isEqualTo("/v3/kv/range");
    }

    @Test
    void aRevisionAtOrBeyondTheLargestLongIsAFailureNotAWrappedNextIndex() {
        String atMax = HEADER.replace("\"revision\":\"7\"", "\"revision\":\"9223372036854775807\"");
        String beyond = HEADER.replace("\"revision\":\"7\"", "\"revision\":\"9223372036854775808\"");
        String putAtMax = "{\"type\":\"PUT\",\"kv\":" + KV_PG01.replace("\"5\"", "\"9223372036854775807\"") + "}";

        assertThat(EtcdV3Api.ofRange(200, "{" + atMax + "}")).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV3Api.ofRange(200, "{" + beyond + ",\"kvs\":[" + KV_PG01 + "]}"))
                .isInstanceOfSatisfying(LeaderKeyAnswer.Failed.class,
                        failed -> assertThat(failed.reason()).contains("revision"));
        assertThat(EtcdV3Api.ofWatchMessage("{\"result\":{" + HEADER + ",\"events\":[" + putAtMax + "]}}"))
                .isInstanceOf(LeaderKeyAnswer.Failed.class);
    }

    @Test
    void aDeeplyNestedMessageIsAFailureNotAStackOverflow() {
        assertThat(EtcdV3Api.ofWatchMessage("[".repeat(20_000))).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV3Api.ofRange(200, "{\"a\":".repeat(20_000))).isInstanceOf(LeaderKeyAnswer.Failed.class);
    }
}
