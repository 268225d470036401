package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.config.Balance;
import dev.patroxy.proxy.ManualClock;
import dev.patroxy.stats.ServerState;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Members with Patroni's {@code noloadbalance} and {@code nofailover} tags. Patroni applies them itself:
 * {@code noloadbalance} makes every replica endpoint answer 503, {@code nofailover} keeps a member out of the leader
 * race and changes no answer. patroxy follows the answers and the leader key, never the tags. Fed Patroni's
 * recorded answers; no check is sent.
 */
class PatroniTagsTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-04T10:00:00Z"));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final CheckRegistry checks = CheckRegistry.overHttp(clock);

    @AfterEach
    void tearDown() throws InterruptedException {
        checks.close();
        scheduler.shutdownNow();
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
    }

    private MonitoredListener listener(Balance balance, String method, String path) {
        return new MonitoredListener(balance, method, path, clock, scheduler, checks);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(textBlock = """
            OPTIONS, /replica,          patroni-3-noloadbalance-replica.json, patroni-3-replica.json
            GET,     /replica,          patroni-3-noloadbalance-replica.json, patroni-3-replica.json
            GET,     /replica?lag=16MB, patroni-4-noloadbalance-replica.json, patroni-4-replica.json
            """)
    void theReplicaListenerSkipsANoloadbalanceMember(String method, String path, String noloadbalance,
            String plain) throws Exception {
        try (MonitoredListener replicas = listener(Balance.ROUNDROBIN, method, path)) {
            replicas.answers(replicas.pg01, noloadbalance, 503);
            replicas.answers(replicas.pg02, plain, 200);

            assertThat(replicas.pg01.health().state()).as("healthy, not in the role").isEqualTo(ServerState.NOLB);
            assertThat(IntStream.range(0, 4).mapToObj(i -> replicas.router.pick().orElseThrow()))
                    .containsOnly(replicas.pg02);
        }
    }

    @Test
    void aNofailoverReplicaNeverTakesThePrimaryPortWithOrWithoutTheDcs() throws Exception {
        try (MonitoredListener primary = listener(Balance.PRIMARY, "GET", "/primary")) {
            primary.answers(primary.pg02, "patroni-3-nofailover-replica.json", 503);
            primary.answers(primary.pg01, "patroni-4-primary.json", 200);
            assertThat(primary.router.pick()).contains(primary.pg01);

            for (int i = 0; i < 3; i++) {
                primary.timesOut(primary.pg01);
            }
            assertThat(primary.router.pick()).as("DCS unknown, the primary DOWN: nobody").isEmpty();

            primary.leaderIs("pg01");
            primary.noLeader();
            primary.answers(primary.pg02, "patroni-3-nofailover-replica.json", 503);
            assertThat(primary.router.pick()).as("no leader key: still nobody").isEmpty();
            assertThat(primary.pg02.isRoutable()).isFalse();
        }
    }

    @Test
    void aNofailoverMemberPatroniKeepsAsLeaderHasThePrimaryPort() throws Exception {
        // A leader tagged nofailover after it took the lock stays leader: Patroni runs no race it would lose.
        try (MonitoredListener primary = listener(Balance.PRIMARY, "GET", "/primary")) {
            primary.leaderIs("pg02");
            primary.answers(primary.pg01, "patroni-3-nofailover-replica.json", 503);
            primary.answers(primary.pg02, "patroni-4-nofailover-primary.json", 200);

            assertThat(primary.router.pick()).contains(primary.pg02);
        }
    }
}
