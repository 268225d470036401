package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.proxy.ManualClock;
import dev.patroxy.proxy.routing.Backend;
import dev.patroxy.proxy.routing.ProxiedSession;
import dev.patroxy.stats.ServerState;
import java.time.Instant;
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
    private MonitoredListener primary = checkedBy("GET", "/primary");

    private MonitoredListener checkedBy(String method, String path) {
        return new MonitoredListener(Balance.PRIMARY, method, path, clock, scheduler, checks);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        primary.close();
        checks.close();
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
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
            patroni-4-failsafe-primary.json, patroni-4-primary.json, patroni-4-failsafe.json,         /primary
            patroni-3-failsafe-master.json,  patroni-3-master.json,  patroni-3-failsafe-replica.json, /master
            """)
    void aPrimaryPatronisFailsafeModeKeepsHoldsThePortAndItsSessionsWhenTheLeaderKeyVanishes(String failsafePrimary,
            String plainPrimary, String failsafeReplica, String path) throws Exception {
        primary.close();
        primary = checkedBy("GET", path);
        Backend pg01 = primary.pg01;
        primary.leaderIs("pg01");
        primary.answers(pg01, plainPrimary, 200);
        primary.answers(primary.pg02, failsafeReplica, 503);
        AtomicInteger kills = session(pg01);
        primary.answers(pg01, failsafePrimary, 200);
        int changes = primary.router.roleChanges().recent().size();

        primary.noLeader();

        assertThat(primary.router.pick()).contains(pg01);
        assertThat(kills).as("its sessions stay").hasValue(0);
        assertThat(primary.router.roleChanges().recent()).as("no change of primary").hasSize(changes);

        primary.answers(pg01, plainPrimary, 200);
        assertThat(primary.router.pick()).as("only the latest answer counts: no flag, no primary").isEmpty();
        assertThat(kills).hasValue(1);
    }

    @Test
    void withoutTheFlagAVanishedKeyStillMeansNoPrimary() throws Exception {
        Backend pg01 = primary.pg01;
        primary.leaderIs("pg01");
        primary.answers(pg01, "patroni-3-unlocked-master.json", 200);
        AtomicInteger kills = session(pg01);

        primary.noLeader();

        assertThat(primary.router.pick()).isEmpty();
        assertThat(kills).hasValue(1);
    }

    @Test
    void theFlagArrivingAfterTheKeyVanishedGivesThePortBack() throws Exception {
        Backend pg01 = primary.pg01;
        primary.noLeader();
        primary.answers(pg01, "patroni-4-primary.json", 200);
        assertThat(primary.router.pick()).isEmpty();

        primary.answers(pg01, "patroni-4-failsafe-primary.json", 200);

        assertThat(pg01.health().state()).as("no change of health").isEqualTo(ServerState.UP);
        assertThat(primary.router.pick()).contains(pg01);
    }

    @Test
    void aReplicaAnsweringWithTheFlagNeverTakesThePort() throws Exception {
        primary.noLeader();

        primary.answers(primary.pg02, "patroni-4-failsafe.json", 503);

        assertThat(primary.pg02.reportedFailsafe()).isTrue();
        assertThat(primary.router.pick()).isEmpty();
    }

    @Test
    void checksPatroniDoesNotAnswerKeepTheClaimUntilTheServerIsDown() throws Exception {
        Backend pg01 = primary.pg01;
        primary.answers(pg01, "patroni-4-failsafe-primary.json", 200);
        primary.noLeader();

        primary.timesOut(pg01);
        primary.timesOut(pg01);
        assertThat(pg01.health().state()).isEqualTo(ServerState.GOING_DOWN);
        assertThat(primary.router.pick()).contains(pg01);

        primary.timesOut(pg01);
        assertThat(primary.router.pick()).as("DOWN after fall, as any server").isEmpty();
    }

    @Test
    void aSecondClaimantDoesNotMoveThePort() throws Exception {
        primary.answers(primary.pg02, "patroni-4-failsafe-primary.json", 200);
        primary.noLeader();

        primary.answers(primary.pg01, "patroni-4-failsafe-primary.json", 200);

        assertThat(primary.router.current()).contains(primary.pg02);
        assertThat(primary.pg01.isRoutable()).isFalse();
    }

    @Test
    void aReloadKeepsTheFailsafePrimary() throws Exception {
        primary.answers(primary.pg01, "patroni-4-failsafe-primary.json", 200);
        primary.noLeader();
        HealthMonitor.Knowledge known = primary.monitor.knowledge();

        try (MonitoredListener reloaded = checkedBy("GET", "/primary")) {
            reloaded.monitor.start(known);
            reloaded.onScheduler(() -> { });
            assertThat(reloaded.router.current()).map(b -> b.server().name()).contains("pg01");
        }
    }

    @Test
    void aCheckWithoutABodyCannotSeeFailsafe() throws Exception {
        primary.close();
        primary = checkedBy("OPTIONS", "/primary");
        primary.leaderIs("pg01");
        primary.answers(primary.pg01, "patroni-4-failsafe-primary.json", 200);
        assertThat(primary.router.pick()).contains(primary.pg01);

        primary.noLeader();

        assertThat(primary.router.pick()).isEmpty();
    }
}
