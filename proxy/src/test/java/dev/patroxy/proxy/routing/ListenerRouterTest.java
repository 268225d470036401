package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.config.BindAddress;
import dev.patroxy.config.CheckConfig;
import dev.patroxy.config.HostPort;
import dev.patroxy.config.ListenerConfig;
import dev.patroxy.config.ServerConfig;
import dev.patroxy.config.Timeouts;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ListenerRouterTest {
    static final CheckConfig CHECK = new CheckConfig(
            "OPTIONS", "/primary", 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 2);
    private final Set<Backend> up = new HashSet<>();

    static ListenerRouter router(Balance balance, String... names) {
        return router(balance, java.util.Arrays.stream(names)
                .map(n -> new ServerConfig(n, new HostPort("127.0.0.1", 5432), new HostPort("127.0.0.1", 8008), 0))
                .toList());
    }

    /** A router whose servers {@code pg01}, {@code pg02}... are the Patroni members {@code members}. */
    static ListenerRouter routerOfMembers(String... members) {
        return router(Balance.PRIMARY, IntStream.range(0, members.length)
                .mapToObj(i -> new ServerConfig("pg0" + (i + 1), new HostPort("127.0.0.1", 5432),
                        new HostPort("127.0.0.1", 8008), 0, members[i]))
                .toList());
    }

    private static ListenerRouter router(Balance balance, List<ServerConfig> servers) {
        return router(balance, servers, CHECK);
    }

    private static ListenerRouter router(Balance balance, List<ServerConfig> servers, CheckConfig check) {
        ListenerConfig listener = new ListenerConfig("l", List.of(new BindAddress("127.0.0.1", 5000)), balance, Optional.of(check),
                new Timeouts(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1),
                        Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ZERO, Duration.ofSeconds(10),
                        Duration.ofSeconds(5)),
                2, 0, true, false, 0, servers);
        List<Backend> backends = servers.stream().map(s -> new Backend("l", s, Optional.of(check), Instant.EPOCH)).toList();
        return new ListenerRouter(listener, backends);
    }

    @Test
    void aServerAnOperatorDrainsOrPutsInMaintenanceTakesNoNewSessionsWhateverItsHealth() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02");
        Backend pg01 = named(router, "pg01");
        up.add(pg01);
        refresh(router);
        pg01.updateAdmin(a -> a.withState(dev.patroxy.stats.AdminState.DRAIN, true, Instant.EPOCH));

        ListenerRouter.RoutingChange change = refresh(router);

        assertThat(change.dropped()).containsExactly(pg01);
        assertThat(router.pick()).as("the only primary drained: clients are held").isEmpty();
        pg01.updateAdmin(a -> a.withState(dev.patroxy.stats.AdminState.READY, true, Instant.EPOCH));
        refresh(router);
        assertThat(router.pick()).contains(pg01);
    }

    @Test
    void aDisabledListenerHoldsNewClientsAndEnablingLetsThemGo() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01");
        up.add(named(router, "pg01"));
        refresh(router);
        java.util.concurrent.atomic.AtomicInteger released = new java.util.concurrent.atomic.AtomicInteger();

        assertThat(router.disable(true)).isTrue();
        assertThat(router.pick()).isEmpty();
        router.held().hold(delay -> released.incrementAndGet());
        refresh(router);
        assertThat(released).as("a refresh does not release a disabled listener's clients").hasValue(0);

        assertThat(router.disable(false)).isTrue();
        assertThat(released).hasValue(1);
        assertThat(router.pick()).isPresent();
        assertThat(router.disable(false)).isFalse();
    }

    private static Backend named(ListenerRouter router, String name) {
        return router.backends().stream().filter(b -> b.server().name().equals(name)).findFirst().orElseThrow();
    }

    /** A primary router of pg01 and pg02 whose port pg01 has: UP, and the leader key names it. */
    private ListenerRouter pg01RoutedByTheKey() {
        ListenerRouter router = routerOfMembers("pg01", "pg02");
        up.add(named(router, "pg01"));
        router.refresh(up::contains, DcsLeader.of("pg01"));
        return router;
    }

    private ListenerRouter.RoutingChange refresh(ListenerRouter router) {
        return router.refresh(up::contains);
    }

    private static void timeline(Backend backend, long timeline) {
        backend.publishHealth(backend.health(), null, timeline);
    }

    @Test
    void withoutTheDcsASecondPrimaryOnALaterTimelineTakesThePortFromTheStaleOne() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02", "pg03");
        Backend pg01 = named(router, "pg01");
        Backend pg02 = named(router, "pg02");
        timeline(pg01, 3);
        up.add(pg01);
        refresh(router);
        assertThat(router.current()).contains(pg01);

        timeline(pg02, 3);
        up.add(pg02);
        refresh(router);
        assertThat(router.current()).as("same timeline: the current primary stays").contains(pg01);

        timeline(pg02, 4);
        ListenerRouter.RoutingChange change = refresh(router);

        assertThat(router.current()).as("promoted after pg01").contains(pg02);
        assertThat(change.dropped()).containsExactly(pg01);
    }

    @Test
    void withoutTheDcsAndWithNoTimelinesTheCurrentPrimaryStays() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02");
        up.add(named(router, "pg02"));
        refresh(router);
        up.add(named(router, "pg01"));
        refresh(router);

        assertThat(router.current()).contains(named(router, "pg02"));
    }

    @Test
    void withTheDcsKnownOnlyTheNamedServerTakesThePrimaryPortOnceItIsUp() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02", "pg03");
        Backend pg01 = named(router, "pg01");
        Backend pg02 = named(router, "pg02");
        up.add(pg01);
        up.add(pg02);
        router.refresh(up::contains, DcsLeader.of("pg02"));
        assertThat(router.current()).as("both answer 200; the key decides").contains(pg02);

        ListenerRouter.RoutingChange change = router.refresh(up::contains, DcsLeader.of("pg03"));
        assertThat(change.dropped()).as("no longer named: out at once, before its own check says so")
                .containsExactly(pg02);
        assertThat(router.pick()).as("pg03 is named but not UP yet: nobody").isEmpty();

        up.add(named(router, "pg03"));
        router.refresh(up::contains, DcsLeader.of("pg03"));
        assertThat(router.current().map(b -> b.server().name())).contains("pg03");
    }

    @Test
    void withNoLeaderInTheDcsNobodyTakesThePrimaryPortAndUnknownFallsBackToTheChecks() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02");
        up.add(named(router, "pg01"));
        router.refresh(up::contains, DcsLeader.NONE);
        assertThat(router.pick()).isEmpty();

        router.refresh(up::contains, DcsLeader.UNKNOWN);
        assertThat(router.current().map(b -> b.server().name())).contains("pg01");
    }

    @Test
    void withTheKeyAbsentAServerPatronisFailsafeModeKeepsPrimaryKeepsThePortAndOneThatStopsSayingSoLosesIt() {
        ListenerRouter router = pg01RoutedByTheKey();
        Backend pg01 = named(router, "pg01");
        pg01.publishFailsafe(true);

        ListenerRouter.RoutingChange change = router.refresh(up::contains, DcsLeader.NONE);
        assertThat(change.dropped()).as("its sessions are not cut").isEmpty();
        assertThat(router.pick()).contains(pg01);

        pg01.publishFailsafe(false);
        assertThat(router.refresh(up::contains, DcsLeader.NONE).dropped()).containsExactly(pg01);
        assertThat(router.pick()).isEmpty();
    }

    @Test
    void withTheKeyAbsentAFailsafeClaimCountsOnlyFromAServerThatIsUp() {
        ListenerRouter router = routerOfMembers("pg01", "pg02");
        named(router, "pg01").publishFailsafe(true);

        router.refresh(up::contains, DcsLeader.NONE);

        assertThat(router.pick()).isEmpty();
    }

    @Test
    void withTheKeyAbsentAndTwoServersClaimingFailsafeTheCurrentPrimaryKeepsThePortAndWithoutOneNobodyTakesIt() {
        ListenerRouter router = routerOfMembers("pg01", "pg02");
        Backend pg01 = named(router, "pg01");
        Backend pg02 = named(router, "pg02");
        up.add(pg02);
        pg02.publishFailsafe(true);
        router.refresh(up::contains, DcsLeader.NONE);
        assertThat(router.current()).as("the only claimant takes it").contains(pg02);

        up.add(pg01);
        pg01.publishFailsafe(true);
        router.refresh(up::contains, DcsLeader.NONE);
        assertThat(router.current()).as("the current one stays, first in order or not").contains(pg02);

        up.remove(pg02);
        router.refresh(up::contains, DcsLeader.NONE);
        assertThat(router.current()).as("pg01 is the only claimant left").contains(pg01);

        ListenerRouter fresh = routerOfMembers("pg01", "pg02");
        for (Backend b : fresh.backends()) {
            up.add(b);
            b.publishFailsafe(true);
        }
        fresh.refresh(up::contains, DcsLeader.NONE);
        assertThat(fresh.pick()).as("two claimants and no current primary: no telling which is stale").isEmpty();
    }

    @Test
    void aFailsafeFlagCountsOnlyWithTheKeyAbsent() {
        ListenerRouter router = routerOfMembers("pg01", "pg02");
        Backend pg01 = named(router, "pg01");
        up.add(pg01);
        pg01.publishFailsafe(true);

        router.refresh(up::contains, DcsLeader.of("pg02"));

        assertThat(router.pick()).as("a key naming another server decides").isEmpty();
    }

    /** A router of pg01 whose listener checks {@code GET path}. */
    private static ListenerRouter checking(Balance balance, String path) {
        return router(balance, List.of(new ServerConfig("pg01", new HostPort("127.0.0.1", 5432),
                new HostPort("127.0.0.1", 8008), 0)), new CheckConfig("GET", path, 200, Duration.ofSeconds(1),
                Duration.ofSeconds(1), 1, 2));
    }

    @Test
    void sessionsMustFindPostgresqlOutOfRecoveryOnAPrimaryListenerButNotOnAStandbyLeaderOne() {
        ListenerRouter primary = checking(Balance.PRIMARY, "/primary");
        assertThat(primary.wantsWritable(named(primary, "pg01"))).isTrue();
        for (String standby : List.of("/standby-leader", "/standby_leader")) {
            ListenerRouter router = checking(Balance.PRIMARY, standby);
            assertThat(router.wantsWritable(named(router, "pg01"))).as(standby).isFalse();
        }
        ListenerRouter replicas = checking(Balance.ROUNDROBIN, "/replica");
        assertThat(replicas.wantsWritable(named(replicas, "pg01"))).isFalse();

        ListenerRouter leader = checking(Balance.PRIMARY, "/leader?x=1");
        Backend pg01 = named(leader, "pg01");
        pg01.publishHealth(pg01.health(), "primary", 0);
        assertThat(leader.wantsWritable(pg01)).as("the leader of a cluster that takes writes").isTrue();
        pg01.publishHealth(pg01.health(), "standby_leader", 0);
        assertThat(leader.wantsWritable(pg01)).as("Patroni says it leads a standby cluster").isFalse();
    }

    @Test
    void aStandbyClustersLeaderKeyPicksItsStandbyLeaderOnAStandbyLeaderListener() {
        ListenerRouter router = router(Balance.PRIMARY, List.of(
                new ServerConfig("pg01", new HostPort("127.0.0.1", 5432), new HostPort("127.0.0.1", 8008), 0),
                new ServerConfig("pg02", new HostPort("127.0.0.1", 5433), new HostPort("127.0.0.1", 8009), 0)),
                new CheckConfig("GET", "/standby-leader", 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 2));
        up.add(named(router, "pg01"));
        up.add(named(router, "pg02"));

        assertThat(router.leaderDecides(DcsLeader.of("pg02"))).isTrue();
        router.refresh(up::contains, DcsLeader.of("pg02"));

        assertThat(router.current()).contains(named(router, "pg02"));
    }

    @Test
    void anotherClustersKeyGoingAbsentLeavesAStandbyLeaderListenerToItsChecks() {
        ListenerRouter standby = standbyLeaderRouter();
        Backend standby01 = named(standby, "standby01");
        up.add(standby01);
        standby.refresh(up::contains, DcsLeader.of("pg01"));
        assertThat(standby.current()).contains(standby01);
        assertThat(standby.leaderNamesNoServer()).as("expected of a standby cluster's listener: no warning").isFalse();

        // The cluster the dcs section names fails over: its key is gone for a while.
        assertThat(standby.leaderDecides(DcsLeader.NONE)).isFalse();
        assertThat(standby.refresh(up::contains, DcsLeader.NONE).dropped()).isEmpty();
        assertThat(standby.current()).contains(standby01);
        ListenerRouter reloaded = standbyLeaderRouter();
        up.add(named(reloaded, "standby01"));
        assertThat(reloaded.refresh(up::contains, DcsLeader.NONE).added()).as("a new configuration, the key still absent")
                .containsExactly(named(reloaded, "standby01"));

        ListenerRouter primary = router(Balance.PRIMARY, "pg01", "pg02");
        up.add(named(primary, "pg01"));
        primary.refresh(up::contains, DcsLeader.of("pg01"));
        assertThat(primary.refresh(up::contains, DcsLeader.NONE).dropped()).as("its own cluster's key gone: nobody")
                .containsExactly(named(primary, "pg01"));
        primary.refresh(up::contains, DcsLeader.of("node9"));
        assertThat(primary.refresh(up::contains, DcsLeader.NONE).dropped())
                .as("after a key naming no server of it, still nobody").containsExactly(named(primary, "pg01"));
    }

    private static ListenerRouter standbyLeaderRouter() {
        return router(Balance.PRIMARY, List.of(
                new ServerConfig("standby01", new HostPort("127.0.0.1", 5432), new HostPort("127.0.0.1", 8008), 0)),
                new CheckConfig("GET", "/standby-leader", 200, Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 2));
    }

    @Test
    void theKeyNamesAServerByItsPatroniMemberName() {
        ListenerRouter router = routerOfMembers("node1", "node2");
        up.add(named(router, "pg01"));
        up.add(named(router, "pg02"));

        router.refresh(up::contains, DcsLeader.of("node2"));

        assertThat(router.current()).contains(named(router, "pg02"));
        assertThat(router.leaderNamesNoServer()).isFalse();
    }

    @Test
    void aKeyNamingNoServerOfTheListenerLeavesTheChecksToDecideAndSaysSo() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02");
        up.add(named(router, "pg02"));

        router.refresh(up::contains, DcsLeader.of("postgresql0"));

        assertThat(router.current()).as("not a total outage").contains(named(router, "pg02"));
        assertThat(router.leaderNamesNoServer()).isTrue();

        router.refresh(up::contains, DcsLeader.of("pg01"));
        assertThat(router.pick()).as("a key naming a server decides again").isEmpty();
        assertThat(router.leaderNamesNoServer()).isFalse();
    }

    @Test
    void theDcsDoesNotNarrowRoundRobin() {
        ListenerRouter router = router(Balance.ROUNDROBIN, "pg01", "pg02");
        up.add(named(router, "pg01"));
        up.add(named(router, "pg02"));
        router.refresh(up::contains, DcsLeader.of("pg03"));
        assertThat(IntStream.range(0, 4).mapToObj(i -> router.pick().orElseThrow().server().name()))
                .containsOnly("pg01", "pg02");
    }

    @Test
    void nothingIsRoutableUntilAServerIsUp() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02");
        refresh(router);
        assertThat(router.pick()).isEmpty();
    }

    @Test
    void primarySendsEverySessionToOneServerEvenWhenTwoAreUp() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02", "pg03");
        up.add(named(router, "pg03"));
        refresh(router);
        up.add(named(router, "pg01"));
        ListenerRouter.RoutingChange change = refresh(router);

        assertThat(change.added()).isEmpty();
        assertThat(IntStream.range(0, 10).mapToObj(i -> router.pick().orElseThrow().server().name()))
                .as("the server that was primary first keeps the role until it goes DOWN")
                .containsOnly("pg03");
        assertThat(named(router, "pg01").isRoutable()).isFalse();
    }

    @Test
    void primaryMovesToTheNextUpServerWhenTheCurrentOneGoesDown() {
        ListenerRouter router = router(Balance.PRIMARY, "pg01", "pg02", "pg03");
        Backend pg01 = named(router, "pg01");
        Backend pg03 = named(router, "pg03");
        up.add(pg01);
        refresh(router);
        up.add(pg03);
        refresh(router);
        up.remove(pg01);
        ListenerRouter.RoutingChange change = refresh(router);

        assertThat(change.dropped()).containsExactly(pg01);
        assertThat(change.added()).containsExactly(pg03);
        assertThat(router.pick()).contains(pg03);
        assertThat(pg01.isRoutable()).isFalse();
        assertThat(pg03.isRoutable()).isTrue();
    }

    @Test
    void roundRobinSpreadsOverEveryUpServerInTurn() {
        ListenerRouter router = router(Balance.ROUNDROBIN, "pg01", "pg02", "pg03");
        up.add(named(router, "pg02"));
        up.add(named(router, "pg03"));
        refresh(router);

        List<String> picks = IntStream.range(0, 6).mapToObj(i -> router.pick().orElseThrow().server().name()).toList();
        assertThat(picks).containsExactly("pg02", "pg03", "pg02", "pg03", "pg02", "pg03");
    }

    @Test
    void roundRobinDropsADownServer() {
        ListenerRouter router = router(Balance.ROUNDROBIN, "pg01", "pg02");
        Backend pg01 = named(router, "pg01");
        up.add(pg01);
        up.add(named(router, "pg02"));
        refresh(router);
        up.remove(pg01);

        assertThat(refresh(router).dropped()).containsExactly(pg01);
        assertThat(IntStream.range(0, 4).mapToObj(i -> router.pick().orElseThrow().server().name()))
                .containsOnly("pg02");
    }

    @Test
    void aPauseHoldsNewSessionsWithoutTakingTheCurrentPrimaryOutAndItsEndLetsTheHeldGo() {
        ListenerRouter router = pg01RoutedByTheKey();
        Backend pg01 = named(router, "pg01");
        List<Long> released = new java.util.ArrayList<>();

        assertThat(router.pause(true)).isTrue();
        assertThat(router.pause(true)).as("already paused").isFalse();
        assertThat(router.pick()).isEmpty();
        assertThat(router.current()).as("still the primary, sessions and all").contains(pg01);
        assertThat(pg01.isRoutable()).as("a session picked just before registers").isTrue();
        router.held().hold(released::add);
        ListenerRouter.RoutingChange change = router.refresh(up::contains, DcsLeader.of("pg01"));
        assertThat(change.dropped()).isEmpty();
        assertThat(released).as("a refresh during the pause lets nobody go").isEmpty();

        assertThat(router.pause(false)).isTrue();
        assertThat(router.pick()).contains(pg01);
        assertThat(released).hasSize(1);
        assertThat(router.pauses()).isEqualTo(1);
    }

    @Test
    void aPauseEndingWithNoServerRoutableLetsNobodyGo() {
        ListenerRouter router = routerOfMembers("pg01", "pg02");
        List<Long> released = new java.util.ArrayList<>();
        router.pause(true);
        router.held().hold(released::add);
        router.refresh(up::contains, DcsLeader.NONE);

        router.pause(false);

        assertThat(released).as("they wait for a primary as without a pause").isEmpty();
        assertThat(router.held().size()).isEqualTo(1);
    }
}
