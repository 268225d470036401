package dev.patroxy.proxy.dcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.patroxy.proxy.json.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Any body an etcd member (or whatever listens on its port) answers with: {@link Json} reads it or throws
 * IllegalArgumentException, and the v2 and v3 readers turn it into an answer about the leader key, never an
 * exception (a deeply nested body included); a leader they report has a name. Bodies are limited to
 * {@link LeaderKeyApi#MAX_ANSWER} bytes before they get here.
 */
class EtcdAnswersFuzzTest {
    @FuzzTest
    void anyBodyIsJsonOrIllegalArgument(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        Object value;
        try {
            value = Json.parse(text);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageStartingWith("not JSON: ");
            return;
        }
        assertJsonValue(value);
        // One complete value: nothing may follow it but white space.
        assertThatThrownBy(() -> Json.parse(text + " x")).isInstanceOf(IllegalArgumentException.class);
    }

    @FuzzTest
    void anyBodyIsAnAnswerAboutTheLeaderKey(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        for (int status : new int[] {200, 404}) {
            assertAnswer(EtcdV2Api.ofRead(status, null, text));
            assertAnswer(EtcdV2Api.ofRead(status, "7", text));
            assertAnswer(EtcdV2Api.ofWatch(status, text));
            assertAnswer(EtcdV3Api.ofRange(status, text));
        }
        LeaderKeyAnswer message = EtcdV3Api.ofWatchMessage(text);
        if (message != null) {
            assertAnswer(message);
        }
    }

    private static void assertAnswer(LeaderKeyAnswer answer) {
        assertThat(answer).isNotNull();
        if (answer instanceof LeaderKeyAnswer.Leader leader) {
            assertThat(leader.member()).isNotEmpty();
        } else if (answer instanceof LeaderKeyAnswer.Failed failed) {
            assertThat(failed.reason()).isNotBlank();
        }
    }

    private static void assertJsonValue(Object value) {
        if (value instanceof Map<?, ?> map) {
            map.forEach((name, member) -> {
                assertThat(name).isInstanceOf(String.class);
                assertJsonValue(member);
            });
        } else if (value instanceof List<?> list) {
            list.forEach(EtcdAnswersFuzzTest::assertJsonValue);
        } else if (value != null) {
            assertThat(value).isInstanceOfAny(String.class, Long.class, BigInteger.class, Double.class, Boolean.class);
        }
    }
}
