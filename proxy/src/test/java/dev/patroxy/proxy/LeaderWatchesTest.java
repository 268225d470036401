package dev.patroxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patroxy.config.DcsConfig;
import dev.patroxy.config.DcsType;
import dev.patroxy.config.HostPort;
import dev.patroxy.proxy.dcs.LeaderListener;
import dev.patroxy.proxy.routing.SwitchoverRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeaderWatchesTest {
    private final List<LeaderListener> started = new ArrayList<>();
    private final AtomicInteger closed = new AtomicInteger();
    private final LeaderWatches watches = new LeaderWatches((dcs, listener) -> {
        started.add(listener);
        return new LeaderWatches.Started(closed::incrementAndGet, null);
    });

    private static DcsConfig dcs(String scope) {
        return new DcsConfig(DcsType.values()[0], List.of(new HostPort("127.0.0.1", 2379)), scope, "/service",
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    /** A generation's monitor: records what it hears. */
    private static final class Heard implements LeaderListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void leaderIs(String member, long index) {
            events.add(member);
        }

        @Override
        public void noLeader(long index) {
            events.add("none");
        }

        @Override
        public void unreachable(String reason) {
            events.add("unreachable");
        }

        @Override
        public void switchoverIs(SwitchoverRequest request, Instant heardAt) {
            events.add("switchover " + request + " heard " + heardAt.getEpochSecond());
        }
    }

    @Test
    void generationsWithTheSameSectionShareOneWatchUntilTheLastLetsGo() {
        Heard old = new Heard();
        Heard fresh = new Heard();
        LeaderWatches.Following first = watches.follow(dcs("batman"), Runnable::run, old);
        started.get(0).leaderIs("pg01", 7);
        LeaderWatches.Following second = watches.follow(dcs("batman"), Runnable::run, fresh);

        assertThat(started).hasSize(1);
        assertThat(fresh.events).as("joining late, it hears the last change first").containsExactly("pg01");

        started.get(0).leaderIs("pg02", 9);
        assertThat(old.events).as("the draining generation still hears changes").containsExactly("pg01", "pg02");
        assertThat(fresh.events).containsExactly("pg01", "pg02");

        first.close();
        assertThat(closed).hasValue(0);
        second.close();
        assertThat(closed).hasValue(1);
        assertThat(watches.running()).isZero();
    }

    @Test
    void anotherSectionGetsAWatchOfItsOwn() {
        watches.follow(dcs("batman"), Runnable::run, new Heard());
        watches.follow(dcs("robin"), Runnable::run, new Heard());

        assertThat(started).hasSize(2);
        assertThat(watches.running()).isEqualTo(2);
    }

    @Test
    void aWatchThatFailsToStartLeavesNothingBehindForTheNextReload() {
        AtomicInteger attempts = new AtomicInteger();
        LeaderWatches failingOnce = new LeaderWatches((dcs, listener) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("unable to create native thread");
            }
            return new LeaderWatches.Started(() -> { }, null);
        });

        assertThatThrownBy(() -> failingOnce.follow(dcs("batman"), Runnable::run, new Heard()))
                .hasMessageContaining("native thread");
        assertThat(failingOnce.running()).isZero();
        failingOnce.follow(dcs("batman"), Runnable::run, new Heard()).close();
        assertThat(attempts).hasValue(2);
    }

    @Test
    void aGenerationJoiningDuringASwitchoverHearsTheLeaderAndTheRequestBoth() {
        Heard old = new Heard();
        Heard fresh = new Heard();
        watches.follow(dcs("batman"), Runnable::run, old);
        started.get(0).leaderIs("pg01", 7);
        started.get(0).switchoverIs(new SwitchoverRequest("pg01", "pg03", null, null, 8), Instant.ofEpochSecond(100));

        watches.follow(dcs("batman"), Runnable::run, fresh);

        assertThat(fresh.events).as("when it was first heard, not when this one joined")
                .containsExactly("pg01", "switchover pg01 to pg03 heard 100");
        started.get(0).switchoverIs(SwitchoverRequest.NONE, Instant.ofEpochSecond(103));
        assertThat(old.events).containsExactly("pg01", "switchover pg01 to pg03 heard 100", "switchover none heard 103");
        assertThat(fresh.events).containsExactly("pg01", "switchover pg01 to pg03 heard 100",
                "switchover none heard 103");
    }
}
