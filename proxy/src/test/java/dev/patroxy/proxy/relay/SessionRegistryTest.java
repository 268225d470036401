package dev.patroxy.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.proxy.admin.SessionInfo;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionRegistryTest {
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final SessionRegistry registry = new SessionRegistry(nanos::get);

    @Test
    void listsEachOpenSessionWithItsIdServerAgeAndBytesUntilItCloses() {
        EmbeddedChannel held = new EmbeddedChannel();
        EmbeddedChannel relayed = new EmbeddedChannel();
        registry.opened("primary", held);
        nanos.addAndGet(500_000_000);
        TrackedSession second = registry.opened("replicas", relayed);
        second.relayedTo("pg02");
        second.fromClient(10);
        second.toClient(25);
        nanos.addAndGet(1_000_000_000);

        assertThat(registry.sessions()).extracting(SessionInfo::id, SessionInfo::frontend, SessionInfo::server,
                SessionInfo::age).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, "primary", "", Duration.ofMillis(1500)),
                        org.assertj.core.groups.Tuple.tuple(2L, "replicas", "pg02", Duration.ofSeconds(1)));
        assertThat(registry.sessions().get(1).bytesIn()).isEqualTo(10);
        assertThat(registry.sessions().get(1).bytesOut()).isEqualTo(25);

        held.close();
        assertThat(registry.sessions()).extracting(SessionInfo::id).containsExactly(2L);
    }

    @Test
    void shutdownClosesTheSessionByIdAndKnowsNoOther() {
        EmbeddedChannel client = new EmbeddedChannel();
        long id = registry.opened("primary", client).id();

        assertThat(registry.shutdown(id + 1)).isFalse();
        assertThat(registry.shutdown(id)).isTrue();

        assertThat(client.isOpen()).isFalse();
        assertThat(registry.sessions()).isEmpty();
        assertThat(registry.shutdown(id)).isFalse();
    }
}
