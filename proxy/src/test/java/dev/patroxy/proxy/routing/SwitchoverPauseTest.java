package dev.patroxy.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.proxy.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a switchover request holds new sessions, on an injected clock. */
class SwitchoverPauseTest {
    private static final Instant START = Instant.parse("2026-12-03T14:00:00Z");
    private static final SwitchoverRequest FROM_PG01 = new SwitchoverRequest("pg01", "pg03", null, null, 5);
    private final ManualClock clock = new ManualClock(START);
    private final SwitchoverPause pause = new SwitchoverPause(Duration.ofSeconds(30), clock);

    @Test
    void holdsFromTheRequestWhileTheKeyNamesTheLeaderItAsksAndForAtMostTheLimit() {
        assertThat(pause.holds(DcsLeader.of("pg01"))).as("nothing asked").isFalse();
        assertThat(pause.requested(FROM_PG01, clock.instant())).isTrue();

        assertThat(pause.holds(DcsLeader.of("pg01"))).isTrue();
        assertThat(pause.untilChange(DcsLeader.of("pg01"))).contains(Duration.ofSeconds(30));
        assertThat(pause.holds(DcsLeader.of("pg03"))).as("the key names the candidate: done").isFalse();
        assertThat(pause.holds(DcsLeader.NONE)).as("no leader: the leader key's own hold applies").isFalse();
        assertThat(pause.holds(DcsLeader.UNKNOWN)).isFalse();

        clock.advance(Duration.ofSeconds(29));
        assertThat(pause.requested(FROM_PG01, clock.instant())).as("the same request again does not restart the limit")
                .isFalse();
        assertThat(pause.holds(DcsLeader.of("pg01"))).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(pause.holds(DcsLeader.of("pg01"))).as("Patroni never carried it out: the limit ends it").isFalse();
        assertThat(pause.untilChange(DcsLeader.of("pg01"))).isEmpty();
    }

    @Test
    void aScheduledRequestHoldsFromItsTime() {
        pause.requested(new SwitchoverRequest("pg01", "pg03", START.plusSeconds(60), null, 5), clock.instant());

        assertThat(pause.holds(DcsLeader.of("pg01"))).isFalse();
        assertThat(pause.untilChange(DcsLeader.of("pg01"))).contains(Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(60));
        assertThat(pause.holds(DcsLeader.of("pg01"))).isTrue();
        assertThat(pause.untilChange(DcsLeader.of("pg01"))).contains(Duration.ofSeconds(30));
    }

    @Test
    void theRequestGoneEndsTheHoldAndAZeroLimitNeverHolds() {
        pause.requested(FROM_PG01, clock.instant());
        pause.requested(SwitchoverRequest.NONE, clock.instant());
        assertThat(pause.holds(DcsLeader.of("pg01"))).isFalse();

        SwitchoverPause never = new SwitchoverPause(Duration.ZERO, clock);
        never.requested(FROM_PG01, clock.instant());
        assertThat(never.holds(DcsLeader.of("pg01"))).isFalse();
        assertThat(never.untilChange(DcsLeader.of("pg01"))).isEmpty();
    }

    @Test
    void aRequestHeardBeforeIsTimedFromWhenItWasFirstHeardAndAFarScheduleIsOneTimerAnHourAway() {
        pause.requested(FROM_PG01, START.minusSeconds(20));
        assertThat(pause.untilChange(DcsLeader.of("pg01"))).as("a reload's monitor, 20 s into the pause")
                .contains(Duration.ofSeconds(10));

        SwitchoverPause far = new SwitchoverPause(Duration.ofSeconds(30), clock);
        far.requested(new SwitchoverRequest("pg01", null, Instant.parse("+100000-01-01T00:00:00Z"), null, 6),
                clock.instant());
        assertThat(far.untilChange(DcsLeader.of("pg01"))).contains(SwitchoverPause.LONGEST_WAIT);
        assertThat(far.holds(DcsLeader.of("pg01"))).isFalse();
    }
}
