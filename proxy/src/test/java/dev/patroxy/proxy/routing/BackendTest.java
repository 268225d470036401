package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendTest {
    private final List<String> killed = new ArrayList<>();

    private ProxiedSession session(String name) {
        return () -> killed.add(name);
    }

    private static Backend routableBackend() {
        ListenerRouter router = ListenerRouterTest.router(Balance.PRIMARY, "pg01");
        Backend backend = router.backends().get(0);
        router.refresh(b -> true);
        return backend;
    }

    @Test
    void killSessionsCutsEverySessionOnceAndCountsThem() {
        Backend backend = routableBackend();
        backend.register(session("a"));
        backend.register(session("b"));

        assertThat(backend.killSessions()).isEqualTo(2);
        assertThat(killed).containsExactlyInAnyOrder("a", "b");
        assertThat(backend.killedSessions()).isEqualTo(2);
        assertThat(backend.killSessions()).isZero();
        assertThat(backend.sessionCount()).isZero();
    }

    @Test
    void aSessionThatConnectsAfterTheServerWasDroppedIsRefused() {
        ListenerRouter router = ListenerRouterTest.router(Balance.PRIMARY, "pg01");
        Backend backend = router.backends().get(0);
        router.refresh(b -> true);
        router.refresh(b -> false);

        assertThat(backend.register(session("late"))).isFalse();
        assertThat(backend.sessionCount()).isZero();
    }

    @Test
    void anUnregisteredSessionIsNotCut() {
        Backend backend = routableBackend();
        ProxiedSession done = session("done");
        backend.register(done);
        backend.unregister(done);

        assertThat(backend.killSessions()).isZero();
        assertThat(killed).isEmpty();
    }

    private static Backend at(String host) {
        return new Backend("l", new ServerConfig("pg01", new HostPort(host, 5432), new HostPort(host, 8008), 0),
                Optional.empty(), Instant.EPOCH);
    }

    @Test
    void anIpAddressIsResolvedOnceForEverySession() {
        Backend backend = at("127.0.0.1");
        InetSocketAddress first = backend.connectAddress();

        backend.connectFailed();

        assertThat(backend.connectAddress()).isSameAs(first);
    }

    @Test
    void aHostNameIsSharedUntilAConnectionFailsThenResolvedAgain() {
        Backend backend = at("localhost");
        InetSocketAddress first = backend.connectAddress();
        assertThat(first.isUnresolved()).isFalse();
        assertThat(backend.connectAddress()).as("shared").isSameAs(first);

        backend.connectFailed();

        assertThat(backend.connectAddress()).as("resolved again").isNotSameAs(first).isEqualTo(first);
    }
}
