package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.ApiAccess;
import dev.patroxy.config.BasicAuth;
import dev.patroxy.config.Secret;
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
import dev.patroxy.proxy.routing.SwitchoverRequest;
import dev.patroxy.stats.AdminState;
import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.ServerState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How a session's sighting of PostgreSQL in recovery and the Patroni checks combine; no check is sent here. */
class HealthMonitorTest {
    private static final CheckConfig CHECK = new CheckConfig(
            "GET", "/primary", 200, Duration.ofSeconds(3), Duration.ofSeconds(1), 1, 3);
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-25T23:00:00Z"));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ServerConfig server = new ServerConfig("pg01", new HostPort("127.0.0.1", 5432),
            new HostPort("127.0.0.1", 8008), 0);
    private final ServerConfig server2 = new ServerConfig("pg02", new HostPort("127.0.0.1", 5433),
            new HostPort("127.0.0.1", 8009), 0);
    private final Backend pg01 = new Backend("primary", server, Optional.of(CHECK), clock.instant());
    private final Backend pg02 = new Backend("primary", server2, Optional.of(CHECK), clock.instant());
    private final ListenerRouter router = new ListenerRouter(new ListenerConfig("primary",
            List.of(new BindAddress("127.0.0.1", 0)), Balance.PRIMARY, Optional.of(CHECK),
            new Timeouts(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1),
                    Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofSeconds(10),
                    Duration.ofSeconds(5)),
            2, 0, true, false, 0, List.of(server, server2)), List.of(pg01, pg02));
    private final CheckRegistry checks = CheckRegistry.overHttp(clock);
    private final HealthMonitor monitor = new HealthMonitor(List.of(router), scheduler, clock, checks);

    @AfterEach
    void tearDown() throws InterruptedException {
        monitor.close();
        checks.close();
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static CheckAnswer patroni(int code, String role) {
        return patroni(code, role, 0);
    }

    private static CheckAnswer patroni(int code, String role, long timeline) {
        String status = code == 200 ? "L7OK" : "L7STS";
        return new CheckAnswer(new CheckResult(status, code, Duration.ofMillis(2), code + ", role " + role,
                Instant.EPOCH), role, timeline);
    }

    private void answer(CheckAnswer answer, Instant sentAt) throws Exception {
        answer(pg01, answer, sentAt);
    }

    private void answer(Backend backend, CheckAnswer answer, Instant sentAt) throws Exception {
        scheduler.submit(() -> monitor.apply(backend, answer, sentAt)).get(5, TimeUnit.SECONDS);
    }

    /** A session reports the sighting; it is handled on the scheduler, before what is queued after it. */
    private void seenInRecovery() throws Exception {
        pg01.seenInRecovery();
        scheduler.submit(() -> { }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aSessionFindingThePrimaryInRecoveryStopsItsRoutingBeforeItsCheckSaysSo() throws Exception {
        answer(patroni(200, "primary"), clock.instant());
        assertThat(router.current()).contains(pg01);

        clock.advance(Duration.ofMillis(500));
        seenInRecovery();

        assertThat(router.current()).isEmpty();
        assertThat(pg01.health().state()).isEqualTo(ServerState.NOLB);
        assertThat(pg01.health().lastCheck().detail()).contains("in recovery");
        assertThat(router.roleChanges().recent()).as("newest first").first()
                .satisfies(c -> assertThat(c.why()).isEqualTo("PostgreSQL: pg01 is in recovery"));
    }

    @Test
    void aPrimaryBackFromMaintenanceIsRoutedOnlyOnAPassSentSinceItWasMadeReady() throws Exception {
        answer(patroni(200, "primary"), clock.instant());
        pg01.updateAdmin(a -> a.withState(AdminState.MAINT, true, clock.instant()));
        monitor.adminChanged("pg01 set to MAINT");
        scheduler.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertThat(router.current()).isEmpty();

        Instant sentBefore = clock.instant();
        clock.advance(Duration.ofSeconds(1));
        pg01.updateAdmin(a -> a.withState(AdminState.READY, true, clock.instant()));
        monitor.adminChanged("pg01 set to READY");
        scheduler.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertThat(router.current()).as("UP, but nothing vouched for it since").isEmpty();
        answer(patroni(200, "primary"), sentBefore);
        assertThat(router.current()).as("a pass sent before it was made ready").isEmpty();

        answer(patroni(200, "primary"), clock.instant());

        assertThat(router.current()).contains(pg01);
        assertThat(pg01.admin().awaitingCheckSince()).isNull();
    }

    @Test
    void twoServersAnsweringAsPrimaryWithoutTheDcsAreDecidedByTimelineAndTheRecordSaysWhy() throws Exception {
        answer(pg01, patroni(200, "primary", 3), clock.instant());
        answer(pg02, patroni(200, "primary", 4), clock.instant());

        assertThat(router.current()).contains(pg02);
        assertThat(router.roleChanges().recent().get(0).why()).contains("check: pg02 is UP",
                "2 servers answer as primary (pg01 timeline 3, pg02 timeline 4)",
                "decided by the latest timeline, else the current primary (DCS unknown)");
    }

    @Test
    void aLeaderKeyNamingNoServerLeavesThePrimaryPortToTheChecksInsteadOfToNobody() throws Exception {
        answer(pg01, patroni(200, "primary", 3), clock.instant());
        answer(pg02, patroni(503, "replica", 3), clock.instant());

        onScheduler(() -> monitor.leaderIs("postgresql0", 7));

        assertThat(router.current()).contains(pg01);
        assertThat(router.leaderNamesNoServer()).isTrue();
        answer(pg01, patroni(503, "replica", 4), clock.instant());
        answer(pg01, patroni(503, "replica", 4), clock.instant());
        answer(pg01, patroni(503, "replica", 4), clock.instant());
        answer(pg02, patroni(200, "primary", 4), clock.instant());
        assertThat(router.current()).as("the checks follow a failover").contains(pg02);

        onScheduler(() -> monitor.unreachable("refused"));
        assertThat(router.leaderNamesNoServer()).as("the key is unknown now, not naming anyone").isFalse();
    }

    /** A monitor of an unchanged configuration, as a reload starts it, on {@code previous}; returns its router. */
    private ListenerRouter reloadedOn(HealthMonitor.Knowledge previous) throws Exception {
        return reloadedOn(previous, ApiAccess.PLAIN);
    }

    /** The same, its servers' REST APIs reached as {@code access} says. */
    private ListenerRouter reloadedOn(HealthMonitor.Knowledge previous, ApiAccess access) throws Exception {
        Backend pg01Again = new Backend("primary", server.withCheckAccess(access), Optional.of(CHECK), clock.instant());
        Backend pg02Again = new Backend("primary", server2.withCheckAccess(access), Optional.of(CHECK), clock.instant());
        ListenerRouter reloaded = new ListenerRouter(router.listener(), List.of(pg01Again, pg02Again));
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        HealthMonitor next = new HealthMonitor(List.of(reloaded), thread, clock, checks);
        try {
            next.start(previous);
            thread.submit(() -> { }).get(5, TimeUnit.SECONDS);
            return reloaded;
        } finally {
            next.close();
            thread.shutdownNow();
        }
    }

    @Test
    void aReloadRoutesAtOnceOnWhatTheReplacedConfigurationKnewIncludingAVouchedPrimary() throws Exception {
        onScheduler(() -> monitor.leaderIs("pg01", 7));
        answer(patroni(200, "primary"), clock.instant());
        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
        }
        HealthMonitor.Knowledge known = monitor.knowledge();

        ListenerRouter reloaded = reloadedOn(known);
        assertThat(reloaded.current()).map(b -> b.server().name()).contains("pg01");
        assertThat(reloaded.backends().get(0).health().state()).isEqualTo(ServerState.DOWN);

        assertThat(reloadedOn(known.forgetLeader()).current())
                .as("another DCS, or none: the key no longer vouches for it").isEmpty();
        assertThat(reloadedOn(HealthMonitor.Knowledge.NONE).current()).as("a cold start").isEmpty();
        assertThat(reloadedOn(known, new ApiAccess(Optional.empty(),
                Optional.of(new BasicAuth("patroxy", new Secret("renewed"))))).current().map(b -> b.server().name()))
                .as("a renewed password or certificate: the same node, what its checks said still holds")
                .contains("pg01");
    }

    @Test
    void aLaterTimelineReportedByAServerAlreadyUpTakesThePortWithoutTheDcs() throws Exception {
        answer(pg01, patroni(200, "primary", 3), clock.instant());
        answer(pg02, patroni(200, "primary", 3), clock.instant());
        assertThat(router.current()).contains(pg01);

        answer(pg02, patroni(200, "primary", 4), clock.instant());

        assertThat(router.current()).contains(pg02);
    }

    @Test
    void aPassSentBeforeTheSightingDoesNotBringTheServerBack() throws Exception {
        answer(patroni(200, "primary"), clock.instant());
        Instant sentBefore = clock.instant().plusMillis(100);
        clock.advance(Duration.ofMillis(200));
        seenInRecovery();

        answer(patroni(200, "primary"), sentBefore);

        assertThat(pg01.isRoutable()).isFalse();
    }

    @Test
    void itComesBackOnlyOnceACheckSentAfterTheSightingPasses() throws Exception {
        answer(patroni(200, "primary"), clock.instant());
        clock.advance(Duration.ofMillis(200));
        seenInRecovery();

        clock.advance(Duration.ofMillis(50));
        answer(patroni(503, "replica"), clock.instant());
        assertThat(pg01.isRoutable()).as("Patroni agrees: demoted").isFalse();

        clock.advance(Duration.ofSeconds(3));
        answer(patroni(200, "primary"), clock.instant());
        assertThat(pg01.isRoutable()).as("promoted again, and Patroni says so after the sighting").isTrue();
    }

    private static CheckAnswer timedOut() {
        return new CheckAnswer(new CheckResult("L4TOUT", 0, Duration.ofSeconds(1), "timed out", Instant.EPOCH),
                null, 0);
    }

    private void onScheduler(Runnable task) throws Exception {
        scheduler.submit(task).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aPrimaryWhoseRestApiStopsAnsweringKeepsThePortWhileTheLeaderKeyNamesIt() throws Exception {
        onScheduler(() -> monitor.leaderIs("pg01", 7));
        answer(patroni(200, "primary"), clock.instant());
        assertThat(router.current()).contains(pg01);

        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
        }

        assertThat(pg01.health().state()).isEqualTo(ServerState.DOWN);
        assertThat(router.current()).as("the key still names it").contains(pg01);

        answer(patroni(503, "replica"), clock.instant());
        assertThat(router.current()).as("Patroni says it is not the primary").isEmpty();
    }

    @Test
    void aConnectionItsPostgresqlDoesNotTakeEndsItUntilACheckPassesAgain() throws Exception {
        onScheduler(() -> monitor.leaderIs("pg01", 7));
        answer(patroni(200, "primary"), clock.instant());
        pg01.connectFailed();
        onScheduler(() -> { });
        assertThat(router.current()).as("its check says UP: one failed connection is the check's to judge")
                .contains(pg01);
        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
        }
        assertThat(router.current()).as("the key still names it").contains(pg01);

        pg01.connectFailed();
        onScheduler(() -> { });

        assertThat(router.current()).as("its link is cut, not just its REST API hung").isEmpty();
        assertThat(router.roleChanges().recent().get(0).why()).contains("PostgreSQL: pg01 takes no connection");
        answer(patroni(200, "primary"), clock.instant());
        assertThat(router.current()).as("back, and the key still names it").contains(pg01);
    }

    @Test
    void theLeaderKeyMovingOrTheDcsGoingSilentEndsIt() throws Exception {
        onScheduler(() -> monitor.leaderIs("pg01", 7));
        answer(patroni(200, "primary"), clock.instant());
        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
        }
        assertThat(router.current()).contains(pg01);

        onScheduler(() -> monitor.unreachable("test"));
        assertThat(router.current()).as("no key to vouch for it: the checks decide").isEmpty();

        onScheduler(() -> monitor.leaderIs("pg01", 9));
        answer(patroni(200, "primary"), clock.instant());
        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
        }
        onScheduler(() -> monitor.leaderIs("pg02", 12));
        assertThat(router.current()).isEmpty();
        assertThat(pg01.isRoutable()).isFalse();
    }

    @Test
    void aChangeTheChecksFindIsTimedFromThePrimarysFirstFailedCheckAndABlipIsForgotten() throws Exception {
        answer(patroni(200, "primary"), clock.instant());
        clock.advance(Duration.ofSeconds(3));
        answer(timedOut(), clock.instant());
        clock.advance(Duration.ofSeconds(3));
        answer(patroni(200, "primary"), clock.instant());

        clock.advance(Duration.ofSeconds(3));
        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
            clock.advance(Duration.ofSeconds(4));
        }

        assertThat(router.current()).isEmpty();
        assertThat(router.roleChanges().recent().get(0).detection()).as("from the first of the 3 failures, not the blip")
                .isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void withoutTheDcsFailedChecksTakeThePrimaryOutAsBefore() throws Exception {
        answer(patroni(200, "primary"), clock.instant());
        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
        }

        assertThat(router.current()).isEmpty();
    }

    @Test
    void aSightingOfRecoveryEndsItToo() throws Exception {
        onScheduler(() -> monitor.leaderIs("pg01", 7));
        answer(patroni(200, "primary"), clock.instant());
        for (int i = 0; i < CHECK.fall(); i++) {
            answer(timedOut(), clock.instant());
        }

        seenInRecovery();

        assertThat(router.current()).isEmpty();
    }

    @Test
    void aPrimaryUpBeforeTheKeyFirstNamesItIsVouchedForAtOnce() throws Exception {
        CheckConfig fallOne = new CheckConfig("GET", "/primary", 200, Duration.ofSeconds(3), Duration.ofSeconds(1), 1, 1);
        Backend only = new Backend("primary", server, Optional.of(fallOne), clock.instant());
        ListenerRouter single = new ListenerRouter(new ListenerConfig("primary",
                List.of(new BindAddress("127.0.0.1", 0)), Balance.PRIMARY, Optional.of(fallOne),
                router.listener().timeouts(), 2, 0, true, false, 0, List.of(server)), List.of(only));
        HealthMonitor fallsAtOnce = new HealthMonitor(List.of(single), scheduler, clock, checks);
        try {
            onScheduler(() -> fallsAtOnce.apply(only, patroni(200, "primary"), clock.instant()));
            onScheduler(() -> fallsAtOnce.leaderIs("pg01", 7));

            onScheduler(() -> fallsAtOnce.apply(only, timedOut(), clock.instant()));

            assertThat(only.health().state()).isEqualTo(ServerState.DOWN);
            assertThat(single.current()).as("the key names it, and it was UP when it did").contains(only);
        } finally {
            fallsAtOnce.close();
        }
    }

    private static final SwitchoverRequest PG01_TO_PG02 = SwitchoverRequest.of("{\"leader\":\"pg01\",\"member\":\"pg02\"}");

    /** A monitor of a router of its own that holds sessions for a switchover for at most 30 s. */
    private record Pausing(HealthMonitor monitor, ListenerRouter router, Backend pg01, Backend pg02) {
    }

    private Pausing pausing() {
        return pausing(router.listener());
    }

    private Pausing pausing(ListenerConfig listener) {
        Backend first = new Backend("primary", server, Optional.of(CHECK), clock.instant());
        Backend second = new Backend("primary", server2, Optional.of(CHECK), clock.instant());
        ListenerRouter own = new ListenerRouter(listener, List.of(first, second));
        return new Pausing(new HealthMonitor(List.of(own), scheduler, clock, checks, Duration.ofSeconds(30)), own,
                first, second);
    }

    @Test
    void aSwitchoverRequestHoldsNewSessionsUntilTheLeaderKeyNamesTheCandidate() throws Exception {
        Pausing p = pausing();
        try {
            onScheduler(() -> p.monitor().leaderIs("pg01", 7));
            onScheduler(() -> p.monitor().apply(p.pg01(), patroni(200, "primary"), clock.instant()));
            assertThat(p.router().pick()).contains(p.pg01());

            onScheduler(() -> p.monitor().switchoverIs(PG01_TO_PG02, clock.instant()));
            assertThat(p.router().paused()).isTrue();
            assertThat(p.router().pick()).as("held, not sent to a primary about to shut down").isEmpty();
            assertThat(p.router().current()).as("its sessions stay until Patroni ends them").contains(p.pg01());

            onScheduler(() -> p.monitor().noLeader(8));
            onScheduler(() -> p.monitor().apply(p.pg02(), patroni(200, "primary"), clock.instant()));
            onScheduler(() -> p.monitor().leaderIs("pg02", 9));
            assertThat(p.router().paused()).isFalse();
            assertThat(p.router().pick()).contains(p.pg02());
            assertThat(p.router().pauses()).isEqualTo(1);
        } finally {
            p.monitor().close();
        }
    }

    @Test
    void aSwitchoverPatroniNeverCarriesOutHoldsForTheLimitOnlyAndOneItGivesUpEndsAtOnce() throws Exception {
        Pausing p = pausing();
        try {
            onScheduler(() -> p.monitor().leaderIs("pg01", 7));
            onScheduler(() -> p.monitor().apply(p.pg01(), patroni(200, "primary"), clock.instant()));
            SwitchoverRequest request = PG01_TO_PG02;
            onScheduler(() -> p.monitor().switchoverIs(request, clock.instant()));
            assertThat(p.router().paused()).isTrue();
            onScheduler(() -> p.monitor().switchoverIs(SwitchoverRequest.NONE, clock.instant()));
            assertThat(p.router().pick()).as("Patroni gave up (no healthy candidate)").contains(p.pg01());

            onScheduler(() -> p.monitor().switchoverIs(request, clock.instant()));
            assertThat(p.router().paused()).isTrue();
            clock.advance(Duration.ofSeconds(30));
            // The monitor's own timer runs on real time; the same leader heard again re-decides on the clock.
            onScheduler(() -> p.monitor().leaderIs("pg01", 10));
            assertThat(p.router().paused()).as("the limit ran out: the leader takes sessions again").isFalse();
            assertThat(p.router().pick()).contains(p.pg01());
        } finally {
            p.monitor().close();
        }
    }

    @Test
    void aMonitorWithoutASwitchoverPauseNeverHolds() throws Exception {
        onScheduler(() -> monitor.leaderIs("pg01", 7));
        answer(patroni(200, "primary"), clock.instant());
        onScheduler(() -> monitor.switchoverIs(SwitchoverRequest.of("{\"leader\":\"pg01\"}"), clock.instant()));

        assertThat(router.paused()).isFalse();
        assertThat(router.pick()).contains(pg01);
    }

    @Test
    void aListenerThatTurnsClientsAwayAtOnceIsNeverPausedNorForACandidateItDoesNotHave() throws Exception {
        ListenerConfig l = router.listener();
        Timeouts t = l.timeouts();
        ListenerConfig noHold = new ListenerConfig(l.name(), l.binds(), l.balance(), l.check(),
                new Timeouts(t.connect(), t.client(), t.server(), t.queue(), t.clientFin(), t.serverFin(),
                        Duration.ZERO, t.clientStartup(), t.clientHello()),
                l.retries(), l.maxconn(), l.shutdownSessionsOnDown(), l.tcplog(), l.releaseRate(), l.servers());
        Pausing p = pausing(noHold);
        Pausing q = pausing();
        try {
            for (Pausing each : List.of(p, q)) {
                onScheduler(() -> each.monitor().leaderIs("pg01", 7));
                onScheduler(() -> each.monitor().apply(each.pg01(), patroni(200, "primary"), clock.instant()));
            }
            onScheduler(() -> p.monitor().switchoverIs(PG01_TO_PG02, clock.instant()));
            onScheduler(() -> q.monitor().switchoverIs(SwitchoverRequest.of("{\"leader\":\"pg01\",\"member\":\"pg09\"}"),
                    clock.instant()));

            assertThat(p.router().paused()).as("timeout hold none: a pause would refuse every client").isFalse();
            assertThat(q.router().paused()).as("Patroni drops a request for a member it does not have").isFalse();
        } finally {
            p.monitor().close();
            q.monitor().close();
        }
    }

    @Test
    void checksAnsweringDuringAPauseLetNoHeldClientGo() throws Exception {
        Pausing p = pausing();
        try {
            onScheduler(() -> p.monitor().leaderIs("pg01", 7));
            onScheduler(() -> p.monitor().apply(p.pg01(), patroni(200, "primary"), clock.instant()));
            onScheduler(() -> p.monitor().switchoverIs(PG01_TO_PG02, clock.instant()));
            List<Long> released = new java.util.concurrent.CopyOnWriteArrayList<>();
            p.router().held().hold(released::add);

            onScheduler(() -> p.monitor().apply(p.pg01(), patroni(200, "primary"), clock.instant()));

            assertThat(released).isEmpty();
            assertThat(p.router().held().released()).isZero();
        } finally {
            p.monitor().close();
        }
    }
}
