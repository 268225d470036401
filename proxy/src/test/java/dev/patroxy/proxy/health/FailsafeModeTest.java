package dev.patroxy.proxy.health;

import static dev.patroxy.proxy.health.PatroniEndpointsTest.answer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import dev.patroxy.proxy.ManualClock;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ListenerRouter;
import dev.patroxy.proxy.routing.ProxiedSession;
import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.ServerState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A primary listener with the DCS while Patroni's failsafe mode keeps the primary after its leader key vanished:
 * Patroni's recorded answers (3.0.2 and 4.x) go through {@link PatroniCheck} into the {@link HealthMonitor}, which
 * routes. No check is sent and no socket opened.
 */
class FailsafeModeTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final CheckRegistry checks = CheckRegistry.overHttp(clock);
    private final ServerConfig server1 = new ServerConfig("pg01", new HostPort("127.0.0.1", 5432),
            new HostPort("127.0.0.1", 8008), 0);
    private final ServerConfig server2 = new ServerConfig("pg02", new HostPort("127.0.0.1", 5433),
            new HostPort("127.0.0.1", 8009), 0);
    private Monitored primary = monitored("GET", "/primary");

    /** A monitor of its own for a primary listener of pg01 and pg02 checked by {@code method path}. */
    private record Monitored(HealthMonitor monitor, ListenerRouter router, Backend pg01, Backend pg02) {
    }

    private Monitored monitored(String method, String path) {
        CheckConfig check = new CheckConfig(method, path, 200, Duration.ofSeconds(3), Duration.ofSeconds(1), 1, 3);
        ListenerConfig listener = new ListenerConfig("primary", List.of(new BindAddress("127.0.0.1", 0)),
                Balance.PRIMARY, Optional.of(check),
                new Timeouts(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1),
                        Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofSeconds(10),
                        Duration.ofSeconds(5)),
                2, 0, true, false, 0, List.of(server1, server2));
        Backend pg01 = new Backend("primary", server1, Optional.of(check), clock.instant());
        Backend pg02 = new Backend("primary", server2, Optional.of(check), clock.instant());
        ListenerRouter router = new ListenerRouter(listener, List.of(pg01, pg02));
        return new Monitored(new HealthMonitor(List.of(router), scheduler, clock, checks), router, pg01, pg02);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        primary.monitor().close();
        checks.close();
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
    }

    private void onScheduler(Runnable task) throws Exception {
        scheduler.submit(task).get(5, TimeUnit.SECONDS);
    }

    /** {@code backend}'s Patroni answers as the node {@code body} describes would, {@code code} on its check. */
    private void answers(Backend backend, String body, int code) throws Exception {
        CheckConfig check = backend.check().orElseThrow();
        CheckAnswer answer = answer(body, check.method(), check.path(), code);
        onScheduler(() -> primary.monitor().apply(backend, answer, clock.instant()));
    }

    private void timesOut(Backend backend) throws Exception {
        CheckAnswer answer = new CheckAnswer(new CheckResult("L4TOUT", 0, Duration.ofSeconds(1), "timed out",
                clock.instant()), null, 0);
        onScheduler(() -> primary.monitor().apply(backend, answer, clock.instant()));
    }

    /** A session on {@code backend}, counting how often it is cut. */
    private static AtomicInteger session(Backend backend) {
        AtomicInteger kills = new AtomicInteger();
        ProxiedSession session = kills::incrementAndGet;
        assertThat(backend.register(session)).isTrue();
        return kills;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            patroni-4-failsafe-primary.json, patroni-4-primary.json, patroni-4-failsafe.json, /primary
            patroni-3-failsafe-master.json,  patroni-3-master.json,  patroni-3-failsafe-replica.json, /master
            """)
    void aPrimaryPatronisFailsafeModeKeepsHoldsThePortAndItsSessionsWhenTheLeaderKeyVanishes(String failsafePrimary,
            String plainPrimary, String failsafeReplica, String path) throws Exception {
        primary.monitor().close();
        primary = monitored("GET", path);
        Backend pg01 = primary.pg01();
        onScheduler(() -> primary.monitor().leaderIs("pg01", 7));
        answers(pg01, plainPrimary, 200);
        answers(primary.pg02(), failsafeReplica, 503);
        AtomicInteger kills = session(pg01);
        answers(pg01, failsafePrimary, 200);
        int changes = primary.router().roleChanges().recent().size();

        onScheduler(() -> primary.monitor().noLeader(9));

        assertThat(primary.router().pick()).contains(pg01);
        assertThat(kills).as("its sessions stay").hasValue(0);
        assertThat(primary.router().roleChanges().recent()).as("no change of primary").hasSize(changes);

        answers(pg01, plainPrimary, 200);
        assertThat(primary.router().pick()).as("only the latest answer counts: no flag, no primary").isEmpty();
        assertThat(kills).hasValue(1);
    }

    @Test
    void withoutTheFlagAVanishedKeyStillMeansNoPrimary() throws Exception {
        Backend pg01 = primary.pg01();
        onScheduler(() -> primary.monitor().leaderIs("pg01", 7));
        answers(pg01, "patroni-3-unlocked-master.json", 200);
        AtomicInteger kills = session(pg01);

        onScheduler(() -> primary.monitor().noLeader(9));

        assertThat(primary.router().pick()).isEmpty();
        assertThat(kills).hasValue(1);
    }

    @Test
    void theFlagArrivingAfterTheKeyVanishedGivesThePortBack() throws Exception {
        Backend pg01 = primary.pg01();
        onScheduler(() -> primary.monitor().noLeader(9));
        answers(pg01, "patroni-4-primary.json", 200);
        assertThat(primary.router().pick()).isEmpty();

        answers(pg01, "patroni-4-failsafe-primary.json", 200);

        assertThat(pg01.health().state()).as("no change of health").isEqualTo(ServerState.UP);
        assertThat(primary.router().pick()).contains(pg01);
    }

    @Test
    void aReplicaAnsweringWithTheFlagNeverTakesThePort() throws Exception {
        onScheduler(() -> primary.monitor().noLeader(9));

        answers(primary.pg02(), "patroni-4-failsafe.json", 503);

        assertThat(primary.pg02().reportedFailsafe()).isTrue();
        assertThat(primary.router().pick()).isEmpty();
    }

    @Test
    void checksPatroniDoesNotAnswerKeepTheClaimUntilTheServerIsDown() throws Exception {
        Backend pg01 = primary.pg01();
        answers(pg01, "patroni-4-failsafe-primary.json", 200);
        onScheduler(() -> primary.monitor().noLeader(9));

        timesOut(pg01);
        timesOut(pg01);
        assertThat(pg01.health().state()).isEqualTo(ServerState.GOING_DOWN);
        assertThat(primary.router().pick()).contains(pg01);

        timesOut(pg01);
        assertThat(primary.router().pick()).as("DOWN after fall, as any server").isEmpty();
    }

    @Test
    void aSecondClaimantDoesNotMoveThePort() throws Exception {
        answers(primary.pg02(), "patroni-4-failsafe-primary.json", 200);
        onScheduler(() -> primary.monitor().noLeader(9));

        answers(primary.pg01(), "patroni-4-failsafe-primary.json", 200);

        assertThat(primary.router().current()).contains(primary.pg02());
        assertThat(primary.pg01().isRoutable()).isFalse();
    }

    @Test
    void aReloadKeepsTheFailsafePrimary() throws Exception {
        answers(primary.pg01(), "patroni-4-failsafe-primary.json", 200);
        onScheduler(() -> primary.monitor().noLeader(9));
        HealthMonitor.Knowledge known = primary.monitor().knowledge();

        Monitored reloaded = monitored("GET", "/primary");
        try {
            reloaded.monitor().start(known);
            onScheduler(() -> { });
            assertThat(reloaded.router().current()).map(b -> b.server().name()).contains("pg01");
        } finally {
            reloaded.monitor().close();
        }
    }

    @Test
    void aCheckWithoutABodyCannotSeeFailsafe() throws Exception {
        primary.monitor().close();
        primary = monitored("OPTIONS", "/primary");
        onScheduler(() -> primary.monitor().leaderIs("pg01", 7));
        answers(primary.pg01(), "patroni-4-failsafe-primary.json", 200);
        assertThat(primary.router().pick()).contains(primary.pg01());

        onScheduler(() -> primary.monitor().noLeader(9));

        assertThat(primary.router().pick()).isEmpty();
    }
}
