package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.stats.CheckResult;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The monitor against fake Patroni REST APIs on loopback, in real time. */
@Timeout(60)
class HealthChecksOverHttpTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<MockWebServer> apis = new ArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final CheckRegistry checks = CheckRegistry.overHttp(Clock.systemUTC());

    /** A fake Patroni API answering as primary while {@code primary} is set, else as a replica; counts requests. */
    private record FakePatroni(MockWebServer server, AtomicBoolean primary, AtomicInteger requests) {
        HostPort address() {
            return new HostPort("127.0.0.1", server.getPort());
        }
    }

    private FakePatroni patroni(boolean primary) throws IOException {
        AtomicBoolean isPrimary = new AtomicBoolean(primary);
        AtomicInteger requests = new AtomicInteger();
        MockWebServer server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requests.incrementAndGet();
                boolean p = isPrimary.get();
                return new MockResponse.Builder().code(p ? 200 : 503)
                        .body("{\"state\": \"running\", \"role\": \"" + (p ? "primary" : "replica") + "\"}").build();
            }
        });
        server.start();
        apis.add(server);
        return new FakePatroni(server, isPrimary, requests);
    }

    private static ListenerRouter primaryListener(CheckConfig check, List<ServerConfig> servers) {
        List<Backend> backends = servers.stream()
                .map(s -> new Backend("primary", s, Optional.of(check), Clock.systemUTC().instant())).toList();
        return new ListenerRouter(new ListenerConfig("primary", List.of(new BindAddress("127.0.0.1", 0)),
                Balance.PRIMARY, Optional.of(check),
                new Timeouts(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1),
                        Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofSeconds(5)),
                2, 0, true, false, 0, servers), backends);
    }

    private HealthMonitor monitor(ListenerRouter router) {
        HealthMonitor monitor = new HealthMonitor(List.of(router), scheduler, Clock.systemUTC(), checks);
        toClose.add(monitor);
        monitor.start(HealthMonitor.Knowledge.NONE);
        return monitor;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        checks.close();
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
        for (MockWebServer api : apis) {
            api.close();
        }
    }

    @Test
    void aLeaderKeyChangeChecksFastOnlyTheServersWhoseStateDisagreesWithTheKey() throws Exception {
        CheckConfig check = new CheckConfig("GET", "/primary", 200, Duration.ofSeconds(10), Duration.ofSeconds(1), 1, 3);
        FakePatroni pg01 = patroni(true);
        FakePatroni pg02 = patroni(false);
        FakePatroni pg03 = patroni(false);
        ListenerRouter router = primaryListener(check, List.of(
                new ServerConfig("pg01", new HostPort("127.0.0.1", 1), pg01.address(), 0),
                new ServerConfig("pg02", new HostPort("127.0.0.1", 2), pg02.address(), 0),
                new ServerConfig("pg03", new HostPort("127.0.0.1", 3), pg03.address(), 0)));
        HealthMonitor monitor = monitor(router);
        scheduler.submit(() -> monitor.leaderIs("pg01", 1)).get();
        await().atMost(Duration.ofSeconds(5)).until(() -> router.current().isPresent());
        Thread.sleep(300);
        int pg03Before = pg03.requests().get();
        int pg02Before = pg02.requests().get();

        // A switchover: the key names pg02 while its PostgreSQL is still being promoted.
        pg01.primary().set(false);
        scheduler.submit(() -> monitor.leaderIs("pg02", 2)).get();
        Thread.sleep(1500);

        assertThat(pg02.requests().get() - pg02Before).as("the named leader is checked fast").isGreaterThan(5);
        assertThat(pg03.requests().get() - pg03Before).as("a replica the key does not name agrees: not checked fast")
                .isLessThanOrEqualTo(2);

        pg02.primary().set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> router.current().map(b -> b.server().name())
                .filter("pg02"::equals).isPresent());
        Thread.sleep(200);
        int pg02Routed = pg02.requests().get();
        Thread.sleep(1000);
        assertThat(pg02.requests().get() - pg02Routed).as("routing agrees: fast checks stopped").isLessThanOrEqualTo(1);
    }

    @Test
    void aCheckWhoseTimeoutIsDaysDoesNotStallTheSchedule() throws Exception {
        CheckConfig check = new CheckConfig("GET", "/primary", 200, Duration.ofMillis(100), Duration.ofDays(3), 1, 3);
        MockWebServer api = new MockWebServer();
        api.enqueue(new MockResponse.Builder().onRequestStart(SocketEffect.Stall.INSTANCE).build());
        api.enqueue(new MockResponse.Builder().code(200).body("{\"state\": \"running\", \"role\": \"primary\"}").build());
        api.start();
        apis.add(api);
        ListenerRouter router = primaryListener(check, List.of(
                new ServerConfig("pg01", new HostPort("127.0.0.1", 1), new HostPort("127.0.0.1", api.getPort()), 0)));

        monitor(router);

        await().atMost(Duration.ofSeconds(15)).until(() -> router.current().isPresent());
    }

    @Test
    void aCheckThatCannotEvenBeSentIsRecordedAndRetriedNotSilentlyDropped() {
        CheckConfig check = new CheckConfig("GET", "/primary", 200, Duration.ofMillis(100), Duration.ofSeconds(1), 1, 3);
        // As from "address: http://pg01:5432": no URL can be made of it.
        ListenerRouter router = primaryListener(check, List.of(
                new ServerConfig("pg01", new HostPort("127.0.0.1", 1), new HostPort("http://pg01", 5432), 0)));
        Backend pg01 = router.backends().get(0);

        monitor(router);

        await().atMost(Duration.ofSeconds(5)).until(() -> pg01.health().lastCheck() != CheckResult.NONE);
        assertThat(pg01.health().lastCheck().status()).isEqualTo(CheckRegistry.ERROR_STATUS);
        assertThat(pg01.health().lastCheck().detail()).contains("http://pg01");
        await("counted and retried on inter").atMost(Duration.ofSeconds(5))
                .until(() -> pg01.health().checkErrors() >= 3);
    }
}
