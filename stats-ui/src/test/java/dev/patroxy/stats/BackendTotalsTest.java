package dev.patroxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendTotalsTest {

    @Test
    void sumsQueuesAndWeighsEachServersQueueTimeByTheSessionsItAveragesOver() {
        BackendTotals totals = BackendTotals.of(listener(
                queueing("busy", 5000, 3, 1, Duration.ofMillis(10)),
                queueing("young", 512, 4, 2, Duration.ofMillis(40)),
                queueing("idle", 0, 0, 0, Duration.ZERO)));

        assertThat(totals.queueCurrent()).isEqualTo(7);
        assertThat(totals.queueTimeouts()).isEqualTo(3);
        // busy averages over its last 1024 sessions only, young over all 512 of its own, idle over none.
        assertThat(totals.queueTimeAverage()).isEqualTo(Duration.ofMillis((10 * 1024 + 40 * 512) / 1536));
    }

    @Test
    void noSessionsMeansNoWait() {
        assertThat(BackendTotals.of(listener(queueing("idle", 0, 1, 0, Duration.ZERO))).queueTimeAverage())
                .isEqualTo(Duration.ZERO);
        assertThat(BackendTotals.of(listener()).queueTimeAverage()).isEqualTo(Duration.ZERO);
    }

    private static ListenerStats listener(ServerStats... servers) {
        return new ListenerStats("primary", List.of("0.0.0.0:5000"), "primary", "OPTIONS /primary expect 200",
                new FrontendStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, false), List.of(servers), List.of(), 0,
                DetectionHistogram.EMPTY);
    }

    private static ServerStats queueing(String name, long totalSessions, long queueCurrent, long queueTimeouts,
            Duration queueTimeAverage) {
        return new ServerStats(name, name + ".db:5432", "http://" + name + ".db:8008/primary", ServerState.UP, 0, 0,
                "primary", true, 1, 1, totalSessions, 0, 0, 0, 0, 0, 0, TestSnapshots.STARTED, Duration.ZERO, 0,
                CheckResult.NONE, 10, queueCurrent, queueCurrent, queueTimeouts, queueTimeAverage, 0,
                AdminState.READY, 1);
    }
}
