package dev.patroxy.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.proxy.ManualClock;
import dev.patroxy.stats.CheckResult;
import dev.patroxy.stats.ServerState;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HealthStateTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private final ManualClock clock = new ManualClock(T0);
    private final HealthState health = new HealthState(2, 3, clock);

    private static CheckResult ok() {
        return new CheckResult("L7OK", 200, Duration.ofMillis(2), "200 OK", T0);
    }

    private static CheckResult status503() {
        return new CheckResult("L7STS", 503, Duration.ofMillis(2), "503 Service Unavailable", T0);
    }

    private static CheckResult timeout() {
        return new CheckResult("L4TOUT", 0, Duration.ofSeconds(5), "timeout", T0);
    }

    private static CheckResult refused() {
        return new CheckResult("L4CON", 0, Duration.ofMillis(1), "Connection refused", T0);
    }

    @Test
    void startsDownSoNothingIsRoutedBeforeTheFirstAnswer() {
        assertThat(health.state()).isEqualTo(ServerState.DOWN);
        assertThat(health.isUp()).isFalse();
        assertThat(health.downTransitions()).isZero();
    }

    @Test
    void theFirstPassingCheckMarksUpAtOnceWithoutWaitingForRise() {
        assertThat(health.record(ok())).isEqualTo(HealthState.Change.WENT_UP);
        assertThat(health.state()).isEqualTo(ServerState.UP);
    }

    @Test
    void theFirstFailingCheckKeepsItDownWithoutCountingATransition() {
        assertThat(health.record(refused())).isEqualTo(HealthState.Change.NONE);
        assertThat(health.state()).isEqualTo(ServerState.DOWN);
        assertThat(health.downTransitions()).isZero();
        assertThat(health.checkFailures()).isEqualTo(1);
    }

    @Test
    void aStandbyThatAnswers503IsNolbNeitherAFailureNorDowntime() {
        assertThat(health.record(status503())).isEqualTo(HealthState.Change.NONE);
        clock.advance(Duration.ofMinutes(5));
        health.record(status503());

        assertThat(health.state()).isEqualTo(ServerState.NOLB);
        assertThat(health.isUp()).isFalse();
        assertThat(health.checkFailures()).isZero();
        assertThat(health.downtime()).isZero();
        assertThat(health.downTransitions()).isZero();
    }

    @Test
    void aStandbyThatStopsAnsweringIsDownAfterFall() {
        health.record(status503());
        health.record(timeout());
        health.record(timeout());
        assertThat(health.state()).as("two of three").isEqualTo(ServerState.NOLB);
        health.record(status503());
        health.record(timeout());
        health.record(timeout());
        assertThat(health.state()).as("an answer resets the count").isEqualTo(ServerState.NOLB);
        health.record(timeout());
        assertThat(health.state()).isEqualTo(ServerState.DOWN);
        clock.advance(Duration.ofSeconds(3));
        health.record(status503());
        assertThat(health.state()).as("answering again").isEqualTo(ServerState.NOLB);
        assertThat(health.downtime()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void transientFailuresNeedFallInARowToMarkDown() {
        health.record(ok());
        assertThat(health.record(timeout())).isEqualTo(HealthState.Change.NONE);
        assertThat(health.state()).isEqualTo(ServerState.GOING_DOWN);
        assertThat(health.progress()).isEqualTo(1);
        assertThat(health.progressMax()).isEqualTo(3);
        assertThat(health.isUp()).isTrue();
        assertThat(health.record(refused())).isEqualTo(HealthState.Change.NONE);
        assertThat(health.progress()).isEqualTo(2);
        assertThat(health.record(timeout())).isEqualTo(HealthState.Change.WENT_DOWN);
        assertThat(health.state()).isEqualTo(ServerState.DOWN);
        assertThat(health.downTransitions()).isEqualTo(1);
    }

    @Test
    void aSuccessWhileGoingDownRestoresUp() {
        health.record(ok());
        health.record(timeout());
        health.record(timeout());
        assertThat(health.record(ok())).isEqualTo(HealthState.Change.NONE);
        assertThat(health.state()).isEqualTo(ServerState.UP);
        health.record(timeout());
        assertThat(health.progress()).as("the count starts again").isEqualTo(1);
    }

    @Test
    void aWrongHttpStatusIsPatroniSayingNotInThisRoleSoItStopsTakingSessionsAtOnce() {
        health.record(ok());
        assertThat(health.record(status503())).isEqualTo(HealthState.Change.WENT_DOWN);
        assertThat(health.state()).isEqualTo(ServerState.NOLB);
        assertThat(health.downTransitions()).isEqualTo(1);
    }

    @Test
    void comingBackNeedsRiseSuccessesInARow() {
        health.record(ok());
        health.record(status503());
        assertThat(health.record(ok())).isEqualTo(HealthState.Change.NONE);
        assertThat(health.state()).isEqualTo(ServerState.GOING_UP);
        assertThat(health.progress()).isEqualTo(1);
        assertThat(health.progressMax()).isEqualTo(2);
        assertThat(health.record(ok())).isEqualTo(HealthState.Change.WENT_UP);
        assertThat(health.state()).isEqualTo(ServerState.UP);
    }

    @Test
    void aFailureWhileGoingUpFallsBackToDown() {
        health.record(ok());
        health.record(status503());
        health.record(ok());
        assertThat(health.record(timeout())).isEqualTo(HealthState.Change.NONE);
        assertThat(health.state()).isEqualTo(ServerState.DOWN);
        assertThat(health.record(ok())).isEqualTo(HealthState.Change.NONE);
        assertThat(health.state()).as("rise counts again from one").isEqualTo(ServerState.GOING_UP);
    }

    @Test
    void countsDowntimeAndLastChangeWithTheClock() {
        health.record(ok());
        clock.advance(Duration.ofSeconds(10));
        health.record(refused());
        health.record(refused());
        health.record(refused());
        assertThat(health.state()).isEqualTo(ServerState.DOWN);
        assertThat(health.lastChange()).isEqualTo(T0.plusSeconds(10));
        clock.advance(Duration.ofSeconds(7));
        assertThat(health.downtime()).isEqualTo(Duration.ofSeconds(7));
        health.record(ok());
        clock.advance(Duration.ofSeconds(1));
        health.record(ok());
        assertThat(health.downtime()).isEqualTo(Duration.ofSeconds(7));
        assertThat(health.lastChange()).isEqualTo(T0.plusSeconds(18));
        clock.advance(Duration.ofSeconds(100));
        assertThat(health.downtime()).as("no DOWN time accrues while UP").isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void downtimeBeforeTheFirstCheckDoesNotCount() {
        clock.advance(Duration.ofSeconds(30));
        health.record(refused());
        clock.advance(Duration.ofSeconds(4));
        assertThat(health.downtime()).isEqualTo(Duration.ofSeconds(4));
        assertThat(health.snapshot().downtime(clock.instant())).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void keepsTheLastCheckForTheStatsPage() {
        CheckResult answer = status503();
        health.record(answer);
        assertThat(health.lastCheck()).isEqualTo(answer);
        assertThat(health.snapshot().lastCheck()).isEqualTo(answer);
    }
}
