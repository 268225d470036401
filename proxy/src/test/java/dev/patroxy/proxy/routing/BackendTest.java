package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.ApiAccess;
import dev.patroxy.config.Balance;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.TlsClient;
import io.netty.channel.DefaultEventLoop;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
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
    void theCheckTargetIsReachedAsTheServersRestApiIs() {
        CheckConfig check = ListenerRouterTest.CHECK;
        ServerConfig plain = new ServerConfig("pg01", new HostPort("10.0.0.1", 5432), new HostPort("10.0.0.1", 8008), 0);
        ServerConfig overTls = plain.withCheckAccess(new ApiAccess(
                Optional.of(new TlsClient(false, Optional.empty(), Optional.empty())), Optional.empty()));

        assertThat(new Backend("l", plain, Optional.of(check), Instant.EPOCH).checkTarget().orElseThrow().url())
                .isEqualTo("http://10.0.0.1:8008" + check.path());
        assertThat(new Backend("l", overTls, Optional.of(check), Instant.EPOCH).checkTarget().orElseThrow().url())
                .as("what the stats page shows as the check URL").isEqualTo("https://10.0.0.1:8008" + check.path());
        assertThat(new Backend("l", plain, Optional.empty(), Instant.EPOCH).checkTarget()).isEmpty();
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

    private final Queue<Runnable> resolving = new ArrayDeque<>();
    private final List<String> lookedUp = new ArrayList<>();

    private Backend at(String host) {
        return new Backend("l", new ServerConfig("pg01", new HostPort(host, 5432), new HostPort(host, 8008), 0),
                Optional.empty(), Instant.EPOCH, name -> {
                    lookedUp.add(name);
                    return InetAddress.getLoopbackAddress();
                }, resolving::add);
    }

    private void runLookups() {
        while (!resolving.isEmpty()) {
            resolving.remove().run();
        }
    }

    @Test
    void anIpAddressIsNeverLookedUp() {
        Backend backend = at("127.0.0.1");
        InetSocketAddress first = backend.connectAddress();

        backend.connectFailed();

        assertThat(backend.connectAddress()).isSameAs(first);
        assertThat(resolving).isEmpty();
    }

    @Test
    void aHostNameIsLookedUpAtStartOffTheCallersThread() {
        Backend backend = at("pg01.db");
        assertThat(lookedUp).isEmpty();
        assertThat(backend.connectAddress().isUnresolved()).as("before the answer").isTrue();

        runLookups();

        assertThat(lookedUp).containsExactly("pg01.db");
        assertThat(backend.connectAddress().getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        assertThat(backend.connectAddress()).as("shared").isSameAs(backend.connectAddress());
    }

    @Test
    void aFailedConnectionIsFollowedByTheLastGoodAddressNotALookupOnTheCallersThread() throws Exception {
        Backend backend = at("pg01.db");
        runLookups();
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            InetSocketAddress first = loop.submit(backend::connectAddress).get();
            backend.connectFailed();

            assertThat(loop.submit(backend::connectAddress).get()).isSameAs(first);
            assertThat(backend.connectErrors()).isEqualTo(1);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }
}
