package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.proxy.ManualClock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Listeners in front of a Patroni standby cluster: a {@code balance: primary} listener checking {@code
 * /standby-leader} routes to the standby leader, which the standby cluster's own leader key names, and a replica
 * listener to its other members. Fed Patroni's recorded answers; no check is sent.
 */
class StandbyClusterTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final CheckRegistry checks = CheckRegistry.overHttp(clock);
    private final MonitoredListener standby =
            new MonitoredListener(Balance.PRIMARY, "GET", "/standby-leader", clock, scheduler, checks);

    @AfterEach
    void tearDown() throws InterruptedException {
        standby.close();
        checks.close();
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void theStandbyLeaderTheKeyNamesTakesTheListenerAndSessionsMayFindItInRecovery() throws Exception {
        standby.leaderIs("pg01");
        standby.answers(standby.pg01, "patroni-3-standby-leader.json", 200);
        standby.answers(standby.pg02, "patroni-3-standby-replica.json", 503);

        assertThat(standby.router.pick()).contains(standby.pg01);
        assertThat(standby.pg01.reportedRole()).isEqualTo("standby_leader");
        assertThat(standby.router.wantsWritable(standby.pg01)).as("no in_hot_standby watch").isFalse();
    }

    @Test
    void theKeyMovingToAnotherStandbyLeaderMovesTheListener() throws Exception {
        standby.leaderIs("pg01");
        standby.answers(standby.pg01, "patroni-3-standby-leader.json", 200);
        standby.answers(standby.pg02, "patroni-3-standby-replica.json", 503);

        standby.leaderIs("pg02");
        assertThat(standby.router.pick()).as("pg01 out at once, pg02 not UP yet").isEmpty();
        standby.answers(standby.pg02, "patroni-standby-leader.json", 200);

        assertThat(standby.router.pick()).contains(standby.pg02);
    }

    @Test
    void withoutTheDcsTheStandbyLeadersOwnAnswerDecides() throws Exception {
        standby.answers(standby.pg02, "patroni-4-standby-replica.json", 503);
        standby.answers(standby.pg01, "patroni-3-standby-leader.json", 200);

        assertThat(standby.router.pick()).contains(standby.pg01);
    }

    @Test
    void aReplicaListenerOfTheStandbyClusterLeavesItsLeaderOut() throws Exception {
        try (MonitoredListener replicas =
                new MonitoredListener(Balance.ROUNDROBIN, "OPTIONS", "/replica", clock, scheduler, checks)) {
            replicas.leaderIs("pg01");
            // Patroni 3.0.2 answers 503 on /replica for the standby leader (api.py: is_leader() in a standby cluster).
            replicas.answers(replicas.pg01, "patroni-3-standby-leader.json", 503);
            replicas.answers(replicas.pg02, "patroni-3-standby-replica.json", 200);

            assertThat(IntStream.range(0, 4).mapToObj(i -> replicas.router.pick().orElseThrow()))
                    .containsOnly(replicas.pg02);
        }
    }
}
