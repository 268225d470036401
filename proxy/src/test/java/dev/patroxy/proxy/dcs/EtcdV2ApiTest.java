package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.HostPort;
import org.junit.jupiter.api.Test;

/** Bodies as etcd 3.4 with --enable-v2 answers them (captured from a real one). */
class EtcdV2ApiTest {
    private static final String GET = "{\"action\":\"get\",\"node\":{\"key\":\"/service/batman/leader\","
            + "\"value\":\"pg01\",\"expiration\":\"2026-11-25T20:57:01.769786086Z\",\"ttl\":30,"
            + "\"modifiedIndex\":4,\"createdIndex\":4}}";

    @Test
    void readsWithQuorumAndWatchesFromAnIndex() {
        EtcdV2Api api = new EtcdV2Api("/service/batman/leader");
        HostPort host = new HostPort("10.29.0.10", 2379);

        assertThat(api.read(host).url()).hasToString("http://10.29.0.10:2379/v2/keys/service/batman/leader?quorum=true");
        assertThat(api.watch(host, 42).url())
                .hasToString("http://10.29.0.10:2379/v2/keys/service/batman/leader?wait=true&waitIndex=42");
    }

    @Test
    void aReadNamesTheLeaderAndTheWatchStartsAfterTheStoresIndex() {
        assertThat(EtcdV2Api.ofRead(200, "7", GET)).isEqualTo(new LeaderKeyAnswer.Leader("pg01", 4, 8));
    }

    @Test
    void aWatchStartsAgainAfterTheChangeItReported() {
        String swap = "{\"action\":\"compareAndSwap\",\"node\":{\"key\":\"/service/batman/leader\",\"value\":\"pg01\","
                + "\"ttl\":30,\"modifiedIndex\":5,\"createdIndex\":4},\"prevNode\":{\"key\":\"/service/batman/leader\","
                + "\"value\":\"pg01\",\"ttl\":24,\"modifiedIndex\":4,\"createdIndex\":4}}";

        assertThat(EtcdV2Api.ofWatch(200, swap)).isEqualTo(new LeaderKeyAnswer.Leader("pg01", 5, 6));
    }

    @Test
    void expiryAndEitherDeletionLeaveNoLeaderWhateverThePreviousValue() {
        for (String action : new String[] {"expire", "delete", "compareAndDelete"}) {
            String removal = "{\"action\":\"" + action + "\",\"node\":{\"key\":\"/service/batman/leader\","
                    + "\"modifiedIndex\":8,\"createdIndex\":7},\"prevNode\":{\"key\":\"/service/batman/leader\","
                    + "\"value\":\"pg02\",\"modifiedIndex\":7,\"createdIndex\":7}}";

            assertThat(EtcdV2Api.ofWatch(200, removal)).as(action).isEqualTo(new LeaderKeyAnswer.NoLeader(8, 9));
        }
    }

    @Test
    void keyNotFoundIsNoLeaderAsOfTheIndexInTheError() {
        String notFound = "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/service\",\"index\":3}";

        assertThat(EtcdV2Api.ofRead(404, "3", notFound)).isEqualTo(new LeaderKeyAnswer.NoLeader(3, 4));
    }

    @Test
    void aClearedHistoryAsksForAFreshRead() {
        String cleared = "{\"errorCode\":401,\"message\":\"The event in requested index is outdated and cleared\","
                + "\"cause\":\"the requested history has been cleared [109/9]\",\"index\":1108}";

        assertThat(EtcdV2Api.ofWatch(400, cleared)).isInstanceOf(LeaderKeyAnswer.HistoryGone.class);
    }

    @Test
    void otherErrorsAndStrangeAnswersAreFailures() {
        assertThat(EtcdV2Api.ofRead(500, null, "{\"errorCode\":300,\"message\":\"Raft Internal Error\"}"))
                .isEqualTo(new LeaderKeyAnswer.Failed("etcd error 300: Raft Internal Error"));
        assertThat(EtcdV2Api.ofRead(200, null, "<html>")).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV2Api.ofRead(503, "7", GET)).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV2Api.ofRead(200, "seven", GET)).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV2Api.ofWatch(200, GET.replace("\"value\":\"pg01\",", "")))
                .isEqualTo(new LeaderKeyAnswer.Failed("etcd get of the leader key without a value"));
    }

    @Test
    void membersAreTheKeysOfTheMembersDirectory() throws Exception {
        assertThat(EtcdV2Api.ofMembers(200, "{\"action\":\"get\",\"node\":{\"key\":\"/service/b/members\","
                + "\"dir\":true,\"nodes\":[{\"key\":\"/service/b/members/node2\",\"value\":\"{}\"},"
                + "{\"key\":\"/service/b/members/node1\",\"value\":\"{}\"}]}}", "/service/b/members"))
                .containsExactly("node1", "node2");
        assertThat(EtcdV2Api.ofMembers(404, "{\"errorCode\":100,\"message\":\"Key not found\",\"index\":3}",
                "/service/b/members")).as("no cluster of that scope").isEmpty();
    }

    @Test
    void anIndexAtOrBeyondTheLargestLongIsAFailureNotAWrappedNextIndex() {
        String atMax = GET.replace("\"modifiedIndex\":4", "\"modifiedIndex\":9223372036854775807");
        String beyond = GET.replace("\"modifiedIndex\":4", "\"modifiedIndex\":9223372036854775808");
        String notFound = "{\"errorCode\":100,\"message\":\"Key not found\",\"index\":9223372036854775807}";

        assertThat(EtcdV2Api.ofWatch(200, atMax)).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV2Api.ofRead(200, "9223372036854775807", GET)).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV2Api.ofRead(404, null, notFound)).isInstanceOf(LeaderKeyAnswer.Failed.class);
        assertThat(EtcdV2Api.ofWatch(200, beyond)).isInstanceOfSatisfying(LeaderKeyAnswer.Failed.class,
                failed -> assertThat(failed.reason()).contains("modifiedIndex"));
    }

    @Test
    void aDeeplyNestedBodyIsAFailureNotAStackOverflow() {
        assertThat(EtcdV2Api.ofWatch(200, "[".repeat(20_000))).isInstanceOfSatisfying(LeaderKeyAnswer.Failed.class,
                failed -> assertThat(failed.reason()).startsWith("HTTP 200, not JSON: "));
    }
}
