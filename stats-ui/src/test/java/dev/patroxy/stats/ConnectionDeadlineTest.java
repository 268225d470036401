package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patroxy.stats.ConnectionDeadline.Phase;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionDeadlineTest {
    private static final StatsLimits LIMITS = new StatsLimits(10, 100, 100, 10,
            Duration.ofSeconds(10), Duration.ofSeconds(120), Duration.ofSeconds(30));

    private final AtomicLong now = new AtomicLong(1_000);
    private final ConnectionDeadline deadline = new ConnectionDeadline(LIMITS, now::get);

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void theFirstRequestMustArriveWithinTheRequestTimeoutOfTheAccept() {
        assertThat(deadline.phase()).isEqualTo(Phase.REQUEST);
        assertThat(deadline.bytesArrived()).as("bytes do not extend a request").isFalse();
        advance(Duration.ofSeconds(9));
        assertThat(deadline.expired()).isEmpty();
        advance(Duration.ofSeconds(1));
        assertThat(deadline.expired()).contains(Phase.REQUEST);
    }

    @Test
    void aResponseRunsOutWhenTheClientTakesNothingForTheClientTimeout() {
        deadline.responding();
        advance(Duration.ofSeconds(20));
        assertThat(deadline.responseTaken()).isTrue();
        advance(Duration.ofSeconds(29));
        assertThat(deadline.expired()).isEmpty();
        assertThat(deadline.nanosLeft()).isEqualTo(Duration.ofSeconds(1).toNanos());
        advance(Duration.ofSeconds(1));
        assertThat(deadline.expired()).contains(Phase.RESPONSE);
    }

    @Test
    void aKeptAliveConnectionWaitsTheKeepAliveTimeoutThenTheRequestTimeoutFromItsFirstByte() {
        deadline.responding();
        deadline.awaitingRequest();
        assertThat(deadline.responseTaken()).isFalse();
        advance(Duration.ofSeconds(100));
        assertThat(deadline.expired()).isEmpty();
        assertThat(deadline.bytesArrived()).isTrue();
        assertThat(deadline.phase()).isEqualTo(Phase.REQUEST);
        assertThat(deadline.nanosLeft()).isEqualTo(Duration.ofSeconds(10).toNanos());
        advance(Duration.ofSeconds(10));
        assertThat(deadline.expired()).contains(Phase.REQUEST);
    }

    @Test
    void anIdleKeptAliveConnectionRunsOutAtTheKeepAliveTimeout() {
        deadline.awaitingRequest();
        advance(Duration.ofSeconds(120));
        assertThat(deadline.expired()).contains(Phase.KEEP_ALIVE);
        assertThat(deadline.nanosLeft()).isZero();
    }
}
