package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Any text in Patroni's failover key (whoever can write to etcd writes it) is a request or none, never an
 * exception; a request never asks its own candidate to hand over, and one that could not be read asks nobody.
 */
class SwitchoverRequestFuzzTest {
    @FuzzTest
    void anyKeyIsARequestOrNone(byte[] value) {
        SwitchoverRequest request = SwitchoverRequest.of(new String(value, StandardCharsets.UTF_8));

        assertThat(request.toString()).isNotNull();
        for (String member : new String[] {"pg01", "pg03", request.leader(), request.candidate()}) {
            if (request.unreadable() != null || request.equals(SwitchoverRequest.NONE)
                    || (member != null && member.equals(request.candidate()))) {
                assertThat(request.asksToHandOver(member)).isFalse();
            }
        }
        if (request.leader() != null && !request.leader().equals(request.candidate())
                && request.unreadable() == null) {
            assertThat(request.asksToHandOver(request.leader())).isTrue();
        }
    }
}
